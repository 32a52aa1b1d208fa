"""Experiments: one dataset × one or more variants × repetitions, one cell per combination.

An experiment is a draft until started. Starting freezes what it runs: each variant's template
version (a label is resolved then) and the dataset's current item revisions, written as one
pending cell per (item revision, variant, repetition). Revisions never change (datasets.models),
so results keep meaning what was asked and expected then.

A cell is also the work queue's unit (experiments/cells.py): a worker claims it with one
conditional UPDATE (pending → running, with a lease and attempt n+1); a worker that dies stops
renewing the lease and any worker claims the cell again once it lapses. The run of attempt n has
the id `cell_run_id(cell, n)`, so a cell claimed again finds what the dead worker's call wrote.

Judging (an LLM-as-a-judge evaluator, experiments/judge.py) is a second queue on the same rows:
a cell whose run answered is marked `judging = pending` and claimed the same way (pending →
running, judge attempt n+1, the cell's lease), its judge runs named `judge_run_id(cell, n, i)`.
A re-evaluation queues it again without touching the cell's own run.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Experiment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="experiments")
    dataset = models.ForeignKey(
        "datasets.Dataset", on_delete=models.CASCADE, related_name="experiments"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="experiments"
    )
    name = models.CharField(max_length=120)
    repetitions = models.PositiveSmallIntegerField(default=1)
    # [{"kind": "contains", ...}, ...]: experiments/evaluators.py says what each may hold.
    evaluators = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Set at start: who the runs are logged as (charged to `team`), and exactly which item
    # revisions it runs (their ids as strings, in dataset order).
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item_revision_ids = models.JSONField(default=list, blank=True)
    stop_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    """A template version (by number or label, or the latest) with optional overrides."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="variants")
    position = models.PositiveSmallIntegerField()
    template = models.ForeignKey(
        "playground.PromptTemplate", on_delete=models.CASCADE, related_name="+"
    )
    version_number = models.PositiveIntegerField(null=True, blank=True)
    label = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=200, blank=True, help_text="Empty: the template's.")
    params = models.JSONField(default=dict, blank=True, help_text="Template parameters.")
    # The version it runs, resolved at start.
    template_version = models.ForeignKey(
        "playground.TemplateVersion",
        null=True,
        blank=True,
        on_delete=models.CASCADE,  # versions go only with their template, as do variants
        related_name="+",
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "position"], name="unique_variant_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.experiment} variant {self.position}"

    def describe(self) -> str:
        what = self.label or (f"v{self.version_number}" if self.version_number else "latest")
        if self.template_version is not None:
            what += f" (v{self.template_version.number})"
        return f"{self.template.name} {what}" + (f" · {self.model}" if self.model else "")


class Judging(models.TextChoices):
    NONE = "", "Nothing to judge"
    PENDING = "pending", "Waiting for the judge"
    RUNNING = "running", "Being judged"


class Cell(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="cells")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="cells")
    # Revisions go only with their dataset, which takes its experiments with it.
    item_revision = models.ForeignKey(
        "datasets.ItemRevision", on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveIntegerField(help_text="The item's place in the experiment.")
    repetition = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text="Rate limited until.")
    run = models.ForeignKey(
        "completions.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(blank=True)
    # [{"name", "kind", "passed": true/false/null, "detail"}, ...] (experiments/evaluators.py)
    results = models.JSONField(default=list, blank=True)
    passed = models.BooleanField(null=True, blank=True, help_text="Every evaluator passed.")
    finished_at = models.DateTimeField(null=True, blank=True)
    # The judge queue (experiments/judging.py); lease_expires_at and not_before serve it too,
    # as a cell is never running its model and being judged at once.
    judging = models.CharField(max_length=10, choices=Judging.choices, blank=True, default="")
    judge_attempts = models.PositiveIntegerField(default=0)
    judge_round_from = models.PositiveIntegerField(
        default=0, help_text="judge_attempts when this round of judging was asked for."
    )

    class Meta:
        ordering = ["position", "variant__position", "repetition"]
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "item_revision", "repetition"], name="unique_cell"
            )
        ]
        indexes = [
            models.Index(fields=["experiment", "status"], name="cell_experiment_status"),
            models.Index(fields=["experiment", "position"], name="cell_experiment_position"),
            models.Index(
                fields=["judging"],
                condition=models.Q(judging__in=["pending", "running"]),
                name="cell_judging_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.experiment} cell {self.position}/{self.variant_id}/{self.repetition}"


def cell_run_id(cell_id: uuid.UUID, attempt: int) -> uuid.UUID:
    """The run id of a cell's attempt: known before the call, so a worker that claims a cell a
    dead worker held finds that worker's finished run instead of calling again."""
    return uuid.uuid5(cell_id, str(attempt))


def judge_run_id(cell_id: uuid.UUID, attempt: int, evaluator: int) -> uuid.UUID:
    """The run id of judge evaluator `evaluator` (its index) in a cell's judge attempt."""
    return uuid.uuid5(cell_id, f"judge {attempt} {evaluator}")


class JudgeRun(models.Model):
    """A judge's call on a cell: ties the run to its cell, hence its experiment (the cell's
    own run is Cell.run), for the usage by experiment."""

    run = models.OneToOneField(
        "completions.Run", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    cell = models.ForeignKey(Cell, on_delete=models.CASCADE, related_name="judge_runs")
    evaluator = models.CharField(max_length=120)

    def __str__(self) -> str:
        return f"{self.cell} judge {self.evaluator}"


class DatasetEvaluators(models.Model):
    """A dataset's default evaluators, copied into each new experiment that names none."""

    dataset = models.OneToOneField(
        "datasets.Dataset", on_delete=models.CASCADE, related_name="default_evaluators"
    )
    evaluators = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.dataset} evaluators"


class CellReview(models.Model):
    """A person's verdict on one cell's answer: a score from 1 to 5 and a comment. One per
    cell (the last reviewer's stands), with who gave it and when."""

    cell = models.OneToOneField(Cell, on_delete=models.CASCADE, related_name="review")
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 (bad) to 5.")
    comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.cell} review"
