"""Running cells: claimed atomically, run as normal runs, finished exactly once.

The cells table is the queue (README "Experiments" says why no task library): a worker claims
cells with a conditional UPDATE (pending, or running with a lapsed lease → running, attempt
n+1, a fresh lease), on PostgreSQL after `select_for_update(skip_locked=True)` so workers skip
each other's rows, on SQLite inside the IMMEDIATE transaction that serialises writers. A cell
leaves `running` only by an UPDATE that names the attempt it claimed, so a worker that stalled
past its lease and lost the cell cannot overwrite the new attempt's outcome; its run, written
under the attempt's own id (models.cell_run_id), is found and adopted by the next attempt
instead of calling again. Correctness never depends on how often a worker is told to look.
The same claim serves the judge queue on the same rows (experiments/judging.py).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Membership
from budgets.limits import LimitExceeded
from completions.models import Run
from completions.services import RunFailed, run_start_blocking
from prompts.services import template_render

from .evaluators import all_passed, cell_evaluate, has_judge
from .models import Cell, Experiment, Judging, cell_run_id

logger = logging.getLogger(__name__)
Claimed = tuple[UUID, int]  # (cell id, attempt)


def cell_lease_expiry(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(seconds=settings.EXPERIMENT_CELL_LEASE_SECONDS)


@dataclass(frozen=True)
class Queue:
    """One of the two queues on the cells table, by the field that says where a cell is in
    it: `status` (waiting for its model: MODEL) or `judging` (waiting for a judge:
    experiments/judging.py); both go pending → running, counting claims in `attempts`."""

    state: str
    attempts: str

    def waiting(self, now: datetime) -> Q:
        """What may be claimed now: pending and ready, or running with a lapsed lease."""
        ready = Q(not_before__isnull=True) | Q(not_before__lte=now)
        lapsed = Q(**{self.state: "running"}, lease_expires_at__lt=now)
        return (Q(**{self.state: "pending"}) & ready) | lapsed

    @property
    def running(self) -> dict[str, str]:
        return {self.state: "running"}


MODEL = Queue("status", "attempts")
# A cell holds a live lease while its model runs or while it is judged.
BUSY = Q(status=Cell.Status.RUNNING) | Q(judging=Judging.RUNNING)


def cells_claim(*, limit: int, now: datetime | None = None) -> list[Claimed]:
    """Claim up to `limit` cells of running experiments, oldest experiment first."""
    now = now or timezone.now()
    running = Experiment.objects.filter(status=Experiment.Status.RUNNING).order_by("started_at")
    return queue_claim(MODEL, running.values_list("pk", flat=True), limit=limit, now=now)


def queue_claim(queue: Queue, experiment_ids: Any, *, limit: int, now: datetime) -> list[Claimed]:
    """Claim up to `limit` of the queue's cells, experiment by experiment, each experiment
    keeping at most EXPERIMENT_CONCURRENCY cells with a live lease."""
    claimed: list[Claimed] = []
    for experiment_id in experiment_ids:
        live = Cell.objects.filter(experiment_id=experiment_id, lease_expires_at__gte=now)
        # A cell's model runs, or it is judged, never both: two counts, each on its index.
        busy = (
            live.filter(status=Cell.Status.RUNNING).count()
            + live.filter(judging=Judging.RUNNING).count()
        )
        room = min(limit - len(claimed), settings.EXPERIMENT_CONCURRENCY - busy)
        if room > 0:
            claimed += _claim_some(queue, experiment_id, room, now)
        if len(claimed) >= limit:
            break
    return claimed


def _claim_some(queue: Queue, experiment_id: UUID, room: int, now: datetime) -> list[Claimed]:
    lease = cell_lease_expiry(now)
    with transaction.atomic():
        candidates = Cell.objects.filter(queue.waiting(now), experiment_id=experiment_id)
        ids = list(
            candidates.select_for_update(skip_locked=True)
            .order_by("position", "variant_id", "repetition")
            .values_list("pk", flat=True)[:room]
        )
        if not ids:
            return []
        Cell.objects.filter(queue.waiting(now), pk__in=ids).update(
            **queue.running, **{queue.attempts: F(queue.attempts) + 1}, lease_expires_at=lease
        )
        mine = Cell.objects.filter(pk__in=ids, lease_expires_at=lease, **queue.running)
        return list(mine.values_list("pk", queue.attempts))


def cell_leases_renew(cell_ids: list[UUID]) -> int:
    """Extend the leases of the cells this process is running or judging."""
    if not cell_ids:
        return 0
    running = Cell.objects.filter(BUSY, pk__in=cell_ids)
    return running.update(lease_expires_at=cell_lease_expiry())


def cells_abandoned_settle(*, now: datetime | None = None) -> int:
    """Cells of a cancelled experiment whose worker died are never claimed again: mark them
    cancelled once their lease has lapsed (the keeper of every worker does this)."""
    lapsed = Cell.objects.filter(
        experiment__status=Experiment.Status.CANCELLED,
        status=Cell.Status.RUNNING,
        lease_expires_at__lt=now or timezone.now(),
    )
    return lapsed.update(status=Cell.Status.CANCELLED, lease_expires_at=None)


def cell_execute(cell_id: UUID, attempt: int) -> None:
    """Run a claimed cell to its end: one normal run through completions.services, charged
    to the experiment's team as whoever started it; a refusal or an error fails the cell with
    the reason (a rate limit puts it back for later), never the worker."""
    cell = Cell.objects.select_related(
        "experiment",
        "experiment__team",
        "experiment__started_by",
        "item_revision",
        "variant__template_version",
    ).get(pk=cell_id)
    if cell.status != Cell.Status.RUNNING or cell.attempts != attempt:
        return  # another worker holds it now
    experiment = cell.experiment
    earlier = [cell_run_id(cell.pk, n) for n in range(1, attempt)]
    answered = (Run.Status.OK, Run.Status.ERROR)
    adopted = Run.objects.filter(pk__in=earlier, status__in=answered).first() if earlier else None
    if adopted is not None:  # a dead worker's call finished: no second call
        _finish(cell, attempt, run=adopted)
        return
    if experiment.status == Experiment.Status.CANCELLED:
        _finish(cell, attempt, status=Cell.Status.CANCELLED)
        return
    if attempt > settings.EXPERIMENT_MAX_ATTEMPTS:
        _finish(cell, attempt, error=f"Gave up after {attempt - 1} attempts.")
        return
    user = experiment.started_by
    if user is None or not Membership.objects.filter(team=experiment.team, user=user).exists():
        _finish(cell, attempt, error="Whoever started the experiment left the team.")
        return
    try:
        run = run_start_blocking(**_run_arguments(cell, attempt))
    except RunFailed as failed:
        run = failed.run
    except ValidationError as invalid:
        _finish(cell, attempt, error=" ".join(invalid.messages))
        return
    except LimitExceeded as limited:
        _refused(cell, attempt, limited)
        return
    assert isinstance(run, Run)  # never a stream: a template parameter cannot ask for one
    _finish(cell, attempt, run=run)


def _run_arguments(cell: Cell, attempt: int) -> dict[str, Any]:
    variant, experiment = cell.variant, cell.experiment
    overrides = {**variant.params, **({"model": variant.model} if variant.model else {})}
    version = variant.template_version
    assert version is not None  # resolved when the experiment started
    body = template_render(
        version=version, values=cell.item_revision.variables, overrides=overrides
    )
    return dict(
        user=experiment.started_by,
        team=experiment.team,
        body=body,
        source=Run.Source.EXPERIMENT,
        template_version=version,
        run_id=cell_run_id(cell.pk, attempt),
    )


def _refused(cell: Cell, attempt: int, limited: LimitExceeded) -> None:
    """A rate limit: the cell waits its turn again. A budget: it fails, and so does every cell
    still pending (the budget will not come back within the experiment)."""
    if limited.code == "rate_limited":
        later = timezone.now() + timedelta(seconds=limited.retry_after)
        Cell.objects.filter(pk=cell.pk, status=Cell.Status.RUNNING, attempts=attempt).update(
            status=Cell.Status.PENDING, not_before=later, lease_expires_at=None
        )
        return
    Cell.objects.filter(experiment_id=cell.experiment_id, status=Cell.Status.PENDING).update(
        status=Cell.Status.FAILED, error=limited.message, finished_at=timezone.now()
    )
    Experiment.objects.filter(pk=cell.experiment_id).update(stop_reason=limited.message)
    _finish(cell, attempt, error=limited.message)


def _finish(
    cell: Cell,
    attempt: int,
    *,
    run: Run | None = None,
    status: str | None = None,
    error: str = "",
) -> None:
    if run is not None and run.status != Run.Status.OK:
        error = error or run.error_message or f"The run ended {run.status}."
    specs = cell.experiment.evaluators
    results = cell_evaluate(specs, run=run, expected=cell.item_revision.expected)
    judge = has_judge(specs) and run is not None and run.status == Run.Status.OK
    Cell.objects.filter(pk=cell.pk, status=Cell.Status.RUNNING, attempts=attempt).update(
        judging=Judging.PENDING if judge else Judging.NONE,  # experiments/judging.py
        judge_round_from=F("judge_attempts"),
        status=status or (Cell.Status.FAILED if error else Cell.Status.DONE),
        run=run,
        error=error[:2000],
        results=results,
        passed=all_passed(results),
        finished_at=timezone.now(),
        lease_expires_at=None,
    )
    experiment_finish_if_done(cell.experiment_id)


def cell_fail_internal(cell_id: UUID, attempt: int, error: Exception) -> None:
    """A bug of ours while running a cell: the cell fails with it rather than being retried
    for ever."""
    logger.error("Experiment cell %s failed", cell_id, exc_info=error)
    cell = Cell.objects.select_related("experiment", "item_revision").get(pk=cell_id)
    _finish(cell, attempt, error=f"Internal error: {type(error).__name__}.")


def experiment_finish_if_done(experiment_id: UUID) -> None:
    """A running experiment with no pending or running cell left, nor one to judge, is done.
    Two queries, each on its index: one query with OR read every cell of the experiment, as
    each cell finished (measured: a fifth of the worker's time on 2,000 cells)."""
    cells = Cell.objects.filter(experiment_id=experiment_id)
    running = (Cell.Status.PENDING, Cell.Status.RUNNING)
    judging = (Judging.PENDING, Judging.RUNNING)
    if not (
        cells.filter(status__in=running).exists() or cells.filter(judging__in=judging).exists()
    ):
        Experiment.objects.filter(pk=experiment_id, status=Experiment.Status.RUNNING).update(
            status=Experiment.Status.DONE, finished_at=timezone.now()
        )


def cells_run_here(*, limit: int | None = None) -> int:
    """Claim and run cells (then judge them) one at a time in this thread until none is left
    (or `limit` ran): for tests inside one transaction, and anything else that wants no
    threads."""
    from .judging import cell_judge, judgings_claim  # judging builds on this module

    ran = 0
    while limit is None or ran < limit:
        if claimed := cells_claim(limit=1):
            cell_execute(*claimed[0])
        elif claimed := judgings_claim(limit=1):
            cell_judge(*claimed[0])
        else:
            break
        ran += 1
    return ran
