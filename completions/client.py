"""The only module that talks HTTP to upstream APIs (and the only user of aiohttp's client).

Timeouts, retries and error translation live here. Callers get parsed JSON, or an
`UpstreamStream` of parsed chunks, or one exception type: `UpstreamError`, whose message is
fit to show a user and keeps the upstream's own error text.

Every call runs on this process's I/O loop (completions/io_loop.py): served, the server's
own loop, so a call in flight costs a suspended coroutine, not a thread. The methods are
coroutines; sync code wraps them in `io_loop.blocking`.

Why aiohttp and not `requests` (the design card's client): a `requests` call holds a thread
for as long as the upstream takes. Measured with a 2 s upstream and 600 clients, 2 gunicorn
workers x 128 threads gave 77 req/s with p90 17 s (issue 14); more threads ran out of
database connections. README "Serving" has the figures after the change.

Retry policy: connection failures and 408/409/429/5xx answers are retried with exponential
backoff and jitter, honouring Retry-After up to a bound. A read timeout is not retried (the
upstream may have done, and billed, the work), and nothing is retried once a stream has
started: `open_stream` returns only after the upstream said 200.
"""

import asyncio
import contextvars
import json
import random
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp

from .io_loop import on_io_loop, session
from .upstream_error import UpstreamError as UpstreamError  # re-exported for callers
from .upstream_error import error_text
from .upstream_stream import UpstreamStream as UpstreamStream  # re-exported for callers

_T = TypeVar("_T")
RETRYABLE_STATUSES = {408, 409, 429, 500, 502, 503, 504}
ERROR_BODY_LIMIT = 64 * 1024
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class UpstreamConfig:
    base_url: str
    api_key: str = field(repr=False)
    connect_timeout: float = 5.0
    read_timeout: float = 120.0
    max_retries: int = 2
    backoff_seconds: float = 0.5
    retry_after_max: float = 10.0


# Seconds spent waiting on upstreams in the current request, so the server's own overhead can
# be reported (completions.middleware). A ContextVar holding a list: cheap to add to in place.
_upstream_seconds: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar(
    "upstream_seconds", default=None
)


def upstream_timer_start() -> list[float]:
    holder = [0.0]
    _upstream_seconds.set(holder)
    return holder


def _add_upstream_time(seconds: float) -> None:
    holder = _upstream_seconds.get()
    if holder is not None:
        holder[0] += seconds


USER_AGENT = "Octoplay"


