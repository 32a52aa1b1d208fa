"""Account pages: sign-up, profile, API tokens. Team pages live in team_views.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import ProfileForm, SignupForm, TokenForm


def signup(request):
    if not settings.SIGNUP_OPEN:
        return render(request, "registration/signup_closed.html", status=403)
    if request.user.is_authenticated:
        return redirect("home")
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
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


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
                user=request.user, name=form.cleaned_data["name"], team=team
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
