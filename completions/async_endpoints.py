"""The ASGI application for the endpoints that wait on upstreams, /v1/ and the playground's
POST /api/completions/ (completions.middleware.is_async_endpoint; playground/asgi.py sends
them here, everything else to Django's own handler).

Behind Django's ASGIHandler every call would get a thread made for it, kept until its answer
is sent (the handler's thread-sensitive context, where the request signals and every
database step run), and the site's middleware chain run in that thread (some of it,
WhiteNoise, is sync only, and Django runs a chain in one mode). Measured with py-spy under
load, making and joining those threads took ~18% of a worker's CPU. Here the same request
and response objects pass through the first entries of settings.MIDDLEWARE (overhead timer,
input checks, and the endpoints, which apply Django's security checks in line), all async;
the database steps run on a small pool of threads that keep their connections
(completions/database_steps.py), and a call waiting on its upstream holds no thread. A
client that hangs up cancels its call, streamed or not; the pipeline logs it as cancelled.
"""

import asyncio
import io
from contextlib import aclosing, suppress
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.exception import convert_exception_to_response
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.utils.module_loading import import_string

from .database_steps import steps_pooled
from .input_rules import too_large_message
from .openai_api import openai_error

ENDPOINTS = "completions.middleware.AsyncEndpointsMiddleware"


async def _beyond_the_endpoint(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError(f"{ENDPOINTS} answers every request sent here")


class AsyncEndpointsApplication:
    def __init__(self) -> None:
        served_by = settings.MIDDLEWARE[: settings.MIDDLEWARE.index(ENDPOINTS) + 1]
        chain: Any = convert_exception_to_response(_beyond_the_endpoint)
        for path in reversed(served_by):
            chain = convert_exception_to_response(import_string(path)(chain))
        self.chain = chain

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        body = await _body(receive)
        if body is None:
            return  # the client left before it finished sending
        steps_pooled()  # for this request's context, and the tasks made from it
        if len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            await _send(_too_large(scope["path"]), send)
            return
        request = ASGIRequest(scope, io.BytesIO(body))
        answering = asyncio.create_task(self._answer(request, send))
        hang_up = asyncio.create_task(receive())  # after the body: only a disconnect comes
        await asyncio.wait({answering, hang_up}, return_when=asyncio.FIRST_COMPLETED)
        if answering.done():
            hang_up.cancel()
        else:
            answering.cancel()  # the client left: the pipeline logs the run as cancelled
        with suppress(asyncio.CancelledError):
            await answering

    async def _answer(self, request: HttpRequest, send: Any) -> None:
        await _send(await self.chain(request), send)


def _too_large(path: str) -> HttpResponse:
    if path.startswith("/v1/"):
        return openai_error(
            413, too_large_message(), kind="invalid_request_error", code="request_too_large"
        )
    return JsonResponse({"detail": too_large_message()}, status=413)  # as DRF words errors


async def _body(receive: Any) -> bytes | None:
    """The request body, read no further than one byte past the limit."""
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        part = message.get("body", b"")
        parts.append(part)
        size += len(part)
        if size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE or not message.get("more_body"):
            return b"".join(parts)


async def _send(response: HttpResponseBase, send: Any) -> None:
    headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in response.items()
    ]
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.output(header="").strip().encode("ascii")))
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    if isinstance(response, HttpResponse):
        await send({"type": "http.response.body", "body": response.content})
        return
    assert isinstance(response, StreamingHttpResponse)  # the endpoints answer JSON or SSE
    # A client that left closes the stream (an async generator, whatever the stubs say).
    async with aclosing(aiter(response)) as parts:  # type: ignore[type-var]
        async for part in parts:
            await send({"type": "http.response.body", "body": part, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
