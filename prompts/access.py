"""Who may do what with a template. Decided here once; views and APIs only ask.
The private/team/link rule itself is accounts.sharing's, which datasets and runs share.

private: only the author. team: every member views and runs; the author and team
owners/admins edit. link: as team, plus anyone with the link views it read-only (and, when
logged in, runs or forks it under their own account). The `production` label moves only
at the hands of team owners/admins.

Authorship counts only while the author is still in the template's team, checked now: a
removed member keeps no rights over the team's templates (a link template stays readable to
them like to anyone with the link).
"""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.sharing import team_standing

from .models import PromptTemplate

PROTECTED_LABELS = {"production"}


@dataclass(frozen=True)
class TemplateAccess:
    can_view: bool
    can_run: bool  # also: fork
    can_edit: bool  # new versions, labels, settings, delete
    is_manager: bool  # team owner/admin: may move protected labels

    def can_move_label(self, name: str) -> bool:
        return self.can_edit and (name not in PROTECTED_LABELS or self.is_manager)

    @property
    def can_set_policies(self) -> bool:
        """Label policies (prompts.policy) guard releases: the team's owners/admins set them."""
        return self.can_edit and self.is_manager


def template_access(user, template: PromptTemplate) -> TemplateAccess:
    standing = team_standing(user, team_id=template.team_id, author_id=template.created_by_id)
    can_view = standing.reads(template.visibility)
    return TemplateAccess(
        can_view=can_view,
        can_run=can_view and user.is_authenticated,
        can_edit=standing.manages(template.visibility),
        is_manager=standing.is_manager,
    )


def template_for_viewer(user, template_id) -> tuple[PromptTemplate, TemplateAccess]:
    """The template and what the user may do with it; 404 if they may not even see it."""
    template = get_object_or_404(
        PromptTemplate.objects.select_related("team", "team__personal_owner", "created_by"),
        pk=template_id,
    )
    access = template_access(user, template)
    if not access.can_view:
        raise Http404("No such template.")
    return template, access
