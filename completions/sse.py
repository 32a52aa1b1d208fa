"""Server-Sent Events framing for responses we stream to clients."""

import json
from collections.abc import AsyncIterator

from django.http import StreamingHttpResponse
from rest_framework.utils.encoders import JSONEncoder

HEARTBEAT = b": keep-alive\n\n"

SSE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # tell nginx-style proxies not to buffer the stream
}


def sse_event(event: str, data: dict) -> bytes:
    # DRF's encoder, as its JSON responses use: a run's cost is a Decimal, sent as a number.
    text = json.dumps(data, separators=(",", ":"), cls=JSONEncoder)
    return f"event: {event}\ndata: {text}\n\n".encode()


def sse_response(events: AsyncIterator[bytes]) -> StreamingHttpResponse:
    """Async: served by the ASGI server's loop, a stream holds no thread while it waits."""
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    for header, value in SSE_HEADERS.items():
        response[header] = value
    return response
