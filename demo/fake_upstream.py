"""An offline, deterministic fake of an OpenAI-compatible Chat Completions server.

It has three users: the test suite, which starts it on a free 127.0.0.1 port as a real HTTP
upstream (real sockets, real SSE, real timeouts); demo mode, which runs it in a background
thread when no API key is configured; and the benchmarks, which run it with zero latency,
so a request must cost little (keep-alive, no needless work).

The same request body always gets the same content, tool calls and usage, streamed or not.
Tests can `script()` one-shot behaviours (errors, junk bodies, delays, dropped streams) for
the next chat completions. Standard library only, so it starts anywhere, without Django.

    python -m demo.fake_upstream --port 8001 [--api-key K] [--chunk-delay 0.02]

This module is its public face: `FakeUpstream` (start, stop, script, counters) and the
command line. The rest of `demo/`: `http_server` (routing, JSON and SSE on the socket),
`validation` (request checks), `answers` (what the fake model says), `wire_format` (bodies
and stream chunks), `errors`, `behaviour` (what tests script) and `schema_example`.
"""

import argparse
import threading
from collections import deque
from typing import Any

from demo.behaviour import Behaviour, RecordedRequest
from demo.http_server import Server

__all__ = ["DEFAULT_MODELS", "Behaviour", "FakeUpstream", "RecordedRequest", "main"]

DEFAULT_MODELS = ["octo-demo-small", "octo-demo-large"]
MODELS_CREATED = 1_700_000_000  # a fixed "created" for GET /v1/models, so lists compare equal


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
        latency: float = 0.0,
        record: bool = True,
    ):
        self.host = host
        self.port = port
        self.api_key = api_key
        self.models = list(models or DEFAULT_MODELS)
        # Extra fields some providers list per model (e.g. {"context_length": 8192}): none by
        # default, as OpenAI lists none; tests set them.
        self.model_details: dict[str, dict] = {}
        self.chunk_delay = self._initial_chunk_delay = chunk_delay
        self.first_token_delay = self._initial_first_token_delay = first_token_delay
        # Seconds before every chat completion's status line, streamed or not: a slow model.
        self.latency = latency
        self.record_requests = record
        self.requests: list[RecordedRequest] = []
        self.completed = self.client_disconnects = self.connections = 0
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._active = 0  # requests being handled
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeUpstream.base_url is known once start() has bound a port.")
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> "FakeUpstream":
        self._server = Server((self.host, self.port), self)
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
        if self._server is None or self._thread is None:
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
        self.model_details = {}
        self.chunk_delay = self._initial_chunk_delay
        self.first_token_delay = self._initial_first_token_delay

    def wait_until_idle(self, timeout: float = 5.0) -> bool:
        """Block until no request is being handled, e.g. until the server has noticed that a
        client hung up mid-stream; False if that takes longer than `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def in_flight(self) -> int:
        """Requests being handled right now."""
        with self._lock:
            return self._active

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
                    **self.model_details.get(model, {}),
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
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds before every completion's answer"
    )
    args = parser.parse_args(argv)
    upstream = FakeUpstream(
        args.host,
        args.port,
        api_key=args.api_key,
        chunk_delay=args.chunk_delay,
        first_token_delay=args.first_token_delay,
        latency=args.latency,
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
