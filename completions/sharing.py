"""Sharing a run: the one write that changes who sees it (completions.access says who may)."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.sharing import Visibility

from .access import run_access
from .models import Run


def run_share(*, user, run: Run, visibility: str) -> Run:
    """Sets who sees the run. Sharing by link makes a new secret link unless it is already
    shared by link; anything else clears it, so a link given out stops working at once."""
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": [f"One of: {', '.join(Visibility.values)}."]})
    if not run_access(user, run).can_share:
        raise PermissionDenied("Only the run's author and the team's owners/admins share it.")
    if visibility == Visibility.LINK:
        run.share_token = run.share_token or secrets.token_urlsafe(32)
    else:
        run.share_token = None
    run.visibility = visibility
    run.save(update_fields=["visibility", "share_token"])
    return run
