from .models import Team
from .services import active_team_get


def teams(request) -> dict:
    """The team switcher in the navigation: the user's teams and the active one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "active_team": active_team_get(user),
        "switchable_teams": Team.objects.for_user(user).select_related("personal_owner"),
    }
