import time

from django.urls import resolve

from .client import upstream_timer_start


class ServerOverheadMiddleware:
    """Adds `X-Octoplay-Overhead-Ms` (and Server-Timing) to every response: the time this
    server spent on the request outside upstream calls. For a stream it covers everything up
    to the first byte, since the relaying after that is the upstream's pace."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        upstream = upstream_timer_start()
        response = self.get_response(request)
        total = time.perf_counter() - started
        overhead_ms = max(0.0, (total - upstream[0]) * 1000)
        response["X-Octoplay-Overhead-Ms"] = f"{overhead_ms:.2f}"
        response["Server-Timing"] = (
            f"app;dur={overhead_ms:.2f}, upstream;dur={upstream[0] * 1000:.2f}"
        )
        return response


class OpenAIEndpointMiddleware:
    """Serves /v1/ (routed in playground/urls.py like everything else) ahead of the session,
    CSRF, auth, messages, CSP and time zone middleware listed after it: /v1 authenticates with
    API tokens, sets no cookies and answers JSON or SSE, so none of them has anything to do
    there. Measured side by side (bench/compare_trees.py, 2026-12-02), skipping them bought
    16% of /v1's throughput and 13% of its CPU per call. The security headers still apply."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/v1/"):
            return self.get_response(request)
        match = resolve(request.path_info)  # the URLconf's own /v1 routes, catch-all included
        response = match.func(request, *match.args, **match.kwargs)
        if not response.streaming:
            # As CommonMiddleware would: the server then sends the body as it is, not chunked.
            response.headers["Content-Length"] = str(len(response.content))
        return response
