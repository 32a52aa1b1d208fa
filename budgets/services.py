"""Budgets: refuse a run before any upstream call when it could overshoot a limit.

Each run reserves its worst case (prompt estimate + max_tokens, or a configured cap) in every
budget that applies, with one conditional UPDATE per budget window:
`reserved += worst WHERE used + reserved + worst <= limit`. The database applies these one
at a time per row, so parallel requests can never together admit more than the limit.
When the run finishes, the reservation is settled to what it really used.
Periods are calendar days, ISO weeks (from Monday) and months, in UTC.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import Team, User
from accounts.services import team_manager_require

from .limits import LimitExceeded
from .models import Budget, BudgetWindow
from .pricing import MILLION, price_for
from .selectors import budget_describe, budgets_for, period_bounds

# What one image may cost in prompt tokens: OpenAI's high detail tops out near 1,600 for the
# largest image it keeps; an image's data URL is no measure (a megabyte is not 300k tokens).
IMAGE_TOKEN_ESTIMATE = 2_000


def images_apart(messages: Any) -> tuple[Any, int]:
    """The messages with each image part left out, and how many there were: an estimate counts
    their text by its length and each image as IMAGE_TOKEN_ESTIMATE."""
    images = 0

    def without(value: Any) -> Any:
        nonlocal images
        if isinstance(value, list):
            return [without(item) for item in value]
        if isinstance(value, dict) and value.get("type") == "image_url":
            images += 1
            return None
        if isinstance(value, dict):
            return {key: without(item) for key, item in value.items()}
        return value

    return without(messages), images


def prompt_estimate(body: dict[str, Any]) -> int:
    """An upper estimate of the prompt: ~3 characters per token (generous), images apart."""
    text, images = images_apart(body.get("messages", []))
    return len(json.dumps(text, ensure_ascii=False)) // 3 + 1 + images * IMAGE_TOKEN_ESTIMATE


def completion_cap(body: dict[str, Any]) -> int:
    """The most the model may write: max_tokens (or the configured cap) for each choice."""
    most: int | None = body.get("max_completion_tokens") or body.get("max_tokens")
    return (most or settings.BUDGET_DEFAULT_MAX_TOKENS) * int(body.get("n") or 1)


def worst_case_tokens(body: dict[str, Any]) -> int:
    return prompt_estimate(body) + completion_cap(body)


@dataclass
class Reservation:
    """What one run holds in each budget window, and its worst case."""

    holds: list[tuple[int, Decimal, str]] = field(default_factory=list)  # window, amount, metric
    prompt_estimate: int = 0

    def release(self) -> None:
        for window_id, amount, _metric in self.holds:
            BudgetWindow.objects.filter(pk=window_id).update(reserved=F("reserved") - amount)
        self.holds = []

    def as_json(self) -> list[list[Any]]:
        """The holds as a run's row keeps them (amounts as decimal strings: exact)."""
        return [[window_id, str(amount), metric] for window_id, amount, metric in self.holds]

    @classmethod
    def from_json(cls, holds: list[list[Any]]) -> "Reservation":
        return cls(holds=[(int(w), Decimal(amount), str(m)) for w, amount, m in holds])


def _window(budget: Budget, now: datetime) -> tuple[BudgetWindow, datetime]:
    start, end = period_bounds(budget.period, now)
    # Looked up first: nearly every run finds its window, and creating one inside the run's
    # transaction takes a savepoint (two more round trips).
    window = BudgetWindow.objects.filter(budget=budget, starts_at=start).first()
    if window is None:
        try:
            with transaction.atomic():
                window, _ = BudgetWindow.objects.get_or_create(budget=budget, starts_at=start)
        except IntegrityError:  # another request created it first
            window = BudgetWindow.objects.get(budget=budget, starts_at=start)
    return window, end


def budget_reserve(
    *, user: User, team: Team, body: dict[str, Any], provider: str, now: datetime
) -> Reservation:
    """Hold the run's worst case in every applicable budget, or refuse it (LimitExceeded).
    Windows are held in one order (by budget), so runs that reserve inside a transaction
    never wait on each other's windows in a circle."""
    budgets = sorted(budgets_for(user=user, team=team), key=lambda budget: budget.pk)
    if not budgets:
        return Reservation()
    reservation = Reservation(prompt_estimate=prompt_estimate(body))
    tokens = Decimal(reservation.prompt_estimate + completion_cap(body))
    price = price_for(provider=provider, model=body["model"], at=now)
    dearest = max(price.input_per_million, price.output_per_million) if price else Decimal(0)
    for budget in budgets:
        amount = tokens if budget.metric == Budget.Metric.TOKENS else tokens * dearest / MILLION
        window, resets_at = _window(budget, now)
        admitted = BudgetWindow.objects.filter(
            pk=window.pk, used__lte=budget.limit - amount - F("reserved")
        ).update(reserved=F("reserved") + amount)
        if not admitted:
            reservation.release()
            window.refresh_from_db()
            raise LimitExceeded(
                f"{budget_describe(budget)} is used up ({window.used.normalize():f} used, "
                f"{window.reserved.normalize():f} held by runs in progress; this request could "
                f"need up to {amount.normalize():f}). It resets at {resets_at:%Y-%m-%d %H:%M} UTC.",
                retry_after=int((resets_at - now).total_seconds()),
                code="budget_exceeded",
            )
        reservation.holds.append((window.pk, amount, budget.metric))
    return reservation


@dataclass(frozen=True)
class Spent:
    """What a finished run used, as far as anyone knows."""

    total_tokens: int | None
    cost: Decimal | None
    partial_completion_tokens: int | None = None  # a cut stream: what arrived of the answer
    nothing: bool = False  # an upstream error with no usage: nothing to pay for


def budget_settle(reservation: Reservation, spent: Spent) -> None:
    """Replace each hold by what the run really used. Unknown usage keeps the worst case."""
    for window_id, amount, metric in reservation.holds:
        used = _actual(spent, amount, metric, reservation.prompt_estimate)
        BudgetWindow.objects.filter(pk=window_id).update(
            reserved=F("reserved") - amount, used=F("used") + used
        )
    reservation.holds = []


def _actual(spent: Spent, held: Decimal, metric: str, prompt_estimate: int) -> Decimal:
    if metric == Budget.Metric.COST:
        return spent.cost if spent.cost is not None else (Decimal(0) if spent.nothing else held)
    if spent.total_tokens is not None:
        return Decimal(spent.total_tokens)
    if spent.partial_completion_tokens is not None:
        return Decimal(prompt_estimate + spent.partial_completion_tokens)
    return Decimal(0) if spent.nothing else held


def budget_create(*, actor: User, team: Team, metric: str, limit: Decimal, period: str) -> Budget:
    """A team budget; only the team's managers may set one."""
    team_manager_require(user=actor, team=team, action="change budgets")
    return Budget.objects.create(
        team=team, created_by=actor, metric=metric, limit=limit, period=period
    )


def budget_delete(*, actor: User, budget: Budget) -> None:
    if budget.team is None:  # a user's own budget is the site admin's to change
        raise PermissionDenied("Only team owners and admins can change budgets.")
    team_manager_require(user=actor, team=budget.team, action="change budgets")
    budget.delete()
