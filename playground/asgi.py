"""The application every served process runs: gunicorn's master with uvicorn workers
(playground/gunicorn.conf.py), for `make run` and production alike.

Over ASGI an upstream call in flight is a suspended coroutine on the worker's event loop
(completions/io_loop.py), not a thread waiting on a socket."""

import asyncio
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
django_application = get_asgi_application()

from accounts.token_cache import token_cache_enable  # noqa: E402 - needs the apps loaded
from completions.async_endpoints import AsyncEndpointsApplication  # noqa: E402
from completions.database_steps import steps_pool_close  # noqa: E402
from completions.io_loop import io_loop_bind, session_close  # noqa: E402
from completions.leases import run_keeper_start  # noqa: E402
from completions.middleware import is_async_endpoint  # noqa: E402

# The endpoints that wait on upstreams have an application of their own: async throughout,
# no thread per call (its docstring).
async_endpoints = AsyncEndpointsApplication()


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "http" and is_async_endpoint(scope["path"]):
        await async_endpoints(scope, receive, send)
    else:
        await django_application(scope, receive, send)


async def _lifespan(receive, send) -> None:
    """What a served process starts with, and stops with once its requests are done."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            _serving_start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await session_close()  # the pooled upstream connections
            await asyncio.to_thread(steps_pool_close)  # the database connections /v1 keeps
            await send({"type": "lifespan.shutdown.complete"})
            return


def _serving_start() -> None:
    # Upstream calls run on this server's own loop.
    io_loop_bind(asyncio.get_running_loop())
    # Every process that serves requests renews the leases of the runs it serves and reaps
    # runs whose process died, in one daemon thread. Not gunicorn's master: only the process
    # serving a run can renew its lease, and a killed worker's runs are reaped by its
    # siblings or by the worker the master starts in its place.
    run_keeper_start()
    # Checked API tokens are kept in memory while PostgreSQL says they are unchanged
    # (accounts/token_cache.py): measured, it saves ~20% of the CPU of each /v1 call.
    token_cache_enable()
