"""Streamed answers from the fake upstream: SSE events, one HTTP chunk each, that reassemble
to the non-streaming answer; usage chunks, dropped streams, hang-ups, pacing."""

import time

import pytest
import requests

from demo.fake_upstream import Behaviour
from tests.demo.helpers import WEATHER, body, completion, content_of, post, stream


def test_stream_reassembles_to_the_non_stream_content(fake, session):
    plain = completion(fake, session)["choices"][0]["message"]["content"]
    response, chunks = stream(fake, session)
    assert response.headers["Content-Type"] == "text/event-stream"
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    pieces = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert len(pieces) == len(plain.split()) and all(piece.strip() for piece in pieces)
    assert content_of(chunks) == plain
    assert chunks[-1]["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    assert len({chunk["id"] for chunk in chunks}) == 1
    assert all("usage" not in chunk for chunk in chunks)


def test_each_event_is_its_own_http_chunk(fake, session):
    response = post(fake, session, body(stream=True), stream=True)
    http_chunks = list(response.raw.read_chunked())
    assert len(http_chunks) > 10
    assert all(chunk.startswith(b"data: ") and chunk.endswith(b"\n\n") for chunk in http_chunks)
    assert all(chunk.count(b"data: ") == 1 for chunk in http_chunks)


def test_stream_usage_chunk_only_when_asked(fake, session):
    usage = completion(fake, session)["usage"]
    _, chunks = stream(fake, session, stream_options={"include_usage": True})
    assert all(chunk["usage"] is None for chunk in chunks[:-1])
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == usage
    _, chunks = stream(fake, session, stream_options={"include_usage": False})
    assert all("usage" not in chunk for chunk in chunks)


def test_omit_usage(fake, session):
    fake.script(Behaviour(omit_usage=True), Behaviour(omit_usage=True))
    assert "usage" not in completion(fake, session)
    _, chunks = stream(fake, session, stream_options={"include_usage": True})
    assert all("usage" not in chunk for chunk in chunks) and chunks[-1]["choices"]


def test_stream_with_n_and_a_token_limit(fake, session):
    plain = completion(fake, session, n=2, max_tokens=4)
    _, chunks = stream(fake, session, n=2, max_tokens=4)
    for index in (0, 1):
        mine = [chunk for chunk in chunks if chunk["choices"][0]["index"] == index]
        assert content_of(mine) == plain["choices"][index]["message"]["content"]
        assert mine[-1]["choices"][0]["finish_reason"] == "length"


def test_stream_tool_call_arguments_reassemble(fake, session):
    plain = completion(fake, session, tools=[WEATHER], tool_choice="required")
    _, chunks = stream(fake, session, tools=[WEATHER], tool_choice="required")
    assert chunks[0]["choices"][0]["delta"] == {
        "role": "assistant",
        "content": None,
        "refusal": None,
    }
    calls = [
        c["choices"][0]["delta"]["tool_calls"][0]
        for c in chunks
        if "tool_calls" in c["choices"][0]["delta"]
    ]
    header, fragments = calls[0], calls[1:]
    assert header["function"]["arguments"] == "" and header["type"] == "function"
    assert 3 <= len(fragments) <= 6 and all(set(f) == {"index", "function"} for f in fragments)
    streamed = {
        "id": header["id"],
        "type": "function",
        "function": {
            "name": header["function"]["name"],
            "arguments": "".join(f["function"]["arguments"] for f in fragments),
        },
    }
    assert [streamed] == plain["choices"][0]["message"]["tool_calls"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_dropped_stream_ends_without_done(fake, session):
    fake.script(Behaviour(drop_after_chunks=3))
    response = post(fake, session, body(stream=True), stream=True)
    received = []
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for line in response.iter_lines():
            received += [line] if line else []
    assert len(received) == 3 and b"data: [DONE]" not in received
    assert completion(fake, session)  # the pooled session recovers on a new connection
    assert fake.wait_until_idle() and fake.completed == 1


def test_client_hanging_up_mid_stream_is_counted_quietly(fake, session, capfd):
    fake.chunk_delay = 0.01  # slow enough that the client leaves long before the end
    response = post(fake, session, body(stream=True), stream=True)
    lines = response.iter_lines()
    assert next(lines).startswith(b"data: ")
    response.close()
    assert fake.wait_until_idle()
    assert (fake.client_disconnects, fake.completed) == (1, 0)
    assert capfd.readouterr().err == ""  # no traceback


def test_first_token_delay_and_chunk_delay_pace_the_stream(fake, session):
    fake.first_token_delay, fake.chunk_delay = 0.2, 0.01
    started = time.monotonic()
    response = post(fake, session, body(stream=True, max_tokens=5), stream=True)
    arrivals = [time.monotonic() - started for _ in response.raw.read_chunked()]
    assert arrivals[1] >= 0.2  # the first token waits first_token_delay
    assert arrivals[-1] >= 0.2 + 5 * 0.01  # then chunk_delay: 4 more words, finish, [DONE]


def test_behaviour_chunk_delay_overrides_the_server_one(fake, session):
    fake.chunk_delay = 5.0
    fake.script(Behaviour(chunk_delay=0))
    _, chunks = stream(fake, session)  # would take minutes with the server's delay
    assert content_of(chunks).startswith("You said")
