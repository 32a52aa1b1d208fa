"""Experiment pages: a dataset's experiments with the form for a new one, an experiment's page
(estimate and start, then live progress, the grid and reviewing from static/js/experiment.js),
and two experiments compared, with the winner's version promoted to a label in one click."""

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from datasets.access import dataset_for_viewer
from prompts.selectors import template_list

from . import selectors, services
from .access import experiment_for_viewer
from .compare import experiments_compare
from .estimate import experiment_estimate
from .models import Experiment

VARIANT_ROWS = 3  # variants the form offers; the API takes up to services.MAX_VARIANTS


def _problems(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _variants_posted(post) -> list[dict]:
    variants = []
    for n in range(1, VARIANT_ROWS + 1):
        if post.get(f"template_{n}"):
            variants.append(
                {
                    "template_id": post[f"template_{n}"],
                    "label": post.get(f"label_{n}", "").strip(),
                    "model": post.get(f"model_{n}", "").strip(),
                }
            )
    return variants


@login_required
def dataset_experiments(request, dataset_id):
    dataset, access = dataset_for_viewer(request.user, dataset_id)
    context = {
        "dataset": dataset,
        "access": access,
        "experiments": selectors.experiment_list(request.user, dataset_id=dataset.pk),
        "templates": template_list(request.user),
        "variant_rows": range(1, VARIANT_ROWS + 1),
    }
    return render(request, "experiments/dataset_experiments.html", context)


@require_POST
@login_required
def experiment_new(request, dataset_id):
    dataset, _ = dataset_for_viewer(request.user, dataset_id)
    try:
        evaluators = json.loads(request.POST.get("evaluators") or "null")
        experiment = services.experiment_create(
            user=request.user,
            dataset=dataset,
            name=request.POST.get("name", ""),
            variants=_variants_posted(request.POST),
            repetitions=int(request.POST.get("repetitions") or 1),
            evaluators=evaluators,
        )
    except (ValidationError, ValueError) as error:
        messages.error(request, _problems(error))
        return redirect("dataset_experiments", dataset_id=dataset.pk)
    return redirect("experiment_detail", experiment_id=experiment.pk)


@login_required
def experiment_detail(request, experiment_id):
    experiment, access = experiment_for_viewer(request.user, experiment_id)
    estimate, problem = None, ""
    if experiment.status == Experiment.Status.DRAFT:
        try:
            estimate = experiment_estimate(experiment)
        except ValidationError as error:
            problem = _problems(error)
    context = {
        "experiment": experiment,
        "access": access,
        "variants": experiment.variants.select_related("template", "template_version"),
        "estimate": estimate,
        "problem": problem,
    }
    return render(request, "experiments/experiment_detail.html", context)


@require_POST
@login_required
def experiment_start(request, experiment_id):
    experiment, _ = experiment_for_viewer(request.user, experiment_id)
    try:
        if request.POST.get("confirm") != "yes":
            raise ValidationError("Tick the box to confirm the estimate first.")
        services.experiment_start(user=request.user, experiment=experiment)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _problems(error))
    return redirect("experiment_detail", experiment_id=experiment.pk)


def _variant_chosen(value: str) -> int:
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _compared(user, query) -> tuple[dict, str]:
    """The comparison (empty until both are chosen) and a problem to show instead, if any."""
    if not (query.get("baseline") and query.get("candidate")):
        return {}, ""
    try:
        baseline, _ = experiment_for_viewer(user, query["baseline"])
        candidate, _ = experiment_for_viewer(user, query["candidate"])
        comparison = experiments_compare(
            baseline,
            candidate,
            baseline_variant=_variant_chosen(query.get("baseline_variant", "")),
            candidate_variant=_variant_chosen(query.get("candidate_variant", "")),
        )
    except Http404:
        return {}, "Choose two experiments that you may read."
    except ValidationError as error:
        return {}, _problems(error)
    return comparison, ""


@login_required
def experiments_compare_page(request):
    comparison, problem = _compared(request.user, request.GET)
    try:
        dataset_id = experiment_for_viewer(request.user, request.GET.get("baseline"))[0].dataset_id
    except (Http404, ValidationError):
        dataset_id = None
    context = {
        "comparison": comparison,
        "problem": problem,
        "choices": selectors.experiment_list(request.user, dataset_id=dataset_id),
        "chosen": {key: request.GET.get(key, "") for key in ("baseline", "candidate")},
        "variants": {
            key: _variant_chosen(request.GET.get(key, ""))
            for key in ("baseline_variant", "candidate_variant")
        },
        "rows": [
            {**row, "variables": json.dumps(row["variables"], ensure_ascii=False)}
            for row in comparison.get("items", [])
        ],
    }
    return render(request, "experiments/compare.html", context)


@require_POST
@login_required
def variant_promote(request, experiment_id, position):
    experiment, _ = experiment_for_viewer(request.user, experiment_id)
    variant = get_object_or_404(
        experiment.variants.select_related("template", "template_version"), position=position
    )
    label = request.POST.get("label", "").strip()
    try:
        services.variant_promote(user=request.user, variant=variant, label=label)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _problems(error))
    else:
        number = variant.template_version.number if variant.template_version else "?"
        messages.success(request, f"“{label}” of {variant.template.name} now points at v{number}.")
    sides = ("baseline", "candidate", "baseline_variant", "candidate_variant")
    back = {side: request.POST.get(side, "") for side in sides}
    return redirect(f"{reverse('experiments_compare')}?{urlencode(back)}")
