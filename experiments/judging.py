"""Judging cells: the judge evaluators' calls, made by the worker, never in a web request.

A cell whose run answered, in an experiment with a judge, waits with `judging = pending`
(experiments/cells.py queues it when the run finishes; a re-evaluation queues every answered
cell again, without calling the cell's model). Claimed like a cell (experiments/cells.py says
how): pending → running with the cell's lease and judge attempt n+1. Each judge call is a
normal run through completions.services (source `experiment`, charged to the experiment's
team as whoever started it, within budgets and rate limits) with the id
`judge_run_id(cell, n, evaluator)`, so a later attempt of the same round adopts what a dead
worker's call wrote instead of calling again; and the verdicts are written only by an UPDATE
naming the attempt, so a stalled worker cannot overwrite a newer one.
"""

import logging
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from accounts.models import Membership
from budgets.limits import LimitExceeded
from completions.models import Run
from completions.services import RunFailed, run_start_blocking
from prompts.models import PromptTemplate

from .cells import Claimed, Queue, experiment_finish_if_done, queue_claim
from .evaluators import all_passed, judge_result
from .judge import judge_body, judge_template_usable, judge_version, verdict_of
from .models import Cell, Experiment, JudgeRun, Judging, judge_run_id

logger = logging.getLogger(__name__)
Result = dict[str, Any]


class _RateLimited(Exception):
    def __init__(self, retry_after: float):
        self.retry_after = retry_after


JUDGE = Queue("judging", "judge_attempts")


def judgings_queue(cells: Any) -> int:
    """Ask for a new round of judging of these cells (those whose run answered)."""
    return cells.filter(run__status=Run.Status.OK).update(
        judging=Judging.PENDING, judge_round_from=F("judge_attempts"), not_before=None
    )


def judgings_claim(*, limit: int, now: datetime | None = None) -> list[Claimed]:
    """Claim up to `limit` cells to judge, oldest experiment first (cells.queue_claim)."""
    now = now or timezone.now()
    waiting = Cell.objects.filter(JUDGE.waiting(now)).values("experiment_id")
    experiments = Experiment.objects.filter(pk__in=waiting).order_by("started_at")
    return queue_claim(JUDGE, experiments.values_list("pk", flat=True), limit=limit, now=now)


def cell_judge(cell_id: UUID, attempt: int) -> None:
    """Give every judge evaluator's verdict on a claimed cell. A refusal or a failed call is
    a null verdict with the reason, never a failed worker; a rate limit puts the cell back."""
    cell = Cell.objects.select_related(
        "experiment", "experiment__team", "experiment__started_by", "item_revision", "run"
    ).get(pk=cell_id)
    if cell.judging != Judging.RUNNING or cell.judge_attempts != attempt:
        return  # another worker holds it now
    results = list(cell.results)
    tries = attempt - cell.judge_round_from  # this round's attempts, this one included
    gave_up = tries > settings.EXPERIMENT_MAX_ATTEMPTS
    for index, spec in enumerate(cell.experiment.evaluators):
        if spec["kind"] != "judge":
            continue
        if gave_up:
            verdict = judge_result(spec, detail=f"Gave up after {tries - 1} attempts.")
        else:
            try:
                verdict = _judge_one(cell, attempt, index, spec)
            except _RateLimited as limited:
                later = timezone.now() + timedelta(seconds=limited.retry_after)
                _mine(cell, attempt).update(
                    judging=Judging.PENDING, not_before=later, lease_expires_at=None
                )
                return
        if any(r["name"] == spec["name"] for r in results):
            results = [verdict if r["name"] == spec["name"] else r for r in results]
        else:  # queued before this judge was among the evaluators
            results.append(verdict)
    _write(cell, attempt, results)


def _mine(cell: Cell, attempt: int) -> Any:
    return Cell.objects.filter(pk=cell.pk, judging=Judging.RUNNING, judge_attempts=attempt)


def _write(cell: Cell, attempt: int, results: list[Result]) -> None:
    _mine(cell, attempt).update(
        judging=Judging.NONE,
        results=results,
        passed=all_passed(results),
        lease_expires_at=None,
        not_before=None,
    )
    experiment_finish_if_done(cell.experiment_id)


def _judge_one(cell: Cell, attempt: int, index: int, spec: dict[str, Any]) -> Result:
    earlier = [judge_run_id(cell.pk, n, index) for n in range(cell.judge_round_from + 1, attempt)]
    answered = (Run.Status.OK, Run.Status.ERROR)
    run = Run.objects.filter(pk__in=earlier, status__in=answered).first() if earlier else None
    if run is None:  # no dead worker's call finished: call now
        run_or_why = _call(cell, attempt, index, spec)
        if isinstance(run_or_why, str):
            return judge_result(spec, detail=run_or_why)
        run = run_or_why
    link = {"cell": cell, "evaluator": spec["name"][:120]}
    JudgeRun.objects.get_or_create(run=run, defaults=link)
    score, reason = verdict_of(run)
    return judge_result(spec, detail=reason, score=score, run_id=run.pk)


def _call(cell: Cell, attempt: int, index: int, spec: dict[str, Any]) -> "Run | str":
    """The judge's run, or why there is none."""
    experiment, answer = cell.experiment, cell.run
    user = experiment.started_by
    if user is None or not Membership.objects.filter(team=experiment.team, user=user).exists():
        return "Whoever started the experiment left the team."
    if answer is None:
        return "The cell has no answer to judge."
    template = PromptTemplate.objects.filter(pk=spec["template"]).first()
    if template is None or not judge_template_usable(user, experiment.team, template):
        return "The judge's template is gone, or no longer one the team may use."
    try:
        version = judge_version(spec)
        body = judge_body(spec, version, run=answer, expected=cell.item_revision.expected)
        run = run_start_blocking(
            user=user,
            team=experiment.team,
            body=body,
            source=Run.Source.JUDGE,
            template_version=version,
            run_id=judge_run_id(cell.pk, attempt, index),
        )
    except RunFailed as failed:
        run = failed.run
    except ValidationError as invalid:
        return "The judge's request was refused: " + " ".join(invalid.messages)
    except LimitExceeded as limited:
        if limited.code == "rate_limited":
            raise _RateLimited(limited.retry_after) from None
        return limited.message
    assert isinstance(run, Run)  # never a stream: judge_body asks for none
    return run


def judging_fail_internal(cell_id: UUID, attempt: int, error: Exception) -> None:
    """A bug of ours while judging: null verdicts naming it, rather than trying for ever."""
    logger.error("Judging experiment cell %s failed", cell_id, exc_info=error)
    cell = Cell.objects.get(pk=cell_id)
    why = f"Internal error: {type(error).__name__}."
    results = [
        dict(r, passed=None, score=None, reason="", detail=why) if r["kind"] == "judge" else r
        for r in cell.results
    ]
    _write(cell, attempt, results)
