"""The experiment worker: claims cells and runs them on a pool of threads, each cell a normal
run through completions.services.run_start_blocking (database steps in its thread, the upstream
call on the process's I/O loop), renewing the leases of the cells it holds from a keeper thread.
When no cell is waiting for its model, it claims cells waiting for a judge (experiments/judging.py).

Run as many as needed, on any machines that reach the database: `python manage.py
experiment_worker`. Each runs at most EXPERIMENT_WORKER_CONCURRENCY cells at once, and all of
them together at most EXPERIMENT_CONCURRENCY cells of one experiment (experiments/cells.py).
"""

import logging
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from uuid import UUID

from django.conf import settings
from django.db import connection

from completions.leases import run_keeper_start

from .cells import (
    cell_execute,
    cell_fail_internal,
    cell_leases_renew,
    cells_abandoned_settle,
    cells_claim,
)
from .judging import cell_judge, judging_fail_internal, judgings_claim

logger = logging.getLogger(__name__)
# What a claim is for: (kind, cell id, attempt), kind "cell" (its model) or "judge".
Job = tuple[str, UUID, int]
WORK = {"cell": (cell_execute, cell_fail_internal), "judge": (cell_judge, judging_fail_internal)}


class CellWorker:
    def __init__(self, *, concurrency: int | None = None, poll_seconds: float | None = None):
        self.concurrency = concurrency or settings.EXPERIMENT_WORKER_CONCURRENCY
        self.poll_seconds = poll_seconds or settings.EXPERIMENT_POLL_SECONDS
        self.stop = threading.Event()
        self._held: set[Job] = set()
        self._lock = threading.Lock()

    def run(self, *, until_idle: bool = False) -> None:
        """Work until stopped (or, with until_idle, until no cell is left to claim)."""
        run_keeper_start()  # runs that hold budget are leased too (completions/leases.py)
        keeper = threading.Thread(target=self._keep, name="cell-lease-keeper", daemon=True)
        keeper.start()
        in_flight: dict[Future[None], UUID] = {}
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="cell") as pool:
            while not self.stop.is_set():
                room = self.concurrency - len(in_flight)
                claimed = self._claim(room) if room else []
                for job in claimed:
                    with self._lock:
                        self._held.add(job)
                    in_flight[pool.submit(self._execute, job)] = job[1]
                if claimed and len(in_flight) < self.concurrency:
                    continue
                if in_flight:
                    finished, _ = wait(in_flight, self.poll_seconds, FIRST_COMPLETED)
                    for future in finished:
                        in_flight.pop(future)
                elif until_idle:
                    break
                else:
                    connection.close()  # idle: hold no connection between looks
                    self.stop.wait(self.poll_seconds)
        self.stop.set()

    def _claim(self, room: int) -> list[Job]:
        try:
            jobs = [("cell", *claimed) for claimed in cells_claim(limit=room)]
            if len(jobs) < room:
                jobs += [("judge", *claimed) for claimed in judgings_claim(limit=room - len(jobs))]
            return jobs
        except Exception:  # the database is away: keep the cells in flight, look again later
            logger.exception("Claiming experiment cells failed.")
            connection.close()
            self.stop.wait(self.poll_seconds)
            return []

    def _execute(self, job: Job) -> None:
        kind, cell_id, attempt = job
        work, fail = WORK[kind]
        try:
            work(cell_id, attempt)
        except Exception as error:
            try:
                fail(cell_id, attempt, error)
            except Exception:  # the database itself is down: the lease will lapse
                logger.exception("Could not record the failure of cell %s", cell_id)
        finally:
            with self._lock:
                self._held.discard(job)
            connection.close()  # this thread's connection, back to the pool

    def _keep(self) -> None:
        every = settings.EXPERIMENT_CELL_LEASE_SECONDS / 3
        while not self.stop.wait(every):
            with self._lock:
                held = list({cell_id for _, cell_id, _ in self._held})
            try:
                cell_leases_renew(held)
                cells_abandoned_settle()
            except Exception:  # a database outage: try again next turn
                logger.exception("Renewing or settling cell leases failed.")
            finally:
                connection.close()
