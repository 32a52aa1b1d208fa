"""The offline fake upstream, over real HTTP: real sockets, real SSE, real timeouts.

Responses are checked against OpenAI's own schemas (tests/spec), so the fake stays faithful
to the wire format the site and its tests rely on.
"""

import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from jsonschema import Draft202012Validator

from demo.fake_upstream import DEFAULT_MODELS, Behaviour, FakeUpstream

KEY = "sk-fake-upstream-test-key"
MODEL = "octo-demo-small"
SPEC = Path(__file__).resolve().parents[1] / "spec" / "openai-chat-completions.schema.json"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string", "pattern": r"^[A-Z][a-z]+/[A-Z][a-z]+$"}},
            "required": ["timezone"],
        },
    },
}
CITY = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "population": {"type": "integer", "minimum": 0},
        "founded": {"type": "string", "format": "date"},
        "districts": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 3},
    },
    "required": ["name", "population", "founded", "districts"],
    "additionalProperties": False,
}


# Fixtures and helpers


@pytest.fixture(scope="module")
def running():
    with FakeUpstream(api_key=KEY) as server:
        yield server


@pytest.fixture
def fake(running):
    # The previous test's last answer may still be counting itself: let it, then start clean.
    assert running.wait_until_idle()
    running.reset()
    return running


@pytest.fixture
def session():
    with requests.Session() as client:
        client.headers["Authorization"] = f"Bearer {KEY}"
        yield client


def body(**extra) -> dict:
    return {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Tell me about octopuses"},
        ],
        **extra,
    }


def post(fake, session, payload, **kwargs) -> requests.Response:
    return session.post(f"{fake.base_url}/chat/completions", json=payload, timeout=5, **kwargs)


def completion(fake, session, **extra) -> dict:
    response = post(fake, session, body(**extra))
    assert response.status_code == 200, response.text
    assert_matches_spec("CreateChatCompletionResponse", response.json())
    return response.json()


def stream(fake, session, **extra) -> tuple[requests.Response, list[dict]]:
    """The response and its chunks; asserts the stream ended properly with [DONE]."""
    response = post(fake, session, body(stream=True, **extra), stream=True)
    assert response.status_code == 200, response.text
    lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == b"data: [DONE]"
    chunks = [json.loads(line.removeprefix(b"data: ")) for line in lines[:-1]]
    for chunk in chunks:
        assert_matches_spec("CreateChatCompletionStreamResponse", chunk)
    return response, chunks