class UpstreamClient:
    def __init__(self, config: UpstreamConfig):
        self.config = config
        self.base_url = config.base_url.rstrip("/")

    # Public calls: each on the I/O loop, timed in the caller's context.

    async def list_models(self) -> list[dict[str, Any]]:
        return await _timed(on_io_loop(self._list_models()))

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """A non-streaming chat completion: the upstream's JSON body."""
        return await _timed(on_io_loop(self._create(body)))

    async def open_stream(self, body: dict[str, Any]) -> "UpstreamStream":
        """Start a streaming completion; returns once the upstream has accepted it (HTTP 200)."""
        return await _timed(on_io_loop(self._open_stream(body)))

    # On the I/O loop

    async def _list_models(self) -> list[dict[str, Any]]:
        response = await self._send("GET", "/models", None, stream=False)
        body = await self._json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise self._error(
                "The upstream's model list has no 'data' array.", kind="bad_response", status=200
            )
        return [item for item in data if isinstance(item, dict) and isinstance(item.get("id"), str)]

    async def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        response = await self._send("POST", "/chat/completions", body, stream=False)
        completion = await self._json(response)
        if not isinstance(completion, dict) or not isinstance(completion.get("choices"), list):
            raise self._error(
                "The upstream's answer has no 'choices': it does not look like a chat completion.",
                kind="bad_response",
                status=response.status,
            )
        return completion

    async def _open_stream(self, body: dict[str, Any]) -> "UpstreamStream":
        response = await self._send("POST", "/chat/completions", body, stream=True)
        content_type = response.headers.get("Content-Type", "")
        if "text/event-stream" not in content_type:
            answered = content_type or "no content type"
            raise self._error(
                f"The upstream was asked to stream but answered {answered}",
                kind="bad_response",
                status=response.status,
                upstream_text=await _bounded_text(response),
            )
        return UpstreamStream(response, self.config.api_key)

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None, *, stream: bool
    ) -> aiohttp.ClientResponse:
        url = self.base_url + path
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "text/event-stream" if stream else "application/json",
            # Compressed SSE would be buffered; whole answers may come compressed.
            "Accept-Encoding": "identity" if stream else "gzip, deflate",
        }
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self.config.connect_timeout, sock_read=self.config.read_timeout
        )
        host = urlsplit(url).netloc

        for attempt in range(self.config.max_retries + 1):
            last_attempt = attempt == self.config.max_retries
            try:
                response = await session().request(
                    method, url, headers=headers, data=data, timeout=timeout, allow_redirects=False
                )
            except aiohttp.SocketTimeoutError:
                raise self._error(
                    f"The upstream at {host} did not answer within {self.config.read_timeout:g} s.",
                    kind="timeout",
                ) from None
            except (aiohttp.ClientError, TimeoutError, OSError) as error:
                if not last_attempt:
                    await self._wait(attempt, None)
                    continue
                kind = "timeout" if isinstance(error, TimeoutError) else "connection"
                raise self._error(
                    f"Could not connect to the upstream at {host} "
                    f"(after {attempt + 1} attempts): {type(error).__name__}.",
                    kind=kind,
                ) from None

            if response.status in RETRYABLE_STATUSES and not last_attempt:
                retry_after = _retry_after_seconds(response)
                response.close()
                await self._wait(attempt, retry_after)
                continue
            if response.status in REDIRECT_STATUSES:
                response.close()
                raise self._error(
                    f"The upstream answered with a redirect (HTTP {response.status}); "
                    "Octoplay does not follow redirects, so the API key only goes to the "
                    "configured host. Fix the provider's base URL.",
                    kind="redirect",
                    status=response.status,
                )
            if response.status >= 400:
                raise await self._error_from(response)
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _wait(self, attempt: int, retry_after: float | None) -> None:
        if retry_after is not None:
            delay = min(retry_after, self.config.retry_after_max)
        else:
            delay = self.config.backoff_seconds * (2**attempt) * random.uniform(0.5, 1.5)
        await asyncio.sleep(delay)

    async def _json(self, response: aiohttp.ClientResponse) -> Any:  # whatever JSON came
        try:
            raw = await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise self._error(
                f"The upstream connection broke while sending its answer ({type(error).__name__}).",
                kind="timeout" if isinstance(error, TimeoutError) else "connection",
                status=response.status,
            ) from None
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):  # nested past Python's limit: junk too
            raise self._error(
                f"The upstream sent a body that is not JSON (HTTP {response.status})",
                kind="bad_response",
                status=response.status,
                upstream_text=raw[:ERROR_BODY_LIMIT].decode(errors="replace"),
            ) from None

    def _error(self, message: str, **details: Any) -> UpstreamError:
        return UpstreamError(message, key=self.config.api_key, **details)  # knows what to redact

    async def _error_from(self, response: aiohttp.ClientResponse) -> UpstreamError:
        status = response.status
        retry_after = _retry_after_seconds(response)
        kind, summary = _describe_status(status)
        if status == 429 and retry_after is not None:
            summary += f"; retry after {retry_after:g} s"
        detail = error_text(await _bounded_text(response))
        return self._error(
            f"{summary} (HTTP {status})",
            kind=kind,
            status=status,
            retry_after=retry_after,
            upstream_text=detail,
        )


async def _timed(call: Awaitable[_T]) -> _T:
    started = time.perf_counter()
    try:
        return await call
    finally:
        _add_upstream_time(time.perf_counter() - started)


def _describe_status(status: int) -> tuple[str, str]:
    if status in (401, 403):
        return "auth", "The upstream rejected the API key"
    if status == 404:
        return "not_found", "The upstream does not know this model or endpoint"
    if status == 429:
        return "rate_limited", "The upstream is rate limiting requests"
    if status >= 500:
        return "upstream_down", "The upstream failed or is unavailable"
    if status in (400, 409, 413, 422):
        return "bad_request", "The upstream rejected the request"
    return "upstream_error", "The upstream returned an error"


async def _bounded_text(response: aiohttp.ClientResponse) -> str:
    """The start of a body that is not the answer hoped for (bounded, streamed or not)."""
    try:
        raw = await response.content.read(ERROR_BODY_LIMIT)
    except (aiohttp.ClientError, TimeoutError):
        raw = b""
    finally:
        response.close()
    return raw.decode(errors="replace")


def _retry_after_seconds(response: aiohttp.ClientResponse) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # HTTP-date form: fall back to our own backoff
