"""REST endpoints for the signed-in user, teams, members, invite links and tokens."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .models import ApiToken, Scope
from .serializers import (
    InviteLinkCreatedSerializer,
    InviteLinkSerializer,
    MemberInviteSerializer,
    MemberSerializer,
    MeSerializer,
    RoleSerializer,
    TeamSerializer,
    TokenCreatedSerializer,
    TokenSerializer,
)


def _own_team_field(user, team_id, field: str):
    """A team named in a request body: a field error, not a 404, when it isn't the user's."""
    team = selectors.own_team(user, team_id)
    if team is None:
        raise ValidationError({field: "Choose one of your own teams."})
    return team


def _me_data(user) -> dict:
    user.active_team = services.active_team_get(user)
    return MeSerializer(user).data


class MeApi(APIView):
    token_scopes = {"GET": Scope.RUN}  # PATCH, like every undeclared method: manage

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(_me_data(request.user))

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        serializer = MeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = request.user
        if "active_team_id" in serializer.validated_data:
            team = _own_team_field(
                user, serializer.validated_data["active_team_id"], "active_team_id"
            )
            services.active_team_set(user=user, team=team)
        if "time_zone" in serializer.validated_data:
            user.time_zone = serializer.validated_data["time_zone"]
            user.save(update_fields=["time_zone"])
        return Response(_me_data(user))


class TeamListApi(APIView):
    token_scopes = {"GET": Scope.RUN}  # which team_id to charge

    @extend_schema(responses=TeamSerializer(many=True))
    def get(self, request):
        services.personal_team_get(request.user)
        teams = selectors.teams_with_role(request.user)
        return Response(TeamSerializer(teams, many=True).data)

    @extend_schema(request=TeamSerializer, responses={201: TeamSerializer})
    def post(self, request):
        serializer = TeamSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = services.team_create(user=request.user, name=serializer.validated_data["name"])
        team = selectors.team_for_user(request.user, team.pk)
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)


class TeamDetailApi(APIView):
    token_scopes = {"GET": Scope.RUN}

    @extend_schema(responses=TeamSerializer)
    def get(self, request, team_id):
        return Response(TeamSerializer(selectors.team_for_user(request.user, team_id)).data)

    @extend_schema(request=TeamSerializer, responses=TeamSerializer)
    def patch(self, request, team_id):
        team = selectors.team_for_user(request.user, team_id)
        serializer = TeamSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "name" in serializer.validated_data:
            name = serializer.validated_data["name"]
            services.team_rename(actor=request.user, team=team, name=name)
        return Response(TeamSerializer(selectors.team_for_user(request.user, team_id)).data)


class MemberListApi(APIView):
    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request, team_id):
        team = selectors.team_for_user(request.user, team_id)
        return Response(MemberSerializer(selectors.team_members(team), many=True).data)

    @extend_schema(
        request=MemberInviteSerializer,
        responses={201: MemberSerializer},
        description="Add an existing user to the team by username or email.",
    )
    def post(self, request, team_id):
        team = selectors.team_for_user(request.user, team_id)
        serializer = MemberInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.member_add(
            actor=request.user,
            team=team,
            identifier=serializer.validated_data["user"],
            role=serializer.validated_data["role"],
        )
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailApi(APIView):
    @extend_schema(request=RoleSerializer, responses=MemberSerializer)
    def patch(self, request, team_id, username):
        team = selectors.team_for_user(request.user, team_id)
        membership = selectors.membership_for_team(team, username)
        serializer = RoleSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "role" in serializer.validated_data:
            role = serializer.validated_data["role"]
            services.member_role_change(actor=request.user, membership=membership, role=role)
        return Response(MemberSerializer(membership).data)

    @extend_schema(
        responses={204: None}, description="Remove a member; removing yourself leaves the team."
    )
    def delete(self, request, team_id, username):
        team = selectors.team_for_user(request.user, team_id)
        membership = selectors.membership_for_team(team, username)
        services.member_remove(actor=request.user, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _managed_team(request, team_id):
    team = selectors.team_for_user(request.user, team_id)
    if getattr(team, "my_role", None) not in ("owner", "admin"):  # set by team_for_user
        raise PermissionDenied("Only team owners and admins can manage invite links.")
    return team


class InviteLinkListApi(APIView):
    @extend_schema(responses=InviteLinkSerializer(many=True))
    def get(self, request, team_id):
        team = _managed_team(request, team_id)
        links = selectors.invite_links_for_team(team)
        return Response(InviteLinkSerializer(links, many=True).data)

    @extend_schema(request=InviteLinkSerializer, responses={201: InviteLinkCreatedSerializer})
    def post(self, request, team_id):
        team = _managed_team(request, team_id)
        serializer = InviteLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link, secret = services.invite_link_create(
            actor=request.user, team=team, role=serializer.validated_data["role"]
        )
        link.url = request.build_absolute_uri(reverse("invite_accept", args=[secret]))
        return Response(InviteLinkCreatedSerializer(link).data, status=status.HTTP_201_CREATED)


class InviteLinkDetailApi(APIView):
    @extend_schema(responses={204: None}, description="Revoke an invite link.")
    def delete(self, request, team_id, link_id):
        team = _managed_team(request, team_id)
        link = get_object_or_404(selectors.invite_links_for_team(team), pk=link_id)
        services.invite_link_revoke(actor=request.user, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListApi(APIView):
    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request):
        return Response(TokenSerializer(selectors.tokens_for_user(request.user), many=True).data)

    @extend_schema(request=TokenSerializer, responses={201: TokenCreatedSerializer})
    def post(self, request):
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = None
        if "team_id" in serializer.validated_data:
            team = _own_team_field(request.user, serializer.validated_data["team_id"], "team_id")
        token, secret = services.token_create(
            user=request.user,
            name=serializer.validated_data["name"],
            team=team,
            scopes=serializer.validated_data.get("scopes"),
            created_by_token=request.auth if isinstance(request.auth, ApiToken) else None,
        )
        token.token = secret
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenDetailApi(APIView):
    @extend_schema(responses=TokenSerializer)
    def get(self, request, token_id):
        return Response(TokenSerializer(selectors.token_for_user(request.user, token_id)).data)

    @extend_schema(
        responses={200: TokenSerializer},
        description="Revoke the token, and any it made (they stay listed).",
    )
    def delete(self, request, token_id):
        token = services.token_revoke(token=selectors.token_for_user(request.user, token_id))
        return Response(TokenSerializer(token).data)
