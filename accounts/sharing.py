"""The sharing rule for what a team owns and one member made (templates, datasets, runs),
stated once: private is its author's alone; team (and link, which adds readers from outside
through a link) is every member's. Authorship counts only while the author is still in the
team, checked now: a removed member keeps nothing of the team's, even what they made."""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from .models import Membership, role_can_manage


class Visibility(models.TextChoices):
    PRIVATE = "private", "Private — only the author"
    TEAM = "team", "Team — every member can view and run"
    LINK = "link", "Link — anyone with the link can view"


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
        """Private is the author's alone; anything shared (team, link) every member sees."""
        return self.is_author or (visibility != Visibility.PRIVATE and self.is_member)

    def reads(self, visibility: str) -> bool:
        """What they may read: what they see, and anything shared by link (its address is
        the key, checked by whoever serves it)."""
        return self.sees(visibility) or visibility == Visibility.LINK

    def manages(self, visibility: str) -> bool:
        """Who changes who sees it (and deletes it): its author, and the team's owners/admins
        once it is shared (they never see, so never touch, a member's private work)."""
        return self.is_author or (visibility != Visibility.PRIVATE and self.is_manager)


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


def seen_by_member(user, *, author: str = "created_by") -> Q:
    """TeamStanding.sees as a filter, for lists: in the teams the user is in now, their own
    and the non-private. For any model with `team`, `visibility` and an author field."""
    mine_or_shared = Q(**{author: user}) | ~Q(visibility=Visibility.PRIVATE)
    return mine_or_shared & Q(team__memberships__user=user)
