"""Who may see and share a run. Decided here once; pages and APIs only ask.

The rule is templates' (accounts.sharing): private (the default) is its author's alone,
team is every member's, link adds anyone holding the run's link, read-only, signed in or
not. Its author shares it; the team's owners/admins may change who sees a run already
shared (e.g. take back a link), never a private one, which they cannot see.
"""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.sharing import Visibility, team_standing

from .models import Run


@dataclass(frozen=True)
class RunAccess:
    can_view: bool
    can_share: bool  # change its visibility
    is_author: bool  # what only its author does with it (add to a dataset, …)
    by_link: bool  # seen through its link, not as a member: the run and nothing around it
    template_readable: bool  # the viewer may open the template version it came from


def _runs():
    return Run.objects.select_related("team", "user", "template_version__template")


def _template_readable(user, run: Run) -> bool:
    version = run.template_version
    if version is None:
        return False
    template = version.template
    standing = team_standing(user, team_id=template.team_id, author_id=template.created_by_id)
    return standing.reads(template.visibility)


def run_access(user, run: Run, *, by_link: bool = False) -> RunAccess:
    standing = team_standing(user, team_id=run.team_id, author_id=run.user_id)
    return RunAccess(
        can_view=standing.sees(run.visibility) or by_link,
        can_share=standing.manages(run.visibility),
        is_author=standing.is_author,
        by_link=by_link and not standing.sees(run.visibility),
        template_readable=_template_readable(user, run),
    )


def run_for_viewer(user, run_id) -> tuple[Run, RunAccess]:
    """The run and what the user may do with it; 404 if they may not see it."""
    run = get_object_or_404(_runs(), pk=run_id)
    access = run_access(user, run)
    if not access.can_view:
        raise Http404("No such run.")
    return run, access


def run_for_link(user, token: str) -> tuple[Run, RunAccess]:
    """The run a share link names, while it is shared by link; 404 once it no longer is."""
    run = get_object_or_404(_runs(), share_token=token, visibility=Visibility.LINK)
    return run, run_access(user, run, by_link=True)
