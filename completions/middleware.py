import time

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
