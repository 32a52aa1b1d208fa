from django.utils import timezone

from accounts.services import active_team_get

from . import selectors


def budget_warnings(request) -> dict:
    """Budgets at 80% or more, for the banner every page shows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    team = active_team_get(user)
    return {"budget_warnings": selectors.budget_warnings(user=user, team=team, now=timezone.now())}
