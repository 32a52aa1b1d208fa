"""Saving finished runs: at once, or written behind by a background thread in batches.

Runs that no client can ask about right away (the OpenAI-compatible endpoint returns the
upstream's body, with no run id) are handed to a per-process writer thread when the site is
served (`playground/wsgi.py` turns it on). The answer then goes back without waiting for the
database, and under load the writer inserts whatever has queued up in one multi-row INSERT:
the insert took ~1 ms of the request path, and a batch costs far less per row than a save.

The trade: a run is in the database a few milliseconds after its answer, and a process that
is killed outright (not stopped: a normal exit drains the queue) loses the runs still
queued, at most one batch. Budget holds are settled by the writer after the insert, so a
budget stays on the safe side (held) until then. Everywhere else — tests, management
commands, the REST API and the playground — `run_save` writes at once.
"""

import atexit
import logging
import os
import queue
import threading
import time

from django.db import DatabaseError, IntegrityError, connection, transaction

from .budgets import Reservation, budget_settle
from .models import Run

logger = logging.getLogger(__name__)

BATCH_MAX = 500
# Gather runs this long before writing: one INSERT for many rows costs far less Python time
# than one each, and the writer then competes less with request threads for the GIL.
BATCH_SECONDS = 0.05
RETRY_DELAYS = (0.5, 2.0, 5.0)  # then row by row, so one bad row cannot sink its batch


class RunWriter:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pid: int | None = None

    def submit(self, run: Run, reservation: Reservation) -> None:
        self._ensure_thread()
        self._queue.put((run, reservation))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted before this call is written."""
        if self._pid != os.getpid():
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def _ensure_thread(self) -> None:
        # Started lazily in the process that serves: a thread does not survive a fork.
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._queue = queue.SimpleQueue()
                threading.Thread(target=self._loop, name="run-writer", daemon=True).start()
                atexit.register(self.flush)  # a normal exit (gunicorn's too) drains the queue
                self._pid = os.getpid()

    def _loop(self) -> None:
        while True:
            batch, waiting = [], []
            item = self._queue.get()
            deadline = time.monotonic() + BATCH_SECONDS
            while True:
                (waiting if isinstance(item, threading.Event) else batch).append(item)
                if len(batch) >= BATCH_MAX or waiting:
                    break
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
            if batch:
                try:
                    _write(batch)
                except Exception:  # never let the writer die: later runs would pile up unsaved
                    logger.exception("The run writer failed on a batch of %d runs", len(batch))
                finally:
                    connection.close()  # back to the pool between batches
            for event in waiting:
                event.set()


def _write(batch: list[tuple[Run, Reservation]]) -> None:
    for delay in (*RETRY_DELAYS, None):
        try:
            with transaction.atomic():
                Run.objects.bulk_create([run for run, _ in batch])
            break
        except DatabaseError as error:
            # A bad row (its user deleted meanwhile, say) fails at once; a database that is
            # away gets a few tries first.
            if delay is None or isinstance(error, IntegrityError):
                _write_one_by_one(batch)
                return
            logger.warning("Writing %d runs failed; retrying in %g s", len(batch), delay)
            connection.close()
            time.sleep(delay)
    for run, reservation in batch:
        _settle(run, reservation)


def _write_one_by_one(batch: list[tuple[Run, Reservation]]) -> None:
    for run, reservation in batch:
        try:
            run.save(force_insert=True)
        except DatabaseError:
            logger.exception("Run %s (user %s) could not be logged", run.pk, run.user_id)
        _settle(run, reservation)  # the tokens were spent either way: budgets count them


def _settle(run: Run, reservation: Reservation) -> None:
    if not reservation.holds:
        return
    try:
        budget_settle(reservation, run)
    except DatabaseError:
        logger.exception("Budget holds of run %s could not be settled", run.pk)


_writer: RunWriter | None = None


def run_writer_enable() -> RunWriter:
    """Write runs logged after their answer behind, from now on, in this process (the
    served site)."""
    global _writer
    if _writer is None:
        _writer = RunWriter()
    return _writer


def run_writer_disable() -> None:
    global _writer
    if _writer is not None:
        _writer.flush()
    _writer = None


def run_writer_flush(timeout: float = 10.0) -> bool:
    return _writer.flush(timeout) if _writer is not None else True


def run_save(run: Run, reservation: Reservation) -> None:
    """Save a finished run and settle its budget holds: now, or through the writer for runs
    `logged_after_answer`."""
    if run.logged_after_answer and _writer is not None:
        _writer.submit(run, reservation)
        return
    run.save()
    budget_settle(reservation, run)