def content_of(chunks: list[dict]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


def _nullable_as_null(node):
    """The spec is OpenAPI-flavoured: `"nullable": true` there means null is allowed too."""
    if isinstance(node, list):
        return [_nullable_as_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_as_null(value) for key, value in node.items()}
    if node.pop("nullable", None) is True:
        return {"anyOf": [node, {"type": "null"}]}
    return node


SPEC_SCHEMA = _nullable_as_null(json.loads(SPEC.read_text()))


def assert_matches_spec(definition: str, instance) -> None:
    validator = Draft202012Validator({**SPEC_SCHEMA, "$ref": f"#/$defs/{definition}"})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors


def assert_error(response, status: int, *, param=None, code=None, kind="invalid_request_error"):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert_matches_spec("ErrorResponse", response.json())
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == (kind, param, code)
    return error


# Models


def test_models_list(fake, session):
    response = session.get(f"{fake.base_url}/models", timeout=5)
    assert response.status_code == 200
    assert_matches_spec("ListModelsResponse", response.json())
    assert response.json() == {
        "object": "list",
        "data": [
            {"id": model, "object": "model", "created": 1_700_000_000, "owned_by": "octoplay-demo"}
            for model in DEFAULT_MODELS
        ],
    }
    assert DEFAULT_MODELS == ["octo-demo-small", "octo-demo-large"]


def test_models_list_needs_the_key_like_openai(fake):
    response = requests.get(f"{fake.base_url}/models", timeout=5)
    assert_error(response, 401, code="invalid_api_key")


def test_custom_models_and_no_key_required():
    with FakeUpstream(models=["llama-local"]) as server:
        listed = requests.get(f"{server.base_url}/models", timeout=5).json()
        assert [model["id"] for model in listed["data"]] == ["llama-local"]
        answer = requests.post(
            f"{server.base_url}/chat/completions", json=body(model="llama-local"), timeout=5
        )
        assert answer.status_code == 200 and answer.json()["model"] == "llama-local"


# Non-streaming answers


def test_reply_is_an_openai_chat_completion(fake, session):
    reply = completion(fake, session)
    assert reply["id"].startswith("chatcmpl-") and reply["object"] == "chat.completion"
    assert reply["model"] == MODEL and reply["system_fingerprint"] == "fp_demo"
    (choice,) = reply["choices"]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop" and choice["logprobs"] is None
    message = choice["message"]
    assert set(message) == {"role", "content", "refusal"}
    assert message["role"] == "assistant" and message["refusal"] is None
    assert message["content"].startswith("You said: Tell me about octopuses")
    assert "**demo reply**" in message["content"] and "\n- " in message["content"]  # Markdown
    usage = reply["usage"]
    assert usage["prompt_tokens"] == 3 + (3 + 3) + (3 + 4)  # priming + per message + words
    assert usage["completion_tokens"] == len(message["content"].split())
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_same_request_same_reply(fake, session):
    first, second = completion(fake, session), completion(fake, session)
    assert first["choices"] == second["choices"] and first["usage"] == second["usage"]
    assert first["id"] != second["id"]


def test_content_parts_and_long_messages_are_quoted(fake, session):
    words = [f"w{number}" for number in range(60)]
    parts = [
        {"type": "text", "text": " ".join(words[:30])},
        {"type": "text", "text": " ".join(words[30:])},
    ]
    content = completion(fake, session, messages=[{"role": "user", "content": parts}])["choices"][
        0
    ]["message"]["content"]
    assert content.startswith(f"You said: {' '.join(words[:40])} …\n")
    assert "w40" not in content


def test_n_gives_identical_choices(fake, session):
    single = completion(fake, session)
    reply = completion(fake, session, n=3)
    assert [choice["index"] for choice in reply["choices"]] == [0, 1, 2]
    assert all(choice["message"] == single["choices"][0]["message"] for choice in reply["choices"])
    assert reply["usage"]["completion_tokens"] == 3 * single["usage"]["completion_tokens"]


@pytest.mark.parametrize("limit", ["max_tokens", "max_completion_tokens"])
def test_token_limit_truncates_with_finish_reason_length(fake, session, limit):
    full = completion(fake, session)["choices"][0]["message"]["content"]
    reply = completion(fake, session, **{limit: 5})
    content = reply["choices"][0]["message"]["content"]
    assert content == " ".join(full.split()[:5]) and full.startswith(content)
    assert reply["choices"][0]["finish_reason"] == "length"
    assert reply["usage"]["completion_tokens"] == 5


def test_generous_token_limit_is_a_normal_stop(fake, session):
    assert completion(fake, session, max_tokens=1000)["choices"][0]["finish_reason"] == "stop"


# Request errors, in OpenAI's shape


@pytest.mark.parametrize("authorization", [None, "Bearer sk-wrong", KEY])
def test_wrong_or_missing_key_is_401(fake, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.post(
        f"{fake.base_url}/chat/completions", json=body(), headers=headers, timeout=5
    )
    assert response.json() == {
        "error": {
            "message": "Incorrect API key provided.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    assert response.status_code == 401


def test_body_that_is_not_json_is_400(fake, session):
    response = session.post(
        f"{fake.base_url}/chat/completions",
        data=b"{oops",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert "could not parse the JSON body" in assert_error(response, 400)["message"]


@pytest.mark.parametrize("missing", ["model", "messages"])
def test_missing_required_field_is_400_naming_it(fake, session, missing):
    payload = {key: value for key, value in body().items() if key != missing}
    error = assert_error(
        post(fake, session, payload), 400, param=missing, code="missing_required_parameter"
    )
    assert missing in error["message"]


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"messages": []}, "messages"),
        ({"n": 0}, "n"),
        ({"max_tokens": "many"}, "max_tokens"),
        ({"response_format": {"type": "xml"}}, "response_format"),
        ({"tools": [WEATHER], "tool_choice": "sometimes"}, "tool_choice"),
        (
            {"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "nope"}}},
            "tool_choice",
        ),
    ],
)
def test_invalid_fields_are_400_naming_them(fake, session, extra, param):
    assert_error(post(fake, session, body(**extra)), 400, param=param, code="invalid_value")


def test_unknown_model_is_404(fake, session):
    error = assert_error(
        post(fake, session, body(model="gpt-imaginary")), 404, code="model_not_found"
    )
    assert "gpt-imaginary" in error["message"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/nothing"), ("POST", "/v1/models"), ("GET", "/")]
)
def test_unknown_path_is_404_json(fake, session, method, path):
    url = fake.base_url.removesuffix("/v1") + path
    error = assert_error(session.request(method, url, timeout=5), 404)
    assert error["message"] == f"Invalid URL ({method} {path})"


# Scripted behaviours


def test_scripted_429_with_retry_after_then_success(fake, session):
    fake.script(Behaviour(status=429, headers={"Retry-After": "1"}, error_message="slow down"))
    limited = post(fake, session, body())
    error = assert_error(limited, 429, kind="rate_limit_error", code="rate_limit_exceeded")
    assert error["message"] == "slow down" and limited.headers["Retry-After"] == "1"
    assert post(fake, session, body()).status_code == 200
    assert len(fake.requests) == 2


@pytest.mark.parametrize(("status", "message"), [(500, "The server had an error"), (503, None)])
def test_scripted_server_error(fake, session, status, message):
    fake.script(Behaviour(status=status, error_message=message))
    error = assert_error(post(fake, session, body()), status, kind="server_error")
    assert error["message"] == (message or "Service Unavailable")


def test_scripted_errors_skip_the_key_check_like_a_failing_gateway(fake):
    fake.script(Behaviour(status=502))
    response = requests.post(f"{fake.base_url}/chat/completions", json=body(), timeout=5)
    assert_error(response, 502, kind="server_error")


@pytest.mark.parametrize("status", [200, 502])
def test_scripted_raw_body_is_sent_as_is(fake, session, status):
    fake.script(Behaviour(status=status, raw_body=b"<html>not json"))
    response = post(fake, session, body(stream=True))
    assert response.status_code == status and response.content == b"<html>not json"
    assert response.headers["Content-Type"].startswith("text/html")


def test_script_is_first_in_first_out_and_one_shot(fake, session):
    fake.script(Behaviour(status=500), Behaviour(reply="second"))
    fake.script(Behaviour(status=400))
    statuses = [post(fake, session, body()).status_code for _ in range(4)]
    assert statuses == [500, 200, 400, 200]
    assert len(fake.requests) == 4


def test_scripted_reply_replaces_the_content(fake, session):
    fake.script(Behaviour(reply="<script>alert(1)</script> hi"))
    message = completion(fake, session, tools=[WEATHER])["choices"][0]["message"]
    assert message["content"] == "<script>alert(1)</script> hi" and "tool_calls" not in message


def test_delay_trips_the_client_read_timeout_and_the_server_carries_on(fake, session):
    fake.script(Behaviour(delay=1.0))
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.post(f"{fake.base_url}/chat/completions", json=body(), timeout=0.2)
    assert completion(fake, session)["choices"][0]["finish_reason"] == "stop"
    assert len(fake.requests) == 2


def test_concurrent_requests_each_take_one_scripted_behaviour(fake, session):
    fake.script(*[Behaviour(status=500)] * 10)
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda _: post(fake, session, body()).status_code, range(30)))
    assert sorted(statuses) == [200] * 20 + [500] * 10
    assert len(fake.requests) == 30


