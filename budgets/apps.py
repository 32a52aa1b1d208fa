from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    """What a run may spend, checked before every upstream call: model prices, team and user
    budgets (held and settled per run) and per-user rate limits."""

    name = "budgets"
    verbose_name = "Prices, budgets and limits"
