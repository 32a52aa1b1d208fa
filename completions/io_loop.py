"""Where upstream I/O runs: one event loop per process, and one aiohttp session on it.

Served (uvicorn, playground/asgi.py), that is the server's own loop, named at start-up: an
upstream call in flight is then a suspended coroutine, holding no thread and no database
connection. Anywhere else — the test client, management commands, a worker, sync code
such as a template run — a daemon thread runs a loop of its own, started on first use, so
connections are pooled and kept alive there too.

Code on any loop or thread reaches it through `on_io_loop` (async) or `blocking` (sync);
on the I/O loop itself `on_io_loop` is a plain await, so the served path pays nothing.
"""

import asyncio
import atexit
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import aiohttp

_T = TypeVar("_T")

_loop: asyncio.AbstractEventLoop | None = None
_session: aiohttp.ClientSession | None = None
_lock = threading.Lock()


def io_loop_bind(loop: asyncio.AbstractEventLoop) -> None:
    """Make `loop` (the server's) this process's I/O loop; called once, before any call."""
    global _loop
    with _lock:
        _loop = loop


def _io_loop() -> asyncio.AbstractEventLoop:
    global _loop
    if _loop is None:
        with _lock:
            if _loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="upstream-io", daemon=True).start()
                _loop = loop
                atexit.register(lambda: blocking(session_close()))
    return _loop


async def on_io_loop(call: Coroutine[Any, Any, _T]) -> _T:
    """Await `call` on the I/O loop, from whichever loop this runs on. Cancelling the
    caller cancels `call` too."""
    loop = _io_loop()
    if asyncio.get_running_loop() is loop:
        return await call
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, loop))


def blocking(call: Coroutine[Any, Any, _T]) -> _T:
    """Run `call` on the I/O loop and wait for it, from sync code (never from the loop)."""
    return asyncio.run_coroutine_threadsafe(call, _io_loop()).result()


def session() -> aiohttp.ClientSession:
    """The process's upstream session (call it on the I/O loop). Nothing is kept between
    calls (no cookie jar), no proxy settings are read from the environment, and the pool is
    unbounded: the number of calls in flight is bounded by who may start them (rate limits,
    budgets), not by a pool a call would queue for."""
    global _session
    if _session is None or _session.closed:
        _session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=30),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )
    return _session


async def session_close() -> None:
    """At shutdown, on the I/O loop: close the pooled connections."""
    global _session
    if _session is not None:
        await _session.close()
        _session = None