# Streaming


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


# Structured outputs and tools


def test_json_schema_content_is_valid(fake, session):
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "city", "schema": CITY, "strict": True},
    }
    content = completion(fake, session, response_format=response_format)["choices"][0]["message"][
        "content"
    ]
    Draft202012Validator(CITY, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        json.loads(content)
    )
    _, chunks = stream(fake, session, response_format=response_format)
    assert content_of(chunks) == content and len(chunks) > 5


def test_json_object_content_is_an_object(fake, session):
    content = completion(fake, session, response_format={"type": "json_object"})["choices"][0][
        "message"
    ]["content"]
    assert json.loads(content)["reply"].startswith("You said")


def test_scripted_reply_can_break_the_schema(fake, session):
    fake.script(Behaviour(reply='{"name": "Oslo"}'))
    response_format = {"type": "json_schema", "json_schema": {"name": "city", "schema": CITY}}
    message = completion(fake, session, response_format=response_format)["choices"][0]["message"]
    assert message["content"] == '{"name": "Oslo"}'


def tool_result_conversation(call: dict) -> list[dict]:
    return body()["messages"] + [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": '{"temp_c": 14}'},
    ]


@pytest.mark.parametrize(
    ("tool_choice", "called"),
    [
        (None, "get_weather"),
        ("auto", "get_weather"),
        ("required", "get_weather"),
        ({"type": "function", "function": {"name": "get_time"}}, "get_time"),
        ("none", None),
    ],
)
def test_tool_choice(fake, session, tool_choice, called):
    extra = {"tools": [WEATHER, TIME]} | ({"tool_choice": tool_choice} if tool_choice else {})
    choice = completion(fake, session, **extra)["choices"][0]
    if called is None:
        assert choice["finish_reason"] == "stop" and "tool_calls" not in choice["message"]
        return
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function" and call["function"]["name"] == called
    assert call["id"].startswith("call_") and len(call["id"]) == len("call_") + 24
    tool = next(t for t in (WEATHER, TIME) if t["function"]["name"] == called)
    Draft202012Validator(tool["function"]["parameters"]).validate(
        json.loads(call["function"]["arguments"])
    )


