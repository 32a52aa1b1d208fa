"""Who may do what with a template. Decided here once; views and APIs only ask.

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

from accounts.models import Membership, role_can_manage

from .models import PromptTemplate, Visibility

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


@dataclass(frozen=True)
class TeamStanding:
    """Where a user stands, now, towards something a team owns that one of them created."""

    role: str | None  # None: not a member (or not logged in)
    is_author: bool  # authorship counts only while the author is still a member

    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def is_manager(self) -> bool:
        return role_can_manage(self.role)

    def sees(self, visibility: str) -> bool:
        """The private/team rule: private is the author's alone; anything shared (team, link)
        every member sees. (Datasets share it: datasets.access.)"""
        return self.is_author or (visibility != Visibility.PRIVATE and self.is_member)


def team_standing(user, *, team_id, author_id) -> TeamStanding:
    """One query: the user's role in the team as it is now."""
    role = None
    if user.is_authenticated:
        role = (
            Membership.objects.filter(team_id=team_id, user=user)
            .values_list("role", flat=True)
            .first()
        )
    return TeamStanding(role=role, is_author=role is not None and author_id == user.pk)


def template_access(user, template: PromptTemplate) -> TemplateAccess:
    standing = team_standing(user, team_id=template.team_id, author_id=template.created_by_id)
    shared = template.visibility != Visibility.PRIVATE
    can_view = standing.sees(template.visibility) or template.visibility == Visibility.LINK
    return TemplateAccess(
        can_view=can_view,
        can_run=can_view and user.is_authenticated,
        can_edit=standing.is_author or (shared and standing.is_manager),
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
