"""Reading budgets: which apply to a run, and how far each is used this period.
Periods are calendar days, ISO weeks (from Monday) and months, in UTC."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

from accounts.models import Team, User
from accounts.token_cache import kept_while_unchanged

from .models import BUDGET_OWNERS_CACHE_KEY, Budget, BudgetWindow, ModelPrice


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


def _budget_owners() -> tuple[set[UUID], set[int]]:
    """Ids of the teams and users that have any budget. Most requests have none, so this
    answer, kept in memory while unchanged behind the shared cache, spares them a query (a
    saved budget clears it; see ClearsCacheOnChange)."""
    return kept_while_unchanged(BUDGET_OWNERS_CACHE_KEY, _budget_owners_shared)


def _budget_owners_shared() -> tuple[set[UUID], set[int]]:
    owners: tuple[set[UUID], set[int]] | None = cache.get(BUDGET_OWNERS_CACHE_KEY)
    if owners is None:
        pairs = list(Budget.objects.values_list("team_id", "user_id"))
        owners = ({t for t, _ in pairs if t}, {u for _, u in pairs if u})
        cache.set(BUDGET_OWNERS_CACHE_KEY, owners, 10)
    return owners


def budgets_for(*, user: User, team: Team) -> list[Budget]:
    teams, users = _budget_owners()
    if team.pk not in teams and user.pk not in users:
        return []
    return list(Budget.objects.filter(Q(team=team) | Q(user=user)).select_related("team", "user"))


def budget_describe(budget: Budget) -> str:
    owner = f"team {budget.team}" if budget.team_id else f"user {budget.user}"
    unit = "tokens" if budget.metric == Budget.Metric.TOKENS else settings.USAGE_CURRENCY
    return f"The {budget.period} budget of {budget.limit.normalize():f} {unit} for {owner}"


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
        return budget_describe(self.budget)


def budget_status(budget: Budget, now: datetime) -> BudgetStatus:
    start, end = period_bounds(budget.period, now)
    window = BudgetWindow.objects.filter(budget=budget, starts_at=start).first()
    used, reserved = (window.used, window.reserved) if window else (Decimal(0), Decimal(0))
    return BudgetStatus(budget, used, reserved, end)


def budget_warnings(
    *, user: User, team: Team, now: datetime, threshold: float = 0.8
) -> list[BudgetStatus]:
    """Budgets of this user and team at or past the warning threshold (80% by default)."""
    statuses = [budget_status(b, now) for b in budgets_for(user=user, team=team)]
    return [status for status in statuses if status.fraction >= threshold]


def prices_exist() -> bool:
    """Whether any model has a price: without one, every cost is unknown."""
    return ModelPrice.objects.exists()