def test_tool_round_trip_ends_in_text_about_the_result(fake, session):
    call = completion(fake, session, tools=[WEATHER])["choices"][0]["message"]["tool_calls"][0]
    answer = completion(fake, session, tools=[WEATHER], messages=tool_result_conversation(call))
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "stop" and '{"temp_c": 14}' in choice["message"]["content"]
    assert answer["usage"]["prompt_tokens"] > completion(fake, session)["usage"]["prompt_tokens"]


def test_required_tool_choice_calls_even_after_a_tool_result(fake, session):
    call = completion(fake, session, tools=[WEATHER])["choices"][0]["message"]["tool_calls"][0]
    again = completion(
        fake,
        session,
        tools=[WEATHER],
        tool_choice="required",
        messages=tool_result_conversation(call),
    )
    new_call = again["choices"][0]["message"]["tool_calls"][0]
    assert new_call["id"] != call["id"]  # a new turn, a new call id


def test_tool_result_with_json_schema_gives_valid_json(fake, session):
    call = completion(fake, session, tools=[WEATHER])["choices"][0]["message"]["tool_calls"][0]
    response_format = {"type": "json_schema", "json_schema": {"name": "city", "schema": CITY}}
    content = completion(
        fake,
        session,
        tools=[WEATHER],
        messages=tool_result_conversation(call),
        response_format=response_format,
    )["choices"][0]["message"]["content"]
    Draft202012Validator(CITY).validate(json.loads(content))


# Connections, recording, lifecycle


def test_keep_alive_reuses_one_connection_even_after_a_stream(fake, session):
    completion(fake, session)
    stream(fake, session)
    completion(fake, session)
    session.get(f"{fake.base_url}/models", timeout=5)
    assert fake.connections == 1


def test_requests_are_recorded(fake, session):
    completion(fake, session, temperature=0.2)
    session.post(f"{fake.base_url}/chat/completions", data=b"{oops", timeout=5)
    sent, junk = fake.requests
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.body == body(temperature=0.2)
    assert junk.body is None


def test_nothing_is_recorded_when_recording_is_off():
    with FakeUpstream(record=False) as server:
        assert requests.post(f"{server.base_url}/chat/completions", json=body(), timeout=5).ok
        assert server.wait_until_idle()
        assert server.requests == [] and server.completed == 1


def test_reset_clears_script_requests_counters_and_restores_delays(session):
    with FakeUpstream(api_key=KEY, chunk_delay=0.001) as server:
        post(server, session, body())
        assert server.wait_until_idle()  # counters move once the answer is out
        server.script(Behaviour(status=500))
        server.chunk_delay, server.first_token_delay = 1.0, 1.0
        server.reset()
        assert (server.chunk_delay, server.first_token_delay) == (0.001, 0.0)
        assert server.requests == [] and (server.completed, server.connections) == (0, 0)
        assert post(server, session, body()).status_code == 200


def test_stop_closes_idle_keep_alive_connections(session):
    server = FakeUpstream(api_key=KEY).start()
    base_url = server.base_url
    assert session.get(f"{base_url}/models", timeout=5).ok
    server.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(f"{base_url}/models", timeout=5)


def test_base_url_needs_a_started_server():
    with pytest.raises(RuntimeError):
        _ = FakeUpstream().base_url


def test_command_line_serves_until_interrupted():
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "demo.fake_upstream", "--port", "0", "--api-key", KEY],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        response = requests.get(
            f"{base_url}/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=5
        )
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
