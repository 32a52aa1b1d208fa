from django.urls import URLPattern, URLResolver, include, path

from . import views
from .password_reset import PasswordResetView

account_patterns: list[URLPattern | URLResolver] = [
    path("signup/", views.signup, name="signup"),
    path("profile/", views.profile, name="profile"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
]

team_patterns: list[URLPattern | URLResolver] = [
    path("", views.team_list, name="team_list"),
    path("switch/", views.team_switch, name="team_switch"),
    path("join/<str:secret>/", views.invite_accept, name="invite_accept"),
    path("<uuid:team_id>/", views.team_detail, name="team_detail"),
    path("<uuid:team_id>/rename/", views.team_rename, name="team_rename"),
    path("<uuid:team_id>/members/add/", views.member_add, name="member_add"),
    path("<uuid:team_id>/members/<str:username>/role/", views.member_role, name="member_role"),
    path(
        "<uuid:team_id>/members/<str:username>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("<uuid:team_id>/invites/", views.invite_link_create, name="invite_link_create"),
    path(
        "<uuid:team_id>/invites/<uuid:link_id>/revoke/",
        views.invite_link_revoke,
        name="invite_link_revoke",
    ),
]
