"""An offline, deterministic fake of an OpenAI-compatible Chat Completions server.

It has three users: the test suite, which starts it on a free 127.0.0.1 port as a real HTTP
upstream (real sockets, real SSE, real timeouts); demo mode, which runs it in a background
thread when no API key is configured; and the benchmarks, which run it with zero latency,
so a request must cost little (keep-alive, no needless work).

The same request body always gets the same content, tool calls and usage, streamed or not.
Tests can `script()` one-shot behaviours (errors, junk bodies, delays, dropped streams) for
the next chat completions. Standard library only, so it starts anywhere, without Django.

    python -m demo.fake_upstream --port 8001 [--api-key K] [--chunk-delay 0.02]
"""

import argparse
import contextlib
import hashlib
import json
import re
import secrets
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from demo.schema_example import example_for_schema

__all__ = ["DEFAULT_MODELS", "Behaviour", "FakeUpstream", "RecordedRequest", "main"]

DEFAULT_MODELS = ["octo-demo-small", "octo-demo-large"]
MODELS_CREATED = 1_700_000_000  # a fixed "created" for GET /v1/models, so lists compare equal
SYSTEM_FINGERPRINT = "fp_demo"
ECHO_WORDS = 40  # how much of the user's message the demo reply quotes back


@dataclass(frozen=True)
class Behaviour:
    """A one-shot scripted answer for the next POST /v1/chat/completions.

    A non-200 `status` (or a `raw_body`) is sent whatever the request holds, API key
    included, as a misbehaving upstream would; the other fields adjust a normal answer."""

    status: int = 200
    headers: dict = field(default_factory=dict)  # extra response headers, e.g. Retry-After
    error_message: str | None = None  # for a non-200 status; defaults to the status phrase
    raw_body: bytes | None = None  # sent as is instead of any JSON
    delay: float = 0.0  # seconds before the status line, to trip client read timeouts
    reply: str | None = None  # the assistant content, instead of the computed one
    drop_after_chunks: int | None = None  # streams: close the socket after this many events
    omit_usage: bool = False  # never report usage, even when the client asked for it
    chunk_delay: float | None = None  # streams: overrides FakeUpstream.chunk_delay
    # In-process tests: answer only once this event is set, so a test decides when requests
    # in flight finish (no timing guesses). Waits at most 30 s.
    hold_until: threading.Event | None = None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the parsed JSON body, or None when there was none or it was not JSON


class ApiError(Exception):
    """An error answer in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.body = {"error": {"message": message, "type": type, "param": param, "code": code}}

    @classmethod
    def scripted(cls, behaviour: Behaviour) -> "ApiError":
        """The error a scripted non-200 behaviour sends, typed the way OpenAI types it."""
        status = behaviour.status
        message = behaviour.error_message or HTTPStatus(status).phrase
        if status == 401:
            kind, code = "invalid_request_error", "invalid_api_key"
        elif status == 429:
            kind, code = "rate_limit_error", "rate_limit_exceeded"
        elif status >= 500:
            kind, code = "server_error", None
        else:
            kind, code = "invalid_request_error", None
        return cls(status, message, type=kind, code=code, headers=behaviour.headers)


# The fake model: what it answers, as pure functions of the request body.


@dataclass(frozen=True)
class Answer:
    """One choice's answer, before it is put on the wire (all `n` choices are identical)."""

    content: str | None
    tool_calls: list[dict]
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


# A word with the whitespace before it (or whitespace at the very end): streamed content
# pieces, which join back into the content exactly.
_PIECE = re.compile(r"\s*\S+|\s+")


def validate_chat_request(body: Any, models: list[str]) -> dict:
    """The request body, if it is one this server can answer; else the ApiError OpenAI sends."""
    if not isinstance(body, dict):
        raise ApiError(
            400,
            "We could not parse the JSON body of your request. The API expects a JSON object.",
        )
    for name in ("model", "messages"):
        if name not in body:
            raise ApiError(
                400,
                f"Missing required parameter: '{name}'.",
                param=name,
                code="missing_required_parameter",
            )
    _require(isinstance(body["model"], str), "model", "a string")
    messages = body["messages"]
    _require(isinstance(messages, list) and messages, "messages", "a non-empty array")
    for message in messages:
        _require(isinstance(message, dict) and "role" in message, "messages", "objects with a role")
    n = body.get("n", 1)
    _require(type(n) is int and 1 <= n <= 128, "n", "an integer from 1 to 128")
    for name in ("max_tokens", "max_completion_tokens"):
        if body.get(name) is not None:
            _require(type(body[name]) is int and body[name] >= 1, name, "a positive integer")
    _require(isinstance(body.get("stream_options") or {}, dict), "stream_options", "an object")
    _validate_tools(body)
    _validate_response_format(body.get("response_format"))
    if body["model"] not in models:
        raise ApiError(
            404,
            f"The model `{body['model']}` does not exist or you do not have access to it.",
            code="model_not_found",
        )
    return body


