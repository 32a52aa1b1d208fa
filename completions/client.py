"""The only module that talks HTTP to upstream APIs (and the only importer of `requests`).

Timeouts, retries and error translation live here. Callers get parsed JSON, or an iterator
of parsed stream chunks, or one exception type: `UpstreamError`, whose message is fit to show
a user and keeps the upstream's own error text.

Retry policy: connection failures and 408/409/429/5xx answers are retried with exponential
backoff and jitter, honouring Retry-After up to a bound. A read timeout is not retried (the
upstream may have done, and billed, the work), and nothing is retried once a stream has
started: `open_stream` returns only after the upstream said 200.
"""

import contextvars
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from .upstream_error import UpstreamError as UpstreamError  # re-exported for callers

RETRYABLE_STATUSES = {408, 409, 429, 500, 502, 503, 504}
ERROR_BODY_LIMIT = 64 * 1024


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
_Headers = dict[str, str]
_Timeout = tuple[float, float]  # (connect, read) seconds

# One connection pool per process, so keep-alive connections are reused across requests.
# Requests go straight to the transport adapter, not through a requests.Session: a Session's
# cookie jar, hooks, environment merging and redirect handling are all things Octoplay does
# not want from an upstream, and skipping them took ~40% off the cost of each call.
_adapter = HTTPAdapter(pool_connections=16, pool_maxsize=512, max_retries=0)


def _send_once(
    method: str, url: str, *, headers: _Headers, data: bytes | None, timeout: _Timeout, stream: bool
) -> requests.Response:
    """One HTTP exchange: no cookies kept or sent, no proxies from the environment, and
    redirects returned as they are (never followed)."""
    request = requests.PreparedRequest()
    request.prepare(method=method, url=url, headers=headers, data=data)
    return _adapter.send(request, stream=stream, timeout=timeout)


class UpstreamClient:
    def __init__(self, config: UpstreamConfig):
        self.config = config
        self.base_url = config.base_url.rstrip("/")

    # Public calls

    def list_models(self) -> list[dict[str, Any]]:
        response = self._send("GET", "/models", None, stream=False)
        body = self._json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise self._error(
                "The upstream's model list has no 'data' array.", kind="bad_response", status=200
            )
        return [item for item in data if isinstance(item, dict) and isinstance(item.get("id"), str)]

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """A non-streaming chat completion: the upstream's JSON body."""
        response = self._send("POST", "/chat/completions", body, stream=False)
        completion = self._json(response)
        if not isinstance(completion, dict) or not isinstance(completion.get("choices"), list):
            raise self._error(
                "The upstream's answer has no 'choices': it does not look like a chat completion.",
                kind="bad_response",
                status=response.status_code,
            )
        return completion

    def open_stream(self, body: dict[str, Any]) -> "UpstreamStream":
        """Start a streaming completion; returns once the upstream has accepted it (HTTP 200)."""
        response = self._send("POST", "/chat/completions", body, stream=True)
        content_type = response.headers.get("Content-Type", "")
        if "text/event-stream" not in content_type:
            answered = content_type or "no content type"
            raise self._error(
                f"The upstream was asked to stream but answered {answered}",
                kind="bad_response",
                status=response.status_code,
                upstream_text=_bounded_text(response),
            )
        return UpstreamStream(response, self.config.api_key)

    # Internals

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None, *, stream: bool
    ) -> requests.Response:
        started = time.perf_counter()
        try:
            return self._send_with_retries(method, path, body, stream=stream)
        finally:
            _add_upstream_time(time.perf_counter() - started)

    def _send_with_retries(
        self, method: str, path: str, body: dict[str, Any] | None, *, stream: bool
    ) -> requests.Response:
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
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        host = urlsplit(url).netloc

        for attempt in range(self.config.max_retries + 1):
            last_attempt = attempt == self.config.max_retries
            try:
                response = _send_once(
                    method, url, headers=headers, data=data, timeout=timeout, stream=stream
                )
            except requests.exceptions.ReadTimeout:
                raise self._error(
                    f"The upstream at {host} did not answer within {self.config.read_timeout:g} s.",
                    kind="timeout",
                ) from None
            except requests.exceptions.RequestException as error:
                if not last_attempt:
                    self._wait(attempt, None)
                    continue
                kind = "timeout" if isinstance(error, requests.exceptions.Timeout) else "connection"
                raise self._error(
                    f"Could not connect to the upstream at {host} "
                    f"(after {attempt + 1} attempts): {type(error).__name__}.",
                    kind=kind,
                ) from None

            if response.status_code in RETRYABLE_STATUSES and not last_attempt:
                retry_after = _retry_after_seconds(response)
                response.close()
                self._wait(attempt, retry_after)
                continue
            if response.is_redirect or response.is_permanent_redirect:
                response.close()
                raise self._error(
                    f"The upstream answered with a redirect (HTTP {response.status_code}); "
                    "Octoplay does not follow redirects, so the API key only goes to the "
                    "configured host. Fix the provider's base URL.",
                    kind="redirect",
                    status=response.status_code,
                )
            if response.status_code >= 400:
                raise self._error_from(response)
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait(self, attempt: int, retry_after: float | None) -> None:
        if retry_after is not None:
            delay = min(retry_after, self.config.retry_after_max)
        else:
            delay = self.config.backoff_seconds * (2**attempt) * random.uniform(0.5, 1.5)
        time.sleep(delay)

    def _json(self, response: requests.Response) -> Any:  # whatever JSON the upstream sent
        try:
            return response.json()
        except (ValueError, RecursionError):  # nested past Python's limit: junk too
            raise self._error(
                f"The upstream sent a body that is not JSON (HTTP {response.status_code})",
                kind="bad_response",
                status=response.status_code,
                upstream_text=response.text[:ERROR_BODY_LIMIT],
            ) from None

    def _error(self, message: str, **details: Any) -> UpstreamError:
        return UpstreamError(message, key=self.config.api_key, **details)  # knows what to redact

    def _error_from(self, response: requests.Response) -> UpstreamError:
        status = response.status_code
        retry_after = _retry_after_seconds(response)
        kind, summary = _describe_status(status)
        if status == 429 and retry_after is not None:
            summary += f"; retry after {retry_after:g} s"
        detail = _error_text(_bounded_text(response))
        return self._error(
            f"{summary} (HTTP {status})",
            kind=kind,
            status=status,
            retry_after=retry_after,
            upstream_text=detail,
        )


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


