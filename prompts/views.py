"""Template pages: list, detail (versions, diff, labels, runs, run form), and their actions."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import own_team, teams_with_role
from accounts.services import active_team_get
from budgets.limits import LimitExceeded
from completions.models import Run
from completions.services import RunFailed

from . import policy, selectors, services
from .access import template_for_viewer
from .diff import VersionDiff, version_diff
from .models import Visibility


def _problem(error) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@login_required
def template_list(request):
    scope = request.GET.get("scope", "all")
    query = request.GET.get("q", "").strip()
    templates = selectors.template_list(request.user, q=query, scope=scope)
    context = {"templates": templates, "scope": scope, "query": query}
    return render(request, "prompts/template_list.html", context)


def _diff(template, a: str, b: str) -> VersionDiff | None:
    """The sections that tell two versions apart (prompts/diff.py), or None if not asked."""
    try:
        old = services.template_version_get(template, number=int(a))
        new = services.template_version_get(template, number=int(b))
    except (ValueError, ValidationError):
        return None
    return version_diff(old, new)


def template_detail(request, template_id):
    """Readable by anyone the template is visible to, including anonymous link holders."""
    template, access = template_for_viewer(request.user, template_id)
    versions = list(template.versions.select_related("created_by"))
    try:
        shown = services.template_version_get(template, number=int(request.GET["v"]))
    except (KeyError, ValueError, ValidationError):
        shown = versions[0]
    context = {
        "template": template,
        "access": access,
        "versions": versions,
        "shown": shown,
        "labels": template.labels.select_related("version"),
        "label_moves": selectors.template_label_moves(template)[:20],
        "diff": _diff(template, request.GET.get("a", ""), request.GET.get("b", "")),
        "visibilities": Visibility.choices,
        # Policies name the team's datasets: shown to those who edit the template.
        "policies": template.label_policies.select_related("dataset") if access.can_edit else [],
    }
    if access.can_set_policies:
        context["policy_datasets"] = policy.policy_datasets(template, request.user)
    if request.user.is_authenticated:
        context["runs"] = (
            Run.objects.for_user(request.user)
            .filter(template_version__template=template)
            .select_related("template_version")[:10]
        )
        context["teams"] = teams_with_role(request.user)
        context["active_team"] = active_team_get(request.user)
        context["run_team"] = services.template_run_team(
            user=request.user, auth=None, template=template
        )
    return render(request, "prompts/template_detail.html", context)


def _posted_version(request, template):
    """The version a form names; a ValidationError (shown as a message) if it names none."""
    try:
        number = int(request.POST.get("version", ""))
    except ValueError:
        raise ValidationError("Choose a version.") from None
    return services.template_version_get(template, number=number)


def _back(template, version=None):
    response = redirect("template_detail", template_id=template.pk)
    if version is not None:
        response["Location"] += f"?v={version}"
    return response


@require_POST
@login_required
def template_run(request, template_id):
    template, _ = template_for_viewer(request.user, template_id)
    # An empty field means "use the default" on this form (the API can send "" explicitly).
    values = {
        key.removeprefix("var_"): value
        for key, value in request.POST.items()
        if key.startswith("var_") and value != ""
    }
    try:
        version = _posted_version(request, template)
        run = services.template_run(
            user=request.user,
            team=services.template_run_team(user=request.user, auth=None, template=template),
            template=template,
            version=version,
            values=values,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _problem(error))
        return _back(template, request.POST.get("version"))
    except LimitExceeded as limit:
        messages.error(request, limit.message)
        return _back(template, request.POST.get("version"))
    except RunFailed as failure:
        run = failure.run
        messages.error(request, failure.error.message)
    return redirect("run_detail", run_id=cast(Run, run).pk)  # this form never streams


@require_POST
@login_required
def template_label(request, template_id):
    template, _ = template_for_viewer(request.user, template_id)
    name = request.POST.get("name", "").strip()
    try:
        version = _posted_version(request, template)
        services.template_label_set(
            user=request.user, template=template, name=name, version=version
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _problem(error))
    else:
        messages.success(request, f"“{name}” now points at version {version.number}.")
    return _back(template)


@require_POST
@login_required
def template_fork(request, template_id):
    template, _ = template_for_viewer(request.user, template_id)
    team = own_team(request.user, request.POST.get("team"))
    try:
        if team is None:
            raise ValidationError("Choose one of your teams.")
        version = _posted_version(request, template)
        fork = services.template_fork(
            user=request.user, template=template, version=version, team=team
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _problem(error))
        return _back(template)
    messages.success(request, f"Forked into {team} as “{fork.name}”.")
    return _back(fork)


@require_POST
@login_required
def template_settings(request, template_id):
    template, _ = template_for_viewer(request.user, template_id)
    changes = {
        "name": request.POST.get("name", template.name).strip() or template.name,
        "description": request.POST.get("description", template.description),
    }
    if request.POST.get("visibility") in Visibility.values:
        changes["visibility"] = request.POST["visibility"]
    try:
        services.template_update(user=request.user, template=template, **changes)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _problem(error))
    else:
        messages.success(request, "Template settings saved.")
    return _back(template)


@require_POST
@login_required
def template_delete(request, template_id):
    template, _ = template_for_viewer(request.user, template_id)
    try:
        services.template_delete(user=request.user, template=template)
    except PermissionDenied as error:
        messages.error(request, _problem(error))
        return _back(template)
    messages.success(request, f"Template “{template.name}” deleted.")
    return redirect("template_list")


@require_POST
@login_required
def template_policy(request, template_id):
    """The form gives the pass rate in percent; the service takes 0-1."""
    template, _ = template_for_viewer(request.user, template_id)
    label = request.POST.get("label", "").strip()
    try:
        percent = float(request.POST.get("min_pass_rate", ""))
        policy.label_policy_set(
            user=request.user,
            template=template,
            label=label,
            dataset_id=request.POST.get("dataset_id", ""),
            min_pass_rate=round(percent / 100, 4),
        )
    except ValueError:
        messages.error(request, "Give the pass rate as a number from 0 to 100.")
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _problem(error))
    else:
        messages.success(request, f"“{label}” now needs {percent:g}% on the dataset to move.")
    return _back(template)


@require_POST
@login_required
def template_policy_delete(request, template_id):
    template, _ = template_for_viewer(request.user, template_id)
    label = request.POST.get("label", "")
    try:
        policy.label_policy_delete(user=request.user, template=template, label=label)
    except PermissionDenied as error:
        messages.error(request, _problem(error))
    else:
        messages.success(request, f"“{label}” moves without a policy now.")
    return _back(template)
