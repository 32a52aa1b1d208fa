"""Dataset pages: the list per team, and a dataset with its items (edited in place by
static/js/datasets.js through the API), import, export links and settings."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import own_team, teams_with_role

from . import selectors, services
from .access import dataset_for_viewer
from .imports import FORMATS, file_read, format_choose
from .models import Visibility

PAGE_SIZE = 50


def _problems(error) -> list[str]:
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error)]


@login_required
def dataset_list(request):
    datasets = list(selectors.dataset_list(request.user))
    teams = [
        (team, [dataset for dataset in datasets if dataset.team_id == team.pk])
        for team in teams_with_role(request.user)
    ]
    context = {"teams": teams, "any_datasets": bool(datasets), "visibilities": Visibility.choices}
    return render(request, "datasets/dataset_list.html", context)


@require_POST
@login_required
def dataset_new(request):
    team = own_team(request.user, request.POST.get("team"))
    try:
        if team is None:
            raise ValidationError("Choose one of your teams.")
        dataset = services.dataset_create(
            user=request.user,
            team=team,
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            visibility=request.POST.get("visibility") or Visibility.TEAM,
        )
    except ValidationError as error:
        messages.error(request, " ".join(_problems(error)))
        return redirect("dataset_list")
    return redirect("dataset_detail", dataset_id=dataset.pk)


def _shown(value) -> str:
    """A value as the editor shows it: text as it is, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))  # as JSON.stringify


def _row(item) -> dict:
    revision = item.current
    return {
        "item": item,
        "content": json.dumps(revision.content()),  # for the editor, in an escaped attribute
        "variables": [(name, _shown(value)) for name, value in revision.variables.items()],
        "expected": None if revision.expected is None else _shown(revision.expected),
    }


def _detail(request, dataset, access, *, import_errors=(), status=200):
    items = Paginator(selectors.items_current(dataset), PAGE_SIZE)
    asked = request.GET.get("page")
    page = items.get_page(items.num_pages if asked == "last" else asked)
    context = {
        "dataset": dataset,
        "access": access,
        "page": page,
        "rows": [_row(item) for item in page],
        "formats": FORMATS,
        "visibilities": Visibility.choices,
        "import_errors": import_errors,
    }
    return render(request, "datasets/dataset_detail.html", context, status=status)


@login_required
def dataset_detail(request, dataset_id):
    return _detail(request, *dataset_for_viewer(request.user, dataset_id))


@require_POST
@login_required
def dataset_import(request, dataset_id):
    dataset, access = dataset_for_viewer(request.user, dataset_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError("Choose a CSV or JSON Lines file.")
        file_format = format_choose(request.POST.get("format", ""), upload.name or "")
        added = services.items_import(
            user=request.user, dataset=dataset, data=file_read(upload), file_format=file_format
        )
    except (ValidationError, PermissionDenied) as error:
        return _detail(request, dataset, access, import_errors=_problems(error), status=400)
    messages.success(request, f"Imported {len(added)} items: nothing else changed.")
    return redirect("dataset_detail", dataset_id=dataset.pk)


@require_POST
@login_required
def dataset_settings(request, dataset_id):
    dataset, access = dataset_for_viewer(request.user, dataset_id)
    changes = {
        "name": request.POST.get("name", dataset.name),
        "description": request.POST.get("description", dataset.description),
    }
    if access.can_manage and request.POST.get("visibility") in Visibility.values:
        changes["visibility"] = request.POST["visibility"]
    try:
        services.dataset_update(user=request.user, dataset=dataset, **changes)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(_problems(error)))
    else:
        messages.success(request, "Dataset settings saved.")
    return redirect("dataset_detail", dataset_id=dataset.pk)


@require_POST
@login_required
def dataset_delete(request, dataset_id):
    dataset, _ = dataset_for_viewer(request.user, dataset_id)
    try:
        services.dataset_delete(user=request.user, dataset=dataset)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, " ".join(_problems(error)))
        return redirect("dataset_detail", dataset_id=dataset.pk)
    messages.success(request, f"Dataset “{dataset.name}” deleted.")
    return redirect("dataset_list")
