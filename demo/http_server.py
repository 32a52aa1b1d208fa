"""The fake upstream's HTTP side: a threading server that tracks its keep-alive connections,
and the handler that routes each request, answers it in JSON or streams it as SSE."""

import contextlib
import json
import secrets
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from demo.answers import answer_for
from demo.behaviour import Behaviour
from demo.errors import ApiError
from demo.validation import validate_chat_request
from demo.wire_format import completion_body, stream_chunks

if TYPE_CHECKING:
    from demo.fake_upstream import FakeUpstream


class Server(ThreadingHTTPServer):
    """Serves each connection in its own thread, and keeps them in a set so that stop() can
    hang up on idle keep-alive clients."""

    daemon_threads = True
    request_queue_size = 1024  # benchmarks open hundreds of streams at once

    def __init__(self, address: tuple[str, int], upstream: "FakeUpstream"):
        self.upstream = upstream
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def connection_opened(self, connection: socket.socket) -> None:
        with self.connections_lock:
            self.open_connections.add(connection)
        self.upstream.count("connections")

    def connection_closed(self, connection: socket.socket) -> None:
        with self.connections_lock:
            self.open_connections.discard(connection)

    def close_connections(self) -> None:
        """Shut idle keep-alive connections, so pooled clients see a stopped server as gone."""
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # the client may have closed it already
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about clients that vanish mid-request; loud about our own bugs."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """One keep-alive connection; serves requests on it until the client closes it."""

    protocol_version = "HTTP/1.1"  # keep-alive, and chunked transfer encoding for streams
    disable_nagle_algorithm = True  # small SSE chunks leave at once, not 40 ms later, bunched
    server: Server

    def setup(self) -> None:
        super().setup()
        self.server.connection_opened(self.connection)
        self.upstream = self.server.upstream

    def finish(self) -> None:
        self.server.connection_closed(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests and benchmarks print their own output."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        body = _parse_json(self._read_body())  # read even if unused: keep-alive needs it
        self.upstream.request_started(self.command, self.path, self.headers, body)
        try:
            self._route(body)
        except ConnectionError:  # the client left, e.g. after its read timeout
            self.close_connection = True
        finally:
            self.upstream.request_finished()

    def _route(self, body: Any) -> None:
        path = self.path.split("?", 1)[0]
        try:
            if (self.command, path) == ("GET", "/v1/models"):
                self._check_api_key()
                self._send_json(200, self.upstream.models_body())
            elif (self.command, path) == ("POST", "/v1/chat/completions"):
                self._chat_completions(body)
            else:
                raise ApiError(404, f"Invalid URL ({self.command} {path})")
        except ApiError as error:
            self._send_json(error.status, error.body, error.headers)

    def _chat_completions(self, body: Any) -> None:
        behaviour = self.upstream.next_behaviour()
        if behaviour.hold_until is not None:
            behaviour.hold_until.wait(timeout=30)
        if behaviour.delay or self.upstream.latency:
            time.sleep(behaviour.delay or self.upstream.latency)
        if behaviour.raw_body is not None:
            headers = {"Content-Type": "text/html; charset=utf-8", **behaviour.headers}
            self._send(behaviour.status, behaviour.raw_body, headers)
            return
        if behaviour.status != 200:
            raise ApiError.scripted(behaviour)
        self._check_api_key()
        body = validate_chat_request(body, self.upstream.models)
        answer = answer_for(body, behaviour.reply)
        completion_id = "chatcmpl-" + secrets.token_hex(12)
        n = body.get("n", 1)
        top_logprobs = (body.get("top_logprobs") or 0) if body.get("logprobs") else None
        if body.get("stream"):
            asked = bool((body.get("stream_options") or {}).get("include_usage"))
            chunks = stream_chunks(
                completion_id,
                body["model"],
                answer,
                n,
                with_usage=asked and not behaviour.omit_usage,
                top_logprobs=top_logprobs,
            )
            self._stream(chunks, behaviour)
        else:
            completion = completion_body(
                completion_id,
                body["model"],
                answer,
                n,
                with_usage=not behaviour.omit_usage,
                top_logprobs=top_logprobs,
            )
            self._send_json(200, completion, behaviour.headers)
            self.upstream.count("completed")

    def _check_api_key(self) -> None:
        api_key = self.upstream.api_key
        if api_key and self.headers.get("Authorization") != f"Bearer {api_key}":
            raise ApiError(401, "Incorrect API key provided.", code="invalid_api_key")

    def _stream(self, chunks: list[dict], behaviour: Behaviour) -> None:
        """Send the chunks as SSE, one HTTP chunk per event, paced by the configured delays."""
        self.send_response(200)
        for name, value in behaviour.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for number, chunk in enumerate(chunks):
                if number == behaviour.drop_after_chunks:
                    self._drop_connection()
                    return
                pause = self._pause_before(number, behaviour)
                if pause:
                    time.sleep(pause)
                self._write_chunk(
                    b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"
                )
            if behaviour.drop_after_chunks is not None:  # asked to drop after the last chunk
                self._drop_connection()
                return
            self._write_chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
        except ConnectionError:
            self.upstream.count("client_disconnects")
            self.close_connection = True
            return
        self.upstream.count("completed")

    def _pause_before(self, number: int, behaviour: Behaviour) -> float:
        """The role chunk leaves at once, the first token after first_token_delay, every
        later chunk after chunk_delay (read now: tests change them between requests)."""
        if number == 0:
            return 0.0
        if number == 1:
            return self.upstream.first_token_delay
        if behaviour.chunk_delay is not None:
            return behaviour.chunk_delay
        return self.upstream.chunk_delay

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _drop_connection(self) -> None:
        """End the response mid-stream, without the terminating chunk, as a failing proxy does."""
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _send_json(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self._send(status, data, {**(headers or {}), "Content-Type": "application/json"})

    def _send(self, status: int, data: bytes, headers: dict) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
