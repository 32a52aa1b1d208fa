"""POST /api/completions/ against the real local fake upstream: real HTTP, real SSE."""

import json
import time

import pytest
import requests
from jsonschema import Draft202012Validator

from accounts.services import token_create
from completions.models import Run
from demo.fake_upstream import Behaviour
from tests.helpers import (
    UPSTREAM_KEY,
    api_client_for,
    chat,
    post,
    sse_events,
    streamed,
    token_client,
    wait_for,
)
from tests.samples import CITY_SCHEMA, WEATHER_TOOL

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    with open("tests/spec/openai-chat-completions.schema.json") as spec:
        return json.load(spec)


def assert_valid_upstream_request(schema, body):
    validator = Draft202012Validator({**schema, "$ref": "#/$defs/CreateChatCompletionRequest"})
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, [e.message for e in errors]


# Non-streaming


def test_completion_returns_message_usage_and_logs_run(api, alice, upstream, schema):
    response = post(api(alice), chat(temperature=0.2, max_tokens=200, seed=1))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["message"]["content"].startswith("You said")
    assert body["finish_reason"] == "stop"
    assert body["usage"]["source"] == "reported" and body["usage"]["total_tokens"] > 0
    run = Run.objects.get(pk=body["run_id"])
    assert (run.user, run.team, run.status, run.source) == (
        alice,
        alice.personal_team,
        "ok",
        "playground",
    )
    assert run.content == body["message"]["content"]
    assert run.latency_ms is not None and run.finished_at is not None

    sent = upstream.requests[-1]
    assert sent.headers["Authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert_valid_upstream_request(schema, sent.body)
    assert sent.body["temperature"] == 0.2 and "stream_options" not in sent.body


def test_response_reports_server_overhead(api, alice):
    response = post(api(alice), chat())
    assert float(response["X-Octoplay-Overhead-Ms"]) >= 0
    assert "upstream;dur=" in response["Server-Timing"]


def test_token_requests_are_logged_as_api_and_charged_to_the_tokens_team(acme, alice):
    _, secret = token_create(user=alice, name="ci", team=acme)
    body = post(token_client(secret), chat()).json()
    run = Run.objects.get(pk=body["run_id"])
    assert (run.team, run.source) == (acme, "api")


def test_team_id_must_be_one_of_yours(api, acme, charlie):
    response = post(api(charlie), {**chat(), "team_id": str(acme.pk)})
    assert response.status_code == 400 and "team_id" in response.json()["errors"]
    assert not Run.objects.exists()


def test_tool_call_returned_with_null_content(api, alice, upstream, schema):
    response = post(api(alice), chat(tools=[WEATHER_TOOL], tool_choice="required"))
    body = response.json()
    assert body["finish_reason"] == "tool_calls"
    assert body["message"]["content"] is None
    call = body["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    assert "city" in json.loads(call["function"]["arguments"])
    assert_valid_upstream_request(schema, upstream.requests[-1].body)


def test_tool_round_trip_continues_to_text(api, alice, upstream, schema):
    first = post(api(alice), chat(tools=[WEATHER_TOOL])).json()
    call = first["message"]["tool_calls"][0]
    messages = chat()["messages"] + [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": '{"temp_c": 14}'},
    ]
    second = post(api(alice), chat(messages=messages, tools=[WEATHER_TOOL])).json()
    assert second["finish_reason"] == "stop" and "temp_c" in second["message"]["content"]
    assert_valid_upstream_request(schema, upstream.requests[-1].body)


def test_json_schema_output_is_validated_and_valid(api, alice, upstream, schema):
    rf = {
        "type": "json_schema",
        "json_schema": {"name": "city", "schema": CITY_SCHEMA, "strict": True},
    }
    body = post(api(alice), chat(response_format=rf)).json()
    assert body["schema"] == {"valid": True, "error": ""}
    assert set(json.loads(body["message"]["content"])) == {"name", "population", "tags"}
    assert_valid_upstream_request(schema, upstream.requests[-1].body)


def test_json_schema_output_invalid_is_recorded_with_validator_message(api, alice, upstream):
    upstream.script(Behaviour(reply='{"name": "Oslo", "population": -5, "tags": []}'))
    rf = {"type": "json_schema", "json_schema": {"name": "city", "schema": CITY_SCHEMA}}
    body = post(api(alice), chat(response_format=rf)).json()
    assert body["status"] == "ok"
    assert body["schema"]["valid"] is False
    assert "population" in body["schema"]["error"] and "minimum" in body["schema"]["error"]
    assert Run.objects.get(pk=body["run_id"]).schema_valid is False


def test_json_schema_output_not_json_at_all(api, alice, upstream):
    upstream.script(Behaviour(reply="Sure! Here is Oslo."))
    rf = {"type": "json_schema", "json_schema": {"name": "city", "schema": CITY_SCHEMA}}
    body = post(api(alice), chat(response_format=rf)).json()
    assert body["schema"]["valid"] is False and "not valid JSON" in body["schema"]["error"]


def test_tools_and_json_schema_together(api, alice, upstream, schema):
    rf = {"type": "json_schema", "json_schema": {"name": "city", "schema": CITY_SCHEMA}}
    body = post(api(alice), chat(tools=[WEATHER_TOOL], response_format=rf)).json()
    assert body["message"]["tool_calls"] and body["schema"] is None
    assert_valid_upstream_request(schema, upstream.requests[-1].body)


def test_invalid_request_is_400_and_nothing_goes_upstream(api, alice, upstream):
    response = post(api(alice), chat(temperature=9, tool_choice="required"))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"temperature", "tool_choice"}
    assert upstream.requests == [] and not Run.objects.exists()


def test_malformed_json_body_is_400(api, alice):
    response = api(alice).generic(
        "POST", "/api/completions/", "{oops", content_type="application/json"
    )
    assert response.status_code == 400


def test_non_object_body_is_400(api, alice):
    response = api(alice).post("/api/completions/", [1, 2], format="json")
    assert response.status_code == 400


def test_anonymous_cannot_run(api):
    assert post(api(), chat()).status_code == 401


# Streaming


def test_stream_relays_deltas_and_ends_with_summary(api, alice, upstream, schema):
    response = post(api(alice), chat(stream=True))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    events = sse_events(response)
    assert events[0][0] == "run"
    deltas = [data["content"] for name, data in events if name == "delta" and "content" in data]
    assert len(deltas) > 5
    name, summary = events[-1]
    assert name == "done" and summary["status"] == "ok"
    assert "".join(deltas) == summary["message"]["content"]
    assert summary["usage"]["source"] == "reported"
    assert summary["ttft_ms"] is not None

    sent = upstream.requests[-1].body
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert_valid_upstream_request(schema, sent)
    run = Run.objects.get(pk=summary["run_id"])
    assert run.stream and run.content == summary["message"]["content"]


def test_stream_matches_non_stream(api, alice):
    plain = post(api(alice), chat()).json()
    streamed = sse_events(post(api(alice), chat(stream=True)))[-1][1]
    assert streamed["message"] == plain["message"]
    assert streamed["usage"]["total_tokens"] == plain["usage"]["total_tokens"]


def test_stream_reassembles_tool_call_arguments(api, alice):
    plain = post(api(alice), chat(tools=[WEATHER_TOOL], tool_choice="required")).json()
    events = sse_events(
        post(api(alice), chat(stream=True, tools=[WEATHER_TOOL], tool_choice="required"))
    )
    pieces = [c["arguments"] for n, d in events if n == "delta" for c in d.get("tool_calls", [])]
    assert len([p for p in pieces if p]) > 1  # really arrived in fragments
    summary = events[-1][1]
    assert summary["message"]["tool_calls"] == plain["message"]["tool_calls"]
    assert summary["finish_reason"] == "tool_calls"


def test_stream_without_usage_records_unknown_not_zero(api, alice, upstream):
    upstream.script(Behaviour(omit_usage=True))
    summary = sse_events(post(api(alice), chat(stream=True)))[-1][1]
    assert summary["status"] == "ok"
    assert summary["usage"] == {
        "prompt_tokens": None,
        "completion_tokens": None,
        "total_tokens": None,
        "source": "unknown",
    }


def test_dropped_stream_keeps_partial_content_and_logs_error(api, alice, upstream):
    upstream.script(Behaviour(drop_after_chunks=4))
    events = sse_events(post(api(alice), chat(stream=True)))
    summary = events[-1][1]
    assert summary["status"] == "error"
    assert summary["error"]["kind"] == "dropped_stream"
    run = Run.objects.get(pk=summary["run_id"])
    assert run.status == "error" and run.content and run.usage == "partial"
    assert run.completion_tokens == len([1 for n, d in events if n == "delta" and d.get("content")])


def test_client_leaving_mid_stream_logs_cancelled_run_with_partial_content(
    live_server, alice, upstream
):
    """A real WSGI server and a real client that hangs up after three deltas."""
    upstream.chunk_delay = 0.02
    _, secret = token_create(user=alice, name="script")
    relayed = []
    with requests.post(
        f"{live_server.url}/api/completions/",
        json=chat(stream=True),
        headers={"Authorization": f"Bearer {secret}"},
        stream=True,
        timeout=5,
    ) as response:
        for line in response.iter_lines():
            if line.startswith(b"data: ") and b'"content"' in line:
                relayed.append(json.loads(line[6:])["content"])
            if len(relayed) == 3:
                break
    wait_for(lambda: Run.objects.filter(status="running").count() == 0)
    wait_for(live_server.idle)  # the request has finished its run
    run = Run.objects.get()
    assert run.status == "cancelled"
    assert run.content.startswith("".join(relayed))
    assert run.usage == "partial" and run.completion_tokens >= 3 and run.finished_at
    full_answer = post(api_client_for(alice), chat()).json()["message"]["content"]
    assert full_answer.startswith(run.content) and len(run.content) < len(full_answer)


def test_heartbeat_sent_while_first_token_is_slow(api, alice, upstream, settings):
    settings.STREAM_HEARTBEAT_SECONDS = 0.05
    upstream.first_token_delay = 0.3
    text = streamed(post(api(alice), chat(stream=True))).decode()
    assert ": keep-alive" in text
    assert text.rstrip().split("\n")[-2] == "event: done"


def test_non_ascii_text_survives_streaming_and_plain(api, alice, upstream):
    text = "Grüße aus 東京 — ça va? 🐙"
    upstream.script(Behaviour(reply=text), Behaviour(reply=text))
    assert post(api(alice), chat()).json()["message"]["content"] == text
    assert sse_events(post(api(alice), chat(stream=True)))[-1][1]["message"]["content"] == text


def test_stream_is_relayed_as_it_arrives_not_buffered(live_server, alice, upstream):
    """Upstream words come 50 ms apart; through Octoplay they must arrive spread out the
    same way, not bunched at the end as a buffering proxy would deliver them."""
    upstream.chunk_delay = 0.05
    _, secret = token_create(user=alice, name="script")
    arrivals = []
    with requests.post(
        f"{live_server.url}/api/completions/",
        json=chat(stream=True),
        headers={"Authorization": f"Bearer {secret}"},
        stream=True,
        timeout=10,
    ) as response:
        for line in response.iter_lines(chunk_size=1):
            if line.startswith(b"data: ") and b'"content"' in line:
                arrivals.append(time.monotonic())
    assert len(arrivals) > 10
    spread = arrivals[-1] - arrivals[0]
    assert spread >= 0.05 * (len(arrivals) - 1) * 0.8, f"deltas bunched: {spread:.3f}s"


def test_variables_fill_placeholders_before_sending(api, alice, upstream):
    messages = [{"role": "user", "content": r"Explain {{ topic }} to {{who}}, not \{{raw}}."}]
    body = {**chat(messages=messages), "variables": {"topic": "tides", "who": "kids"}}
    assert post(api(alice), body).status_code == 200
    sent = upstream.requests[-1].body
    assert sent["messages"][0]["content"] == "Explain tides to kids, not {{raw}}."
    assert "variables" not in sent


def test_missing_variable_is_400_before_anything_is_sent(api, alice, upstream):
    body = {**chat(messages=[{"role": "user", "content": "Hi {{name}}"}]), "variables": {}}
    response = post(api(alice), body)
    assert response.status_code == 400 and "variables.name" in response.json()["errors"]
    assert upstream.requests == [] and not Run.objects.exists()
