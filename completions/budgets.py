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
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from .limits import LimitExceeded
from .models import BUDGET_OWNERS_CACHE_KEY, Budget, BudgetWindow, Run
from .pricing import MILLION, price_for


def period_bounds(period: str, now: datetime) -> tuple[datetime, datetime]:
    now = now.astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == Budget.Period.DAILY:
        return day, day + timedelta(days=1)
    if period == Budget.Period.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def _budget_owners() -> tuple[set, set]:
    """Ids of the teams and users that have any budget. Most requests have none, so this
    cached answer spares them a query (a saved budget clears it; see ClearsCacheOnChange)."""
    owners = cache.get(BUDGET_OWNERS_CACHE_KEY)
    if owners is None:
        pairs = list(Budget.objects.values_list("team_id", "user_id"))
        owners = ({t for t, _ in pairs if t}, {u for _, u in pairs if u})
        cache.set(BUDGET_OWNERS_CACHE_KEY, owners, 10)
    return owners


def budgets_for(*, user, team) -> list[Budget]:
    teams, users = _budget_owners()
    if team.pk not in teams and user.pk not in users:
        return []
    return list(Budget.objects.filter(Q(team=team) | Q(user=user)).select_related("team", "user"))


def prompt_estimate(body: dict) -> int:
    """An upper estimate of the prompt: ~3 characters per token (generous)."""
    return len(json.dumps(body.get("messages", []), ensure_ascii=False)) // 3 + 1


def completion_cap(body: dict) -> int:
    """The most the model may write: max_tokens (or the configured cap) for each choice."""
    most = body.get("max_completion_tokens") or body.get("max_tokens")
    return (most or settings.BUDGET_DEFAULT_MAX_TOKENS) * int(body.get("n") or 1)


def worst_case_tokens(body: dict) -> int:
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


def _window(budget: Budget, now: datetime) -> tuple[BudgetWindow, datetime]:
    start, end = period_bounds(budget.period, now)
    try:
        with transaction.atomic():
            window, _ = BudgetWindow.objects.get_or_create(budget=budget, starts_at=start)
    except IntegrityError:  # another request created it first
        window = BudgetWindow.objects.get(budget=budget, starts_at=start)
    return window, end


def _describe(budget: Budget) -> str:
    owner = f"team {budget.team}" if budget.team_id else f"user {budget.user}"
    unit = "tokens" if budget.metric == Budget.Metric.TOKENS else settings.USAGE_CURRENCY
    return f"The {budget.period} budget of {budget.limit.normalize():f} {unit} for {owner}"


def budget_reserve(*, user, team, body: dict, provider: str, now: datetime) -> Reservation:
    """Hold the run's worst case in every applicable budget, or refuse it (LimitExceeded)."""
    budgets = budgets_for(user=user, team=team)
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
                f"{_describe(budget)} is used up ({window.used.normalize():f} used, "
                f"{window.reserved.normalize():f} held by runs in progress; this request could "
                f"need up to {amount.normalize():f}). It resets at {resets_at:%Y-%m-%d %H:%M} UTC.",
                retry_after=int((resets_at - now).total_seconds()),
                code="budget_exceeded",
            )
        reservation.holds.append((window.pk, amount, budget.metric))
    return reservation


def budget_settle(reservation: Reservation, run: Run) -> None:
    """Replace each hold by what the run really used. Unknown usage keeps the worst case."""
    for window_id, amount, metric in reservation.holds:
        used = _actual(run, amount, metric, reservation.prompt_estimate)
        BudgetWindow.objects.filter(pk=window_id).update(
            reserved=F("reserved") - amount, used=F("used") + used
        )
    reservation.holds = []


def _actual(run: Run, held: Decimal, metric: str, prompt_estimate: int) -> Decimal:
    if metric == Budget.Metric.COST:
        return run.cost if run.cost is not None else (Decimal(0) if _cost_free(run) else held)
    if run.total_tokens is not None:
        return Decimal(run.total_tokens)
    if run.usage == Run.Usage.PARTIAL:
        return Decimal(prompt_estimate + (run.completion_tokens or 0))
    return Decimal(0) if _cost_free(run) else held


def _cost_free(run: Run) -> bool:
    """An upstream that answered with an error produced nothing to pay for."""
    return run.status == Run.Status.ERROR and run.usage == Run.Usage.UNKNOWN


@dataclass
class BudgetStatus:
    budget: Budget
    used: Decimal
    reserved: Decimal
    resets_at: datetime

    @property
    def fraction(self) -> float:
        return float((self.used + self.reserved) / self.budget.limit) if self.budget.limit else 1.0

    @property
    def description(self) -> str:
        return _describe(self.budget)


def budget_status(budget: Budget, now: datetime) -> BudgetStatus:
    start, end = period_bounds(budget.period, now)
    window = BudgetWindow.objects.filter(budget=budget, starts_at=start).first()
    used, reserved = (window.used, window.reserved) if window else (Decimal(0), Decimal(0))
    return BudgetStatus(budget, used, reserved, end)


def budget_warnings(*, user, team, now: datetime, threshold: float = 0.8) -> list[BudgetStatus]:
    """Budgets of this user and team at or past the warning threshold (80% by default)."""
    statuses = [budget_status(b, now) for b in budgets_for(user=user, team=team)]
    return [status for status in statuses if status.fraction >= threshold]
