import time

from asgiref.sync import async_to_sync, iscoroutinefunction, markcoroutinefunction
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


class OpenAIEndpointMiddleware(_SyncAndAsync):
    """Serves /v1/ (routed in playground/urls.py like everything else) ahead of the session,
    CSRF, auth, messages, CSP and time zone middleware listed after it: /v1 authenticates with
    API tokens, sets no cookies and answers JSON or SSE, so none of them has anything to do
    there. Measured side by side (bench/compare_trees.py, 2026-12-02), skipping them bought
    16% of /v1's throughput and 13% of its CPU per call. Django's security headers still
    apply: SecurityMiddleware's own checks, called here in line (they only read and set
    headers), since its async mode would take two trips to a thread per request."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self.security = SecurityMiddleware(get_response)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        if not request.path_info.startswith("/v1/"):
            return self.get_response(request)
        match = resolve(request.path_info)
        response = self.security.process_request(request)
        if response is None:
            view = match.func
            if iscoroutinefunction(view):  # served by a sync handler (the test client, WSGI)
                view = async_to_sync(view)
            response = view(request, *match.args, **match.kwargs)
        return self._secured(request, response)

    async def _acall(self, request):
        if not request.path_info.startswith("/v1/"):
            return await self.get_response(request)
        match = resolve(request.path_info)  # the URLconf's own /v1 routes, catch-all included
        response = self.security.process_request(request)  # an HTTPS redirect, if configured
        if response is None:
            response = match.func(request, *match.args, **match.kwargs)
            if iscoroutinefunction(match.func):
                response = await response
        return self._secured(request, response)

    def _secured(self, request, response):
        response = self.security.process_response(request, response)
        if not response.streaming:
            # As CommonMiddleware would: the server then sends the body as it is, not chunked.
            response.headers["Content-Length"] = str(len(response.content))
        return response
