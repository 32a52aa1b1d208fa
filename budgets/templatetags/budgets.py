from django import template
from django.utils import timezone

from ..forms import BudgetForm
from ..selectors import budget_status

register = template.Library()


@register.inclusion_tag("budgets/_team_budgets.html", takes_context=True)
def team_budgets(context, team) -> dict:
    """The team page's budget section: the team page lives in accounts, which budgets builds
    on, so budgets brings its own part of that page rather than accounts importing it."""
    now = timezone.now()
    return {
        "team": team,
        "budgets": [budget_status(budget, now) for budget in team.budgets.all()],
        "budget_form": BudgetForm(),
        "csrf_token": context.get("csrf_token"),
    }