def _bounded_text(response: requests.Response) -> str:
    """The start of a body that is not the answer hoped for (bounded, streamed or not)."""
    raw = next(response.iter_content(ERROR_BODY_LIMIT), b"")
    response.close()
    return raw.decode(errors="replace")


def _error_text(text: str) -> str:
    """The human part of an error body: OpenAI's error.message, else the whole text."""
    try:
        body = json.loads(text)
    except ValueError:
        return text
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(message := error.get("message"), str):
            return message
        for key in ("error", "message", "detail"):
            if isinstance(value := body.get(key), str):
                return value
    return text


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # HTTP-date form: fall back to our own backoff


class UpstreamStream:
    """Server-Sent Events from a streaming completion, yielded as (data_text, parsed_chunk).

    Raises UpstreamError if the stream breaks, carries junk, or ends without `[DONE]`.
    """

    def __init__(self, response: requests.Response, key: str):
        self.response = response
        self.status = response.status_code
        self._key = key  # for UpstreamError to redact
        self.finished = False

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        self._chunks = _raw_chunks(self.response)
        try:
            for data in _sse_data(self._chunks):
                if data.strip() == "[DONE]":
                    self.finished = True  # the connection is left for release()
                    return
                try:
                    chunk = json.loads(data)
                except (ValueError, RecursionError):
                    raise UpstreamError(
                        "The upstream sent a stream event that is not JSON",
                        kind="bad_response",
                        status=self.status,
                        upstream_text=data,
                        key=self._key,
                    ) from None
                if isinstance(chunk, dict) and "error" in chunk and "choices" not in chunk:
                    raise UpstreamError(
                        "The upstream reported an error mid-stream",
                        kind="upstream_error",
                        status=self.status,
                        upstream_text=_error_text(data),
                        key=self._key,
                    )
                yield data, chunk
        except requests.exceptions.RequestException as error:
            kind = "timeout" if isinstance(error, requests.exceptions.Timeout) else "dropped_stream"
            raise UpstreamError(
                f"The upstream connection broke mid-stream ({type(error).__name__}).",
                kind=kind,
                status=self.status,
            ) from None
        finally:
            if not self.finished:
                self.response.close()
        if not self.finished:
            raise UpstreamError(
                "The upstream closed the stream before it finished (no [DONE]).",
                kind="dropped_stream",
                status=self.status,
            )

    def release(self) -> None:
        """After [DONE] only the body's terminating chunk is left: read it, and the connection
        goes back to the pool for the next request, instead of every stream opening a new
        one (a TLS handshake, with a real upstream). Call it off the client's path: an
        upstream that keeps the body open after [DONE] holds this until the read timeout."""
        try:
            for _ in self._chunks:
                pass  # anything after [DONE] means nothing
        except requests.exceptions.RequestException:
            pass
        finally:
            self.response.close()  # a no-op once the connection is back in the pool

    def close(self) -> None:
        """Stop reading (the client left, say): the connection is closed, not reused."""
        if not self.finished:
            self.response.close()


def _raw_chunks(response: requests.Response) -> Iterator[bytes]:
    """Bytes as they arrive: chunk by chunk, never waiting to fill a buffer."""
    raw = response.raw
    try:
        if raw.chunked and raw.supports_chunked_reads():
            yield from raw.read_chunked(decode_content=True)
        else:
            while data := raw.read1(65536):
                yield data
    except (urllib3.exceptions.HTTPError, OSError) as error:  # wrapped the way requests does
        raise requests.exceptions.ChunkedEncodingError(str(error)) from error


def _sse_data(chunks: Iterator[bytes]) -> Iterator[str]:
    """The `data` payload of each Server-Sent Event (multi-line data joined with newlines)."""
    buffer = b""
    data_lines: list[str] = []
    for chunk in chunks:
        buffer += chunk
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                break
            line = buffer[:end].rstrip(b"\r").decode("utf-8", errors="replace")
            buffer = buffer[end + 1 :]
            if not line:
                if data_lines:
                    yield "\n".join(data_lines)
                    data_lines = []
            elif line.startswith("data:"):
                data_lines.append(line[5:].removeprefix(" "))
            # Comments (":") and other fields (event:, id:, retry:) carry nothing we need.
    if data_lines:
        yield "\n".join(data_lines)
