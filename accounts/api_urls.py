from django.urls import path

from . import api

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="api_me"),
    path("teams/", api.TeamListApi.as_view(), name="api_teams"),
    path("teams/<uuid:team_id>/", api.TeamDetailApi.as_view(), name="api_team"),
    path("teams/<uuid:team_id>/members/", api.MemberListApi.as_view(), name="api_members"),
    path(
        "teams/<uuid:team_id>/members/<str:username>/",
        api.MemberDetailApi.as_view(),
        name="api_member",
    ),
    path(
        "teams/<uuid:team_id>/invite-links/",
        api.InviteLinkListApi.as_view(),
        name="api_invite_links",
    ),
    path(
        "teams/<uuid:team_id>/invite-links/<uuid:link_id>/",
        api.InviteLinkDetailApi.as_view(),
        name="api_invite_link",
    ),
    path("tokens/", api.TokenListApi.as_view(), name="api_tokens"),
    path("tokens/<uuid:token_id>/", api.TokenDetailApi.as_view(), name="api_token"),
]
