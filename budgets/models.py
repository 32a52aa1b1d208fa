"""What runs may spend: prices per model (versioned by date) and budgets per team or user,
with their running totals per period. Rate limits need no table (budgets.limits)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils import timezone

PRICES_CACHE_KEY = "prices:all"
BUDGET_OWNERS_CACHE_KEY = "budgets:owners"


class ClearsCacheOnChange(models.Model):
    """For small tables read on every completion and cached: any change clears the cache.
    (Bulk queryset updates bypass this; the cache then refreshes within its timeout.)"""

    cache_key = ""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        cache.delete(self.cache_key)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        result = super().delete(*args, **kwargs)
        cache.delete(self.cache_key)
        return result


class ModelPrice(ClearsCacheOnChange):
    """Price per million tokens for one provider's model, from a date on. Add a new row to
    change a price: runs keep the price that was in force when they ran."""

    provider = models.CharField(max_length=40, help_text="Provider slug, e.g. octopusx or demo.")
    model = models.CharField(max_length=200)
    input_per_million = models.DecimalField(max_digits=12, decimal_places=6)
    output_per_million = models.DecimalField(max_digits=12, decimal_places=6)
    effective_from = models.DateTimeField(default=timezone.now)

    cache_key = PRICES_CACHE_KEY

    class Meta:
        db_table = "completions_modelprice"  # created when budgets lived in completions
        ordering = ["provider", "model", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "model", "effective_from"], name="unique_price_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}/{self.model} from {self.effective_from:%Y-%m-%d}"


class Budget(ClearsCacheOnChange):
    """A spending limit for a team or for a user (across all their teams), per period."""

    class Metric(models.TextChoices):
        TOKENS = "tokens", "Tokens"
        COST = "cost", "Cost"

    class Period(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="budgets"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="budgets",
    )
    metric = models.CharField(max_length=10, choices=Metric.choices, default=Metric.TOKENS)
    limit = models.DecimalField(max_digits=16, decimal_places=6)
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.MONTHLY)
    # Not columns: this period's state, set by budgets.api for its answer.
    used: Decimal
    reserved: Decimal
    resets_at: datetime
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    cache_key = BUDGET_OWNERS_CACHE_KEY

    class Meta:
        db_table = "completions_budget"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team__isnull=False, user__isnull=True)
                | models.Q(team__isnull=True, user__isnull=False),
                name="budget_for_team_or_user",
            )
        ]

    def __str__(self) -> str:
        owner = self.team or self.user
        return f"{owner}: {self.limit:g} {self.metric} {self.period}"


class BudgetWindow(models.Model):
    """One budget's running totals for one period. `reserved` holds the worst case of runs
    still in flight; it is settled to their real usage when they finish."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="windows")
    starts_at = models.DateTimeField()
    used = models.DecimalField(max_digits=16, decimal_places=6, default=0)
    reserved = models.DecimalField(max_digits=16, decimal_places=6, default=0)

    class Meta:
        db_table = "completions_budgetwindow"
        constraints = [
            models.UniqueConstraint(fields=["budget", "starts_at"], name="unique_budget_window")
        ]

    def __str__(self) -> str:
        return f"{self.budget} from {self.starts_at:%Y-%m-%d}"
