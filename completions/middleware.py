import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync, iscoroutinefunction, markcoroutinefunction
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connections
from django.middleware.security import SecurityMiddleware
from django.urls import resolve

from .client import upstream_timer_start


class _SyncAndAsync:
    """Middleware that runs in whichever mode the handler is in: served over ASGI, an async
    view behind it is reached without a trip to a thread."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)  # type: ignore[type-var]  # a callable instance


class ServerOverheadMiddleware(_SyncAndAsync):
    """Adds `X-Octoplay-Overhead-Ms` (and Server-Timing) to every response: the time this
    server spent on the request outside upstream calls. For a stream it covers everything up
    to the first byte, since the relaying after that is the upstream's pace."""

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        started = time.perf_counter()
        upstream = upstream_timer_start()
        return self._timed(self.get_response(request), started, upstream)

    async def _acall(self, request):
        started = time.perf_counter()
        upstream = upstream_timer_start()
        return self._timed(await self.get_response(request), started, upstream)

    def _timed(self, response, started: float, upstream: list[float]):
        total = time.perf_counter() - started
        overhead_ms = max(0.0, (total - upstream[0]) * 1000)
        response["X-Octoplay-Overhead-Ms"] = f"{overhead_ms:.2f}"
        response["Server-Timing"] = (
            f"app;dur={overhead_ms:.2f}, upstream;dur={upstream[0] * 1000:.2f}"
        )
        return response


def is_async_endpoint(path: str) -> bool:
    """The endpoints that wait on upstreams: /v1/ and the playground's POST /api/completions/.
    Served ahead of the rest of the chain (AsyncEndpointsMiddleware), and by their own ASGI
    application when served (completions/async_endpoints.py)."""
    return path.startswith("/v1/") or path == COMPLETIONS_PATH


COMPLETIONS_PATH = "/api/completions/"


def _waited_for(view):
    """An async view for a sync caller: on a loop of its own in this thread, or, where this
    thread already runs a loop (Playwright's sync API keeps one running in the browser tests),
    in a thread of its own, which closes its database connection when done."""

    def in_own_thread(*args, **kwargs):
        try:
            return async_to_sync(view)(*args, **kwargs)
        finally:
            connections.close_all()

    def waited(*args, **kwargs):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return async_to_sync(view)(*args, **kwargs)
        with ThreadPoolExecutor(1, thread_name_prefix="sync-caller") as thread:
            return thread.submit(in_own_thread, *args, **kwargs).result()

    return waited


class AsyncEndpointsMiddleware(_SyncAndAsync):
    """Serves the async endpoints (is_async_endpoint; routed in the URLconf like everything
    else) ahead of the middleware listed after it. /v1 authenticates with API tokens, sets no
    cookies and answers JSON or SSE, so none of that middleware has anything to do there.
    Measured side by side (bench/compare_trees.py, 2026-12-02), skipping it bought 16% of
    /v1's throughput and 13% of its CPU per call. /api/completions/ needs only what DRF's
    session authentication reads: the session and the lazy user, set up here (neither touches
    the database until DRF's check, which runs in the endpoint's database step). Django's
    security headers still apply: SecurityMiddleware's own checks, called here in line (they
    only read and set headers), since its async mode would take two trips to a thread."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self.security = SecurityMiddleware(get_response)
        self.sessions = SessionMiddleware(get_response)
        self.users = AuthenticationMiddleware(get_response)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        if not is_async_endpoint(request.path_info):
            return self.get_response(request)
        match, response = self._match(request)
        if response is None:
            view = match.func
            if iscoroutinefunction(view):  # served by a sync handler (the test client, WSGI)
                view = _waited_for(view)
            response = view(request, *match.args, **match.kwargs)
        return self._finished(request, response)

    async def _acall(self, request):
        if not is_async_endpoint(request.path_info):
            return await self.get_response(request)
        match, response = self._match(request)
        if response is None:
            response = match.func(request, *match.args, **match.kwargs)
            if iscoroutinefunction(match.func):
                response = await response
        return self._finished(request, response)

    def _match(self, request):
        match = resolve(request.path_info)  # the URLconf's own routes, /v1's catch-all included
        if request.path_info == COMPLETIONS_PATH:
            self.sessions.process_request(request)
            self.users.process_request(request)
        # An HTTPS redirect, if configured.
        return match, self.security.process_request(request)

    def _finished(self, request, response):
        if hasattr(request, "session"):
            response = self.sessions.process_response(request, response)
        response = self.security.process_response(request, response)
        if not response.streaming:
            if hasattr(response, "render"):
                response.render()  # a DRF response: JSON, no database
            # As CommonMiddleware would: the server then sends the body as it is, not chunked.
            response.headers["Content-Length"] = str(len(response.content))
        return response