def _require(condition: Any, param: str, expected: str) -> None:
    if not condition:
        raise ApiError(
            400,
            f"Invalid value for '{param}': expected {expected}.",
            param=param,
            code="invalid_value",
        )


def _validate_tools(body: dict) -> None:
    tools = body.get("tools") or []
    _require(isinstance(tools, list), "tools", "an array")
    for tool in tools:
        _require(isinstance(tool, dict), "tools", "an array of objects")
        if tool.get("type") == "function":
            function = tool.get("function")
            _require(
                isinstance(function, dict) and isinstance(function.get("name"), str),
                "tools",
                "function tools with a name",
            )
    choice = body.get("tool_choice") or "auto"
    _require(
        choice in ("none", "auto", "required") or isinstance(choice, dict),
        "tool_choice",
        "'none', 'auto', 'required' or a named tool",
    )


def _validate_response_format(response_format: Any) -> None:
    if response_format is None:
        return
    _require(
        isinstance(response_format, dict)
        and response_format.get("type") in ("text", "json_object", "json_schema"),
        "response_format",
        "an object of type text, json_object or json_schema",
    )
    if response_format["type"] == "json_schema":
        _require(
            isinstance(response_format.get("json_schema"), dict),
            "response_format.json_schema",
            "an object with a name and a schema",
        )


def answer_for(body: dict, scripted_reply: str | None = None) -> Answer:
    """The fake model's answer to a validated request body."""
    messages = body["messages"]
    prompt_tokens = count_prompt_tokens(messages)
    tool = None if scripted_reply is not None else tool_to_call(body)
    if tool is not None:
        call = tool_call(tool, messages)
        return Answer(None, [call], "tool_calls", prompt_tokens, _argument_tokens(call))
    content = scripted_reply if scripted_reply is not None else content_for(body)
    content, finish_reason = _truncate(content, _max_tokens(body))
    return Answer(content, [], finish_reason, prompt_tokens, len(content.split()))


def tool_to_call(body: dict) -> dict | None:
    """The function tool the model calls, if any, following `tool_choice`.

    "auto" calls the first tool unless the conversation ends with a tool result, so that a
    tool round trip ends in a text answer."""
    functions = [
        tool["function"]
        for tool in body.get("tools") or []
        if isinstance(tool, dict) and tool.get("type") == "function"
    ]
    choice = body.get("tool_choice") or "auto"
    if not functions or choice == "none":
        return None
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        for function in functions:
            if function["name"] == name:
                return function
        raise ApiError(
            400,
            f"Invalid value for 'tool_choice': no function named {name!r} in 'tools'.",
            param="tool_choice",
            code="invalid_value",
        )
    if choice == "auto" and body["messages"][-1].get("role") == "tool":
        return None
    return functions[0]


def tool_call(function: dict, messages: list) -> dict:
    """A call of `function` with schema-valid example arguments.

    The id hashes the conversation, so a repeated request gets the same call (streamed or
    not) while the next turn of a conversation gets a new id."""
    parameters = function.get("parameters") or {"type": "object", "properties": {}}
    seed = json.dumps([messages, function["name"]], sort_keys=True)
    return {
        "id": "call_" + hashlib.sha256(seed.encode()).hexdigest()[:24],
        "type": "function",
        "function": {
            "name": function["name"],
            "arguments": json.dumps(example_for_schema(parameters)),
        },
    }


def content_for(body: dict) -> str:
    """The assistant's text, shaped by `response_format`."""
    text = _text_reply(body["messages"])
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = response_format["json_schema"].get("schema") or {}
        return json.dumps(example_for_schema(schema))
    if response_format.get("type") == "json_object":
        return json.dumps({"reply": text})
    return text


