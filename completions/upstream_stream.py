"""A streaming completion's Server-Sent Events, read on the I/O loop (completions/io_loop.py)
and handed to whoever relays them, on whichever loop that is."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from .io_loop import on_io_loop
from .upstream_error import UpstreamError, error_text

_END = object()


class UpstreamStream:
    """Server-Sent Events from a streaming completion, as (data_text, parsed_chunk) pairs.

    A task on the I/O loop reads the upstream into a queue as it arrives, so a reader can
    wait with a timeout (to send heartbeats) without disturbing the read, from any loop.
    `next` raises UpstreamError if the stream breaks, carries junk, or ends without [DONE].
    """

    def __init__(self, response: aiohttp.ClientResponse, key: str):
        self.response = response
        self.status = response.status
        self._key = key  # for UpstreamError to redact
        self.finished = False  # [DONE] seen
        self._items: asyncio.Queue[object] = asyncio.Queue()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def next(self, timeout: float) -> tuple[str, dict[str, Any]] | None:
        """The next pair, or None once the stream has finished; TimeoutError if nothing came
        within `timeout` seconds (the stream goes on)."""
        return await on_io_loop(self._next(timeout))

    async def close(self) -> None:
        """Stop reading (the client left, say): unless the stream finished, the connection
        is closed rather than reused, and the upstream stops generating."""
        await on_io_loop(self._close())

    async def _next(self, timeout: float) -> tuple[str, dict[str, Any]] | None:
        item = await asyncio.wait_for(self._items.get(), timeout)
        if item is _END:
            return None
        if isinstance(item, UpstreamError):
            raise item
        return item  # type: ignore[return-value]  # a (data, chunk) pair

    async def _close(self) -> None:
        if not self._reader.done():
            self._reader.cancel()
        if not self.finished:
            self.response.close()

    async def _read(self) -> None:
        try:
            async for data in _sse_data(self.response.content.iter_any()):
                if data.strip() == "[DONE]":
                    self.finished = True
                    break
                self._items.put_nowait((data, self._parse(data)))
        except UpstreamError as error:
            self._items.put_nowait(error)
            self.response.close()
            return
        except (aiohttp.ClientError, TimeoutError) as error:
            kind = "timeout" if isinstance(error, TimeoutError) else "dropped_stream"
            self._items.put_nowait(
                UpstreamError(
                    f"The upstream connection broke mid-stream ({type(error).__name__}).",
                    kind=kind,
                    status=self.status,
                )
            )
            self.response.close()
            return
        except Exception as error:  # noqa: BLE001 - a bug of ours still ends the stream
            self._items.put_nowait(
                UpstreamError(f"Reading the stream failed: {error}", kind="dropped_stream")
            )
            self.response.close()
            return
        if not self.finished:
            self._items.put_nowait(
                UpstreamError(
                    "The upstream closed the stream before it finished (no [DONE]).",
                    kind="dropped_stream",
                    status=self.status,
                )
            )
            self.response.close()
            return
        self._items.put_nowait(_END)
        await self._release()

    async def _release(self) -> None:
        """After [DONE] only the body's end is left: read it, and the connection goes back to
        the pool for the next call instead of every stream opening a new one (a TLS
        handshake, with a real upstream). The relay already has the end, so an upstream that
        keeps the body open after [DONE] delays nobody."""
        try:
            while await self.response.content.readany():
                pass  # anything after [DONE] means nothing
        except (aiohttp.ClientError, TimeoutError):
            self.response.close()
        else:
            self.response.release()

    def _parse(self, data: str) -> dict[str, Any]:
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
        if not isinstance(chunk, dict):
            raise UpstreamError(
                "The upstream sent a stream event that is not a JSON object",
                kind="bad_response",
                status=self.status,
                upstream_text=data,
                key=self._key,
            )
        if "error" in chunk and "choices" not in chunk:
            raise UpstreamError(
                "The upstream reported an error mid-stream",
                kind="upstream_error",
                status=self.status,
                upstream_text=error_text(data),
                key=self._key,
            )
        return chunk


async def _sse_data(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """The `data` payload of each Server-Sent Event (multi-line data joined with newlines)."""
    buffer = b""
    data_lines: list[str] = []
    async for chunk in chunks:
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
