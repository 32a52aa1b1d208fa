"""Experiments: create, start (freezing versions and item revisions as cells), cancel, and
re-evaluate without calling the model again; a person's review of a cell; promoting a
variant's version to a template label. Checks use experiments.access; these functions raise
PermissionDenied or ValidationError. Cells are run by experiments/cells.py."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from datasets.access import dataset_access
from datasets.models import Dataset
from datasets.selectors import items_current
from prompts.access import template_access
from prompts.models import PromptTemplate, TemplateLabel
from prompts.services import TEMPLATE_PARAMS, template_label_set, template_version_get

from .access import experiment_access
from .evaluators import all_passed, cell_evaluate, evaluators_clean, has_judge
from .judge import judges_check, judges_freeze
from .judging import judgings_queue
from .models import Cell, CellReview, DatasetEvaluators, Experiment, Judging, Variant

MAX_VARIANTS = 10


def _evaluators_clean(user: User, team: Any, specs: Any) -> list[dict[str, Any]]:
    """Evaluators as stored: each checked, judges' templates against what the user and the
    team may use."""
    cleaned = evaluators_clean(specs)
    judges_check(user=user, team=team, specs=cleaned)
    return cleaned


def _variant_clean(user: User, index: int, spec: dict[str, Any]) -> Variant:
    where = f"variants.{index}"
    template_id = spec.get("template_id")
    template = PromptTemplate.objects.filter(pk=template_id).first() if template_id else None
    if template is None or not template_access(user, template).can_run:
        raise ValidationError({f"{where}.template_id": ["No such template that you may run."]})
    number, label = spec.get("version"), spec.get("label") or ""
    if number is not None and label:
        raise ValidationError({f"{where}.label": ["Give a version or a label, not both."]})
    try:
        template_version_get(template, number=number, label=label or None)
    except ValidationError as error:
        raise ValidationError(
            {f"{where}.{field}": messages for field, messages in error.message_dict.items()}
        ) from None
    params = spec.get("params") or {}
    unknown = sorted(set(params) - TEMPLATE_PARAMS)
    if unknown:
        raise ValidationError({f"{where}.params": [f"Not template parameters: {unknown}."]})
    return Variant(
        position=index + 1,
        template=template,
        version_number=number,
        label=label,
        model=spec.get("model") or "",
        params=params,
    )


def experiment_create(
    *,
    user: User,
    dataset: Dataset,
    name: str,
    variants: list[dict[str, Any]],
    repetitions: int = 1,
    evaluators: list[dict[str, Any]] | None = None,
) -> Experiment:
    """A draft experiment of `dataset` (its team's), checked but not started."""
    if not dataset_access(user, dataset).can_edit:
        raise ValidationError({"dataset_id": ["No such dataset that you may use."]})
    if not name.strip():
        raise ValidationError({"name": ["Give the experiment a name."]})
    if not 1 <= repetitions <= settings.EXPERIMENT_MAX_REPETITIONS:
        raise ValidationError(
            {"repetitions": [f"From 1 to {settings.EXPERIMENT_MAX_REPETITIONS}."]}
        )
    if not variants or len(variants) > MAX_VARIANTS:
        raise ValidationError({"variants": [f"Give 1 to {MAX_VARIANTS} variants."]})
    cleaned = [_variant_clean(user, i, spec) for i, spec in enumerate(variants)]
    if evaluators is None:
        defaults = DatasetEvaluators.objects.filter(dataset=dataset).first()
        evaluators = defaults.evaluators if defaults else []
    evaluators = _evaluators_clean(user, dataset.team, evaluators)
    with transaction.atomic():
        experiment = Experiment.objects.create(
            team=dataset.team,
            dataset=dataset,
            created_by=user,
            name=name.strip(),
            repetitions=repetitions,
            evaluators=evaluators,
        )
        for variant in cleaned:
            variant.experiment = experiment
        Variant.objects.bulk_create(cleaned)
    return experiment


def _manage_require(user: User, experiment: Experiment) -> None:
    if not experiment_access(user, experiment).can_manage:
        raise PermissionDenied("Only its creator and the team's owners/admins can do this.")


def experiment_start(*, user: User, experiment: Experiment) -> Experiment:
    """Resolve each variant's version, freeze the dataset's current item revisions as pending
    cells, and mark it running (a worker takes it from there). Callers confirm first (the
    estimate): the API refuses a start without `confirm: true`."""
    _manage_require(user, experiment)
    variants = list(experiment.variants.select_related("template"))
    for variant in variants:
        variant.template_version = template_version_get(
            variant.template, number=variant.version_number, label=variant.label or None
        )
    revisions = [item.current for item in items_current(experiment.dataset)]
    if not revisions:
        raise ValidationError({"dataset_id": ["The dataset has no items to run."]})
    cells = [
        Cell(
            experiment=experiment,
            variant=variant,
            item_revision=revision,
            position=position,
            repetition=repetition,
        )
        for position, revision in enumerate(revisions, start=1)
        for variant in variants
        for repetition in range(1, experiment.repetitions + 1)
    ]
    evaluators = judges_freeze(experiment.evaluators)
    now = timezone.now()
    with transaction.atomic():
        # One start, however many clicks: only a draft becomes running.
        started = Experiment.objects.filter(pk=experiment.pk, status=Experiment.Status.DRAFT)
        if not started.update(status=Experiment.Status.RUNNING, started_at=now, started_by=user):
            raise ValidationError({"status": ["This experiment has already been started."]})
        Variant.objects.bulk_update(variants, ["template_version"])
        Cell.objects.bulk_create(cells, batch_size=500)
        experiment.item_revision_ids = [str(revision.pk) for revision in revisions]
        experiment.evaluators = evaluators
        experiment.save(update_fields=["item_revision_ids", "evaluators"])
    experiment.refresh_from_db()
    return experiment


def experiment_cancel(*, user: User, experiment: Experiment) -> Experiment:
    """Stop at once: no new cell starts (pending ones are cancelled); cells already calling
    the model finish and keep their runs."""
    _manage_require(user, experiment)
    live = (Experiment.Status.DRAFT, Experiment.Status.RUNNING)
    with transaction.atomic():
        Experiment.objects.filter(pk=experiment.pk, status__in=live).update(
            status=Experiment.Status.CANCELLED, finished_at=timezone.now()
        )
        experiment.cells.filter(status=Cell.Status.PENDING).update(
            status=Cell.Status.CANCELLED, finished_at=timezone.now()
        )
        # Nor does a judge: answered cells waiting for one keep "not judged yet".
        experiment.cells.filter(judging=Judging.PENDING).update(judging=Judging.NONE)
    experiment.refresh_from_db()
    return experiment


def experiment_reevaluate(
    *, user: User, experiment: Experiment, evaluators: list[dict[str, Any]] | None = None
) -> Experiment:
    """Run the evaluators again (new ones if given) over the runs the cells already have,
    never calling the cells' model again. Judges are called again, by the worker: each
    answered cell is queued for a new round of judging (experiments/judging.py)."""
    _manage_require(user, experiment)
    if evaluators is not None:
        experiment.evaluators = _evaluators_clean(user, experiment.team, evaluators)
    if experiment.status != Experiment.Status.DRAFT:
        experiment.evaluators = judges_freeze(experiment.evaluators)
    experiment.save(update_fields=["evaluators"])
    cells = list(experiment.cells.filter(run__isnull=False).select_related("run", "item_revision"))
    for cell in cells:
        cell.results = cell_evaluate(
            experiment.evaluators, run=cell.run, expected=cell.item_revision.expected
        )
        cell.passed = all_passed(cell.results)
    with transaction.atomic():
        Cell.objects.bulk_update(cells, ["results", "passed"], batch_size=500)
        if has_judge(experiment.evaluators):
            judgings_queue(experiment.cells.filter(run__isnull=False))
    return experiment


def dataset_evaluators_set(
    *, user: User, dataset: Dataset, evaluators: list[dict[str, Any]]
) -> DatasetEvaluators:
    """The evaluators new experiments of this dataset get unless they name their own."""
    if not dataset_access(user, dataset).can_edit:
        raise PermissionDenied("Only those who may edit the dataset can change its evaluators.")
    defaults, _ = DatasetEvaluators.objects.update_or_create(
        dataset=dataset,
        defaults={
            "evaluators": _evaluators_clean(user, dataset.team, evaluators),
            "updated_at": timezone.now(),
        },
    )
    return defaults


REVIEW_SCORES = range(1, 6)
MAX_COMMENT = 4000


def cell_review_set(
    *, user: User, cell: Cell, score: int | None, comment: str = ""
) -> CellReview | None:
    """Score (1-5) and comment on a finished cell's answer as `user`; both empty clears the
    review (None)."""
    if not experiment_access(user, cell.experiment).can_review:
        raise PermissionDenied("Only members who may edit the dataset can review its answers.")
    if cell.status in (Cell.Status.PENDING, Cell.Status.RUNNING):
        raise ValidationError({"cell": ["This cell has not finished yet."]})
    if score is not None and score not in REVIEW_SCORES:
        raise ValidationError({"score": ["Give a score from 1 to 5, or null."]})
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": [f"At most {MAX_COMMENT} characters."]})
    if score is None and not comment:
        CellReview.objects.filter(cell=cell).delete()
        return None
    review, _ = CellReview.objects.update_or_create(
        cell=cell,
        defaults={
            "score": score,
            "comment": comment,
            "reviewed_by": user,
            "reviewed_at": timezone.now(),
        },
    )
    return review


def variant_promote(*, user: User, variant: Variant, label: str) -> TemplateLabel:
    """Point the template's `label` at the version this variant ran, through the one
    label-move service (its permission check, protected-label policy and history)."""
    if variant.template_version is None:
        raise ValidationError({"variant": ["This variant has not run: start the experiment."]})
    return template_label_set(
        user=user, template=variant.template, name=label, version=variant.template_version
    )
