"""Account pages (log-in, sign-up, profile, API tokens) and team pages (list and create,
members and roles, invite links, switching, joining)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import (
    InviteLinkForm,
    MemberAddForm,
    ProfileForm,
    RoleForm,
    SignupForm,
    TeamForm,
    TokenForm,
)
from .models import InviteLink, Role, owner_is_last


def _safe_next(request) -> str:
    """Where to go after logging in or signing up (`next`), if it is on this site; else ""."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return next_url
    return ""


def _invite_in(next_url: str) -> InviteLink | None:
    """The usable invite link that `next` leads to, so the log-in and sign-up pages can say
    which team is waiting: an invite opened while signed out must not be lost."""
    try:
        match = resolve(urlsplit(next_url).path)
    except Resolver404:
        return None
    if match.url_name != "invite_accept":
        return None
    return services.invite_link_find(match.kwargs["secret"])


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invite"] = _invite_in(context.get("next", ""))
        return context


def signup(request):
    if not settings.SIGNUP_OPEN:
        return render(request, "registration/signup_closed.html", status=403)
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_signup(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if user.is_superuser:
            messages.info(request, "You are the first user, so you are this site's administrator.")
        messages.success(request, f"Welcome to Octoplay, {user.username}!")
        return redirect(next_url or "home")
    context = {"form": form, "next": next_url, "invite": _invite_in(next_url)}
    return render(request, "registration/signup.html", context)


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved.")
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def token_list(request):
    teams = selectors.teams_with_role(request.user)
    form = TokenForm(
        request.POST or None,
        teams=teams,
        initial={"team": services.active_team_get(request.user).pk},
    )
    new_secret = None
    if request.method == "POST" and form.is_valid():
        team = teams.get(pk=form.cleaned_data["team"])
        try:
            token, new_secret = services.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                team=team,
                scopes=form.cleaned_data["scopes"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = TokenForm(teams=teams, initial={"team": team.pk})
    context = {
        "form": form,
        "tokens": selectors.tokens_for_user(request.user),
        "new_secret": new_secret,
    }
    # The secret is rendered in this one response only; never store it in the session.
    return render(request, "accounts/tokens.html", context)


@require_POST
@login_required
def token_revoke(request, token_id):
    token = services.token_revoke(token=selectors.token_for_user(request.user, token_id))
    messages.success(request, f"Token “{token.name}” revoked. Scripts using it now get 401.")
    return redirect("token_list")


# Teams


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You don't have permission to do that."


@login_required
def team_list(request):
    services.personal_team_get(request.user)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error.message_dict.get("name", error.messages))
        else:
            services.active_team_set(user=request.user, team=team)
            messages.success(request, f"Team “{team.name}” created and made your active team.")
            return redirect("team_detail", team_id=team.pk)
    teams = selectors.teams_with_role(request.user)
    return render(request, "accounts/team_list.html", {"teams": teams, "form": form})


@login_required
def team_detail(request, team_id):
    team = selectors.team_for_user(request.user, team_id)
    can_manage = team.viewer_can_manage and not team.is_personal
    members = list(selectors.team_members(team))
    owners = sum(member.role == Role.OWNER for member in members)
    my_role = next(m.role for m in members if m.user_id == request.user.pk)
    context = {
        "team": team,
        "members": members,
        "can_leave": not team.is_personal and not owner_is_last(my_role, owners),
        "can_manage": can_manage,
        "is_owner": team.viewer_is_owner,
        "member_form": MemberAddForm(),
        "link_form": InviteLinkForm(),
        "invite_links": selectors.invite_links_for_team(team) if can_manage else [],
        "rename_form": TeamForm(initial={"name": team.name}),
        "new_invite_url": None,
    }
    return render(request, "accounts/team_detail.html", context)


def _team_action(request, team_id, action) -> HttpResponseRedirect:
    """Run a service call for a team page form; report its outcome as a message."""
    team = selectors.team_for_user(request.user, team_id)
    try:
        success = action(team)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        if success:
            messages.success(request, success)
    return redirect("team_detail", team_id=team.pk)


@require_POST
@login_required
def team_rename(request, team_id):
    form = TeamForm(request.POST)

    def action(team):
        if not form.is_valid():
            raise ValidationError("Give the team a name.")
        services.team_rename(actor=request.user, team=team, name=form.cleaned_data["name"])
        return "Team renamed."

    return _team_action(request, team_id, action)


@require_POST
@login_required
def member_add(request, team_id):
    form = MemberAddForm(request.POST)

    def action(team):
        if not form.is_valid():
            raise ValidationError("Enter a username or email and a role.")
        membership = services.member_add(
            actor=request.user,
            team=team,
            identifier=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
        )
        return f"{membership.user.username} added as {membership.get_role_display().lower()}."

    return _team_action(request, team_id, action)


@require_POST
@login_required
def member_role(request, team_id, username):
    form = RoleForm(request.POST)

    def action(team):
        if not form.is_valid():
            raise ValidationError("Choose a valid role.")
        membership = selectors.membership_for_team(team, username)
        services.member_role_change(
            actor=request.user, membership=membership, role=form.cleaned_data["role"]
        )
        return f"{username} is now {membership.get_role_display().lower()}."

    return _team_action(request, team_id, action)


@require_POST
@login_required
def member_remove(request, team_id, username):
    team = selectors.team_for_user(request.user, team_id)
    membership = selectors.membership_for_team(team, username)
    leaving = membership.user_id == request.user.pk
    try:
        services.member_remove(actor=request.user, membership=membership)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect("team_detail", team_id=team.pk)
    if leaving:
        messages.success(request, f"You left {team.name}.")
        return redirect("team_list")
    messages.success(request, f"{username} removed from {team.name}.")
    return redirect("team_detail", team_id=team.pk)


@require_POST
@login_required
def invite_link_create(request, team_id):
    team = selectors.team_for_user(request.user, team_id)
    form = InviteLinkForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Choose a valid role.")
        link, secret = services.invite_link_create(
            actor=request.user, team=team, role=form.cleaned_data["role"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect("team_detail", team_id=team.pk)
    # Rendered once, in this response: only the hash is stored.
    context = {
        "team": team,
        "link": link,
        "invite_url": request.build_absolute_uri(reverse("invite_accept", args=[secret])),
    }
    return render(request, "accounts/invite_link_created.html", context)


@require_POST
@login_required
def invite_link_revoke(request, team_id, link_id):
    def action(team):
        link = get_object_or_404(selectors.invite_links_for_team(team), pk=link_id)
        services.invite_link_revoke(actor=request.user, link=link)
        return "Invite link revoked."

    return _team_action(request, team_id, action)


@login_required
def invite_accept(request, secret):
    link = services.invite_link_find(secret)
    if link is None:
        return render(request, "accounts/invite_invalid.html", status=404)
    if request.method == "POST":
        team = services.invite_link_accept(user=request.user, secret=secret)
        services.active_team_set(user=request.user, team=team)
        messages.success(request, f"You joined {team.name}.")
        return redirect("team_detail", team_id=team.pk)
    already = services.membership_get(user=request.user, team=link.team) is not None
    return render(request, "accounts/invite_accept.html", {"link": link, "already": already})


@require_POST
@login_required
def team_switch(request):
    team = selectors.team_for_user(request.user, request.POST.get("team"))
    services.active_team_set(user=request.user, team=team)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("home")
    return redirect(next_url)
