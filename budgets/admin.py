from django.contrib import admin
from django.utils import timezone

from .models import Budget, ModelPrice
from .selectors import budget_status


@admin.register(ModelPrice)
class ModelPriceAdmin(admin.ModelAdmin):
    list_display = (
        "provider",
        "model",
        "input_per_million",
        "output_per_million",
        "effective_from",
    )
    list_filter = ("provider",)
    search_fields = ("model",)


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    """Site staff set budgets for any team or user; team owners/admins use the API/team page."""

    list_display = ("__str__", "team", "user", "metric", "limit", "period", "current_use")
    list_filter = ("metric", "period")
    raw_id_fields = ("team", "user", "created_by")

    @admin.display(description="Used this period (incl. held)")
    def current_use(self, budget) -> str:
        status = budget_status(budget, timezone.now())
        return f"{status.used + status.reserved:f} ({status.fraction:.0%})"
