"""How a failed run is answered over HTTP: one mapping for /api/ and /v1 alike.

An upstream failure is the upstream's (502, or 504 for a timeout), except where the upstream
told us something about the request itself: it does not know the model (404), it rejected
the request (400) or it is rate limiting (429). A rejected server key is our problem, not the
caller's, so it stays a 502.
"""

from .client import UpstreamError

UPSTREAM_ERROR_STATUS = {
    "bad_request": 400,
    "not_found": 404,
    "rate_limited": 429,
    "timeout": 504,
}


def upstream_error_status(error: UpstreamError) -> int:
    return UPSTREAM_ERROR_STATUS.get(error.kind, 502)


def upstream_error_headers(error: UpstreamError) -> dict[str, str]:
    return {"Retry-After": str(int(error.retry_after))} if error.retry_after else {}
