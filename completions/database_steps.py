"""Where the pipeline's database steps run when called from async code.

A call's database work comes in short steps (checks and the running row before the
upstream call, the finished row after it), each a sync function run off the event loop.

- Served /v1 (completions/async_endpoints.py) runs them on a small pool of threads per process
  (DATABASE_STEP_THREADS): no thread is made per request, and a thousand calls in flight
  use at most that many connections at once, not a thousand. `steps_pooled()` turns this
  on for the context it is called in.
- Everywhere else (Django's own handler, the test client, sync callers through
  async_to_sync) they run thread-sensitively, in the request's own thread as Django's ORM
  does: a test's transaction sees them.
"""

import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection, connections

_P = ParamSpec("_P")
_R = TypeVar("_R")

_pooled: ContextVar[bool] = ContextVar("database_steps_pooled", default=False)
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        with _lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(
                    max_workers=settings.DATABASE_STEP_THREADS,
                    thread_name_prefix="database-step",
                )
    return _executor


def steps_pool_close() -> None:
    """At shutdown: each pool thread closes the connection it keeps, then the threads end."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is None:
        return
    threads = settings.DATABASE_STEP_THREADS
    everyone = threading.Barrier(threads)  # so that each thread closes its own, once

    def close() -> None:
        connections.close_all()
        everyone.wait(timeout=10)

    for done in [executor.submit(close) for _ in range(threads)]:
        done.result()
    executor.shutdown()


def steps_pooled() -> None:
    """From here on in this context (a served /v1 request), steps run on the pool."""
    _pooled.set(True)


def database_step(step: Callable[_P, _R]) -> Callable[_P, Awaitable[_R]]:
    """`step` as a coroutine function, run where this context runs its database steps."""
    if not _pooled.get():
        return sync_to_async(step, thread_sensitive=True)

    def in_pool(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        # What Django does around each request: drop a connection that broke or aged out.
        close_old_connections()
        try:
            return step(*args, **kwargs)
        finally:
            if connection.settings_dict["OPTIONS"].get("pool"):
                # Back to PostgreSQL's pool between steps, so that the pages and the rest of
                # the API always find one; without a pool (SQLite) the thread keeps its own.
                connection.close()

    return sync_to_async(in_pool, thread_sensitive=False, executor=_pool())
