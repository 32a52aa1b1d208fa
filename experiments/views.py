"""Experiment pages: a dataset's experiments with the form for a new one, and an experiment's
page (estimate and start, then live progress and the grid from static/js/experiment.js)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from datasets.access import dataset_for_viewer
from prompts.selectors import template_list

from . import selectors, services
from .access import experiment_for_viewer
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
