"""What a test tells the fake upstream and what it reads back: a scripted one-shot
`Behaviour` for the next chat completion, and each `RecordedRequest` the server received."""

import threading
from dataclasses import dataclass, field
from typing import Any


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
