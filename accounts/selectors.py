"""Reads scoped to what a user may see. A 404 is the answer for anything outside that scope.

Decided once for the whole site: what you may not see is a 404 (its existence is not
revealed); what you may see but not change is a 403.
"""

import uuid

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import ApiToken, InviteLink, Membership, Team, User


def teams_with_role(user: User) -> QuerySet[Team]:
    """The user's teams, each annotated with `my_role`, personal workspace first."""
    my_role = Membership.objects.filter(team=OuterRef("pk"), user=user).values("role")[:1]
    return (
        Team.objects.for_user(user)
        .select_related("personal_owner")
        .annotate(my_role=Subquery(my_role))
        .order_by(F("personal_owner").asc(nulls_last=True), "name")
    )


def own_team(user: User, team_id: object) -> Team | None:
    """One of the user's teams (with `my_role`), or None for anything else, malformed ids too."""
    try:
        team_id = uuid.UUID(str(team_id))
    except ValueError:
        return None
    return teams_with_role(user).filter(pk=team_id).first()


def team_for_user(user: User, team_id: object) -> Team:
    team = own_team(user, team_id)
    if team is None:
        raise Http404("No such team.")
    return team


def team_members(team: Team) -> QuerySet[Membership]:
    return team.memberships.select_related("user").order_by("user__username")


def membership_for_team(team: Team, username: str) -> Membership:
    return get_object_or_404(team_members(team), user__username=username)


def invite_links_for_team(team: Team) -> QuerySet[InviteLink]:
    return team.invite_links.all()


def token_for_user(user: User, token_id: uuid.UUID) -> ApiToken:
    return get_object_or_404(ApiToken.objects.for_user(user), pk=token_id)


def tokens_for_user(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_user(user).select_related("team", "team__personal_owner")
