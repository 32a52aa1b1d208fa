"""Leases on running runs: a run whose process died is found, marked interrupted, and what it
held in budgets is released, without anyone doing it by hand.

A run that holds budget, and every stream, is written as running before its upstream call,
with its holds and a lease: a time after which it counts as abandoned. The process serving
it renews the leases of its runs in flight every third of RUN_LEASE_SECONDS, however long a
call or a stream lasts. A process that is killed stops renewing; once a lease has lapsed,
any process's reaper marks the run interrupted and settles its holds, at the worst case, as
for any run whose usage is unknown. Exactly once, however many processes reap at once: a run
leaves `running` only by a conditional UPDATE, and only whoever made that UPDATE settles its
holds, in the same transaction.

Each served process runs one keeper thread doing both, started by playground/asgi.py. From a
kill to the release: at most RUN_LEASE_SECONDS + RUN_REAP_INTERVAL_SECONDS. Leases are read
on the app servers' clocks, which NTP keeps far closer together than a lease is long.
"""

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from budgets.services import Reservation, Spent, budget_settle

from .models import Run

logger = logging.getLogger(__name__)

INTERRUPTED_MESSAGE = (
    "The process serving this run stopped before it finished (a restart or a crash). "
    "Whether the upstream answered, and what it used, is not known."
)

# The runs this process is serving. Held weakly: a run dropped without being finished (a
# stream response never read, a bug) stops being renewed, and is reaped like a dead process's.
_in_flight: "weakref.WeakSet[Run]" = weakref.WeakSet()
_lock = threading.Lock()
_keeper_pid: int | None = None


def lease_expiry(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(seconds=settings.RUN_LEASE_SECONDS)


def run_running_write(run: Run, reserve: Callable[[], Reservation]) -> Reservation:
    """Take the new run's budget holds with `reserve()` and, if it holds anything or streams,
    write it as running, with its holds and a lease this process renews from now on. The
    holds and the row that lets a reaper release them commit together, or neither does. A
    stream is written at once even holding nothing: its run id is sent first, and it may last
    minutes. A call that holds nothing is written once, when it ends (as cheap as before
    leases): if its process dies mid-call it leaves nothing to release and answered nobody."""
    with transaction.atomic():
        reservation = reserve()
        if reservation.holds:
            _running_write(run, reservation)
    if run.stream and not reservation.holds:  # nothing to keep together: no transaction
        _running_write(run, reservation)
    return reservation


def _running_write(run: Run, reservation: Reservation) -> None:
    run.holds = reservation.as_json()
    run.lease_expires_at = lease_expiry()
    run.save(force_insert=True)
    with _lock:
        _in_flight.add(run)


def run_finished_write(run: Run, reservation: Reservation, spent: Spent) -> None:
    """Write the finished run and settle its holds to what it `spent`, together (a process
    killed between the two would leave holds that nothing releases). If a reaper took the run
    meanwhile (its lease lapsed while this process stalled), the outcome is written all the
    same, but the holds, which the reaper settled, are not settled twice."""
    written = run.lease_expires_at is not None  # as running, before the upstream call
    run.holds, run.lease_expires_at = [], None
    if not written:
        run.save(force_insert=True)  # it held nothing: its one write
        return
    with transaction.atomic() if reservation.holds else nullcontext():
        if _written_if_running(run):
            budget_settle(reservation, spent)
        else:
            run.save(update_fields=_outcome_fields())
    with _lock:
        _in_flight.discard(run)


def _outcome_fields() -> list[str]:
    """What finishing a run writes: all but what it was started with (not the request again,
    which may be megabytes)."""
    started_with = {"id", "user", "team", "provider", "model", "source", "stream", "request"}
    started_with |= {"template_version", "started_at", "preview", "prompt_text"}
    # Who sees it is its author's to change while it runs: finishing never writes it back.
    started_with |= {"visibility", "share_token"}
    return [f.name for f in Run._meta.concrete_fields if f.name not in started_with]


def _written_if_running(run: Run) -> bool:
    """Write the outcome if the run is still running: one conditional UPDATE, so the process
    serving a run and a reaper never both take it out of `running`."""
    fields = {name: getattr(run, name) for name in _outcome_fields()}
    return Run.objects.filter(pk=run.pk, status=Run.Status.RUNNING).update(**fields) == 1


def run_leases_renew(*, now: datetime | None = None) -> int:
    """Extend the leases of the runs this process is serving; how many were renewed."""
    with _lock:
        ids = [run.pk for run in _in_flight]
    if not ids:
        return 0
    running = Run.objects.filter(pk__in=ids, status=Run.Status.RUNNING)
    return running.update(lease_expires_at=lease_expiry(now))


def runs_interrupted_reap(*, now: datetime | None = None) -> int:
    """Mark interrupted every running run whose lease has lapsed, settling its budget holds;
    how many this call took (runs another reaper took first are not counted)."""
    now = now or timezone.now()
    expired = Run.objects.filter(status=Run.Status.RUNNING, lease_expires_at__lt=now)
    reaped = 0
    for run_id, holds in expired.values_list("pk", "holds"):
        with transaction.atomic():
            taken = Run.objects.filter(
                pk=run_id, status=Run.Status.RUNNING, lease_expires_at__lt=now
            ).update(
                status=Run.Status.INTERRUPTED,
                error_kind="interrupted",
                error_message=INTERRUPTED_MESSAGE,
                finished_at=now,
                lease_expires_at=None,
                holds=[],
            )
            if taken:
                budget_settle(Reservation.from_json(holds), Spent(total_tokens=None, cost=None))
        reaped += taken
    if reaped:
        logger.warning("Marked %d abandoned runs interrupted and released their holds.", reaped)
    return reaped


def run_keeper_start() -> None:
    """Start this process's keeper thread, once per process (a forked child starts its own)."""
    global _keeper_pid
    with _lock:
        if _keeper_pid == os.getpid():
            return
        _keeper_pid = os.getpid()
    threading.Thread(target=_keep, name="run-lease-keeper", daemon=True).start()


def _keep() -> None:
    renew_every = settings.RUN_LEASE_SECONDS / 3
    reap_every = settings.RUN_REAP_INTERVAL_SECONDS
    next_renew = next_reap = time.monotonic()
    while True:
        started = time.monotonic()
        try:
            if started >= next_renew:
                next_renew = started + renew_every
                run_leases_renew()
            if started >= next_reap:
                next_reap = started + reap_every
                runs_interrupted_reap()
        except Exception:  # a database outage, say: try again at the next turn
            logger.exception("Renewing or reaping run leases failed.")
        finally:
            connection.close()  # borrowed for this turn only (back to the pool)
        time.sleep(max(0.0, min(next_renew, next_reap) - time.monotonic()))