def _text_reply(messages: list) -> str:
    """A few sentences of Markdown (so demo mode shows it rendered) quoting the user's last
    message, or summarising the tool result that ends the conversation."""
    if messages[-1].get("role") == "tool":
        result = _quote(text_of(messages[-1].get("content")))
        return (
            f"The tool returned: {result}\n\n"
            "Here is a **demo answer** built from that result by Octoplay's offline provider."
        )
    said = next(
        (text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    return (
        f"You said: {_quote(said) or '(nothing)'}\n\n"
        "This is a **demo reply** from Octoplay's offline provider:\n\n"
        "- no model was called, so it costs nothing;\n"
        "- the same request always gets this same answer.\n\n"
        "Configure an API key to talk to a real model."
    )


def _quote(text: str) -> str:
    words = text.split()
    return " ".join(words[:ECHO_WORDS]) + (" …" if len(words) > ECHO_WORDS else "")


def text_of(content: Any) -> str:
    """The text of a message's content: a string, or an array of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def count_prompt_tokens(messages: list) -> int:
    """Words, plus 3 per message and 3 to prime the reply: simple, deterministic, plausible."""
    tokens = 3
    for message in messages:
        tokens += 3 + len(text_of(message.get("content")).split())
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict):
                tokens += _argument_tokens(call)
    return tokens


def _argument_tokens(call: dict) -> int:
    arguments = (call.get("function") or {}).get("arguments")
    return len(arguments if isinstance(arguments, str) else "") // 4 + 1


def _max_tokens(body: dict) -> int | None:
    return body.get("max_completion_tokens") or body.get("max_tokens")


def _truncate(content: str, max_tokens: int | None) -> tuple[str, str]:
    """The content cut to `max_tokens` words, and the finish_reason that goes with it."""
    if max_tokens is None or len(content.split()) <= max_tokens:
        return content, "stop"
    return "".join(_PIECE.findall(content)[:max_tokens]), "length"


# The wire format: chat.completion bodies and chat.completion.chunk events.


def usage_of(answer: Answer, n: int) -> dict:
    completion_tokens = answer.completion_tokens * n
    return {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": answer.prompt_tokens + completion_tokens,
    }


def completion_body(
    completion_id: str, model: str, answer: Answer, n: int, *, with_usage: bool
) -> dict:
    message: dict = {"role": "assistant", "content": answer.content, "refusal": None}
    if answer.tool_calls:
        message["tool_calls"] = answer.tool_calls
    body = {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": [
            {
                "index": index,
                "message": message,
                "logprobs": None,
                "finish_reason": answer.finish_reason,
            }
            for index in range(n)
        ],
    }
    if with_usage:
        body["usage"] = usage_of(answer, n)
    return body


def stream_chunks(
    completion_id: str, model: str, answer: Answer, n: int, *, with_usage: bool
) -> list[dict]:
    """The chunks of a streamed answer, as OpenAI sends them: per choice, a role chunk, the
    content word by word (or each tool call's header then its arguments in fragments), a
    chunk with the finish_reason; then, if asked, a usage chunk with no choices."""
    created = int(time.time())

    def chunk(choices: list[dict], usage: dict | None = None) -> dict:
        event = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "choices": choices,
        }
        if with_usage:
            event["usage"] = usage
        return event

    def choice_chunk(index: int, delta: dict, finish_reason: str | None = None) -> dict:
        return chunk(
            [{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
        )

    chunks = []
    for index in range(n):
        chunks += [choice_chunk(index, delta) for delta in _deltas(answer)]
        chunks.append(choice_chunk(index, {}, answer.finish_reason))
    if with_usage:
        chunks.append(chunk([], usage_of(answer, n)))
    return chunks


def _deltas(answer: Answer) -> list[dict]:
    """One choice's deltas: the role, then the content word by word, or each tool call's
    header followed by its arguments in fragments."""
    first_content = "" if answer.content is not None else None
    deltas = [{"role": "assistant", "content": first_content, "refusal": None}]
    deltas += [{"content": piece} for piece in _PIECE.findall(answer.content or "")]
    for index, call in enumerate(answer.tool_calls):
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        header = {"index": index, "id": call["id"], "type": "function"}
        deltas.append({"tool_calls": [{**header, "function": {"name": name, "arguments": ""}}]})
        deltas += [
            {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}
            for fragment in _fragments(arguments)
        ]
    return deltas


def _fragments(text: str, parts: int = 4) -> list[str]:
    """`text` in about `parts` pieces, so clients really have to reassemble arguments."""
    size = max(1, -(-len(text) // parts))
    return [text[start : start + size] for start in range(0, len(text), size)]


# HTTP


class _Handler(BaseHTTPRequestHandler):
    """One keep-alive connection; serves requests on it until the client closes it."""

    protocol_version = "HTTP/1.1"  # keep-alive, and chunked transfer encoding for streams
    disable_nagle_algorithm = True  # small SSE chunks leave at once, not 40 ms later, bunched
    server: "_Server"

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
        if behaviour.delay:
            time.sleep(behaviour.delay)
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
        if body.get("stream"):
            asked = bool((body.get("stream_options") or {}).get("include_usage"))
            chunks = stream_chunks(
                completion_id,
                body["model"],
                answer,
                n,
                with_usage=asked and not behaviour.omit_usage,
            )
            self._stream(chunks, behaviour)
        else:
            completion = completion_body(
                completion_id, body["model"], answer, n, with_usage=not behaviour.omit_usage
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


class _Server(ThreadingHTTPServer):
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


class FakeUpstream:
    """The fake server: start() it, point a client at base_url, script() misbehaviours.

    Counters: `completed` (chat completions sent in full), `client_disconnects` (streams the
    client hung up on), `connections` (TCP connections accepted). A handler thread updates
    them just after the client has its answer: wait_until_idle() before reading them."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        models: list[str] | None = None,
        chunk_delay: float = 0.0,
        first_token_delay: float = 0.0,
        record: bool = True,
    ):
        self.host = host
        self.port = port
        self.api_key = api_key
        self.models = list(models or DEFAULT_MODELS)
        self.chunk_delay = self._initial_chunk_delay = chunk_delay
        self.first_token_delay = self._initial_first_token_delay = first_token_delay
        self.record_requests = record
        self.requests: list[RecordedRequest] = []
        self.completed = self.client_disconnects = self.connections = 0
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._active = 0  # requests being handled
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeUpstream.base_url is known once start() has bound a port.")
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> "FakeUpstream":
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            # A short poll interval so stop() returns quickly; accepting is not delayed by it.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-upstream-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        self._thread.join()
        self._server = self._thread = None

    def close_idle_connections(self) -> None:
        """Hang up on every kept-alive client connection, as a restarted server would."""
        if self._server is not None:
            self._server.close_connections()

    def __enter__(self) -> "FakeUpstream":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours; each POST /v1/chat/completions takes the next one."""
        with self._lock:
            self._script.extend(behaviours)

    def reset(self) -> None:
        """Back to a fresh server's state: no script, no recorded requests or counts, the
        constructor's delays."""
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.completed = self.client_disconnects = self.connections = 0
        self.chunk_delay = self._initial_chunk_delay
        self.first_token_delay = self._initial_first_token_delay

    def wait_until_idle(self, timeout: float = 5.0) -> bool:
        """Block until no request is being handled, e.g. until the server has noticed that a
        client hung up mid-stream; False if that takes longer than `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    # Called by request handlers, from many threads.

    def request_started(self, method: str, path: str, headers: Any, body: Any) -> None:
        recorded = None
        if self.record_requests:
            recorded = RecordedRequest(method, path, dict(headers.items()), body)
        with self._lock:
            self._active += 1
            if recorded is not None:
                self.requests.append(recorded)

    def request_finished(self) -> None:
        with self._lock:
            self._active -= 1
            self._idle.notify_all()

    def next_behaviour(self) -> Behaviour:
        with self._lock:
            return self._script.popleft() if self._script else Behaviour()

    def count(self, counter: str) -> None:
        """Add one to the counter attribute named `counter` (see the class docstring)."""
        with self._lock:
            setattr(self, counter, getattr(self, counter) + 1)

    def models_body(self) -> dict:
        return {
            "object": "list",
            "data": [
                {
                    "id": model,
                    "object": "model",
                    "created": MODELS_CREATED,
                    "owned_by": "octoplay-demo",
                }
                for model in self.models
            ],
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demo.fake_upstream",
        description="Serve the offline fake Chat Completions API until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--api-key", help="require this bearer token")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between chunks")
    parser.add_argument(
        "--first-token-delay", type=float, default=0.0, help="seconds before the first token"
    )
    args = parser.parse_args(argv)
    upstream = FakeUpstream(
        args.host,
        args.port,
        api_key=args.api_key,
        chunk_delay=args.chunk_delay,
        first_token_delay=args.first_token_delay,
        record=False,  # a long-running server must not keep every request in memory
    ).start()
    try:
        print(upstream.base_url, flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        upstream.stop()


if __name__ == "__main__":
    main()
