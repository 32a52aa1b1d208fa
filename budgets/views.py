"""Team budget forms (shown on the team page): add and remove."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accounts.selectors import team_for_user

from . import services
from .forms import BudgetForm


@require_POST
@login_required
def team_budget_create(request, team_id):
    team = team_for_user(request.user, team_id)
    form = BudgetForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Budget not saved: "
            + " ".join(
                f"{field}: {' '.join(map(str, errors))}" for field, errors in form.errors.items()
            ),
        )
        return redirect("team_detail", team_id=team.pk)
    try:
        services.budget_create(actor=request.user, team=team, **form.cleaned_data)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Budget added.")
    return redirect("team_detail", team_id=team.pk)


@require_POST
@login_required
def team_budget_delete(request, team_id, budget_id):
    team = team_for_user(request.user, team_id)
    budget = get_object_or_404(team.budgets, pk=budget_id)
    try:
        services.budget_delete(actor=request.user, budget=budget)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Budget removed.")
    return redirect("team_detail", team_id=team.pk)
