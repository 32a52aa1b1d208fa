"""/v1/chat/completions refuses what cannot be stored or carried (NUL, lone surrogates, NaN,
Infinity, JSON nested too deeply, bodies too large) with a 4xx in OpenAI's error shape naming
the field as `param`, before any budget is held or the upstream is called."""

import json
from decimal import Decimal

import pytest

from accounts.services import token_create
from budgets.models import Budget, BudgetWindow
from completions.models import Run
from tests.helpers import MODEL
from tests.served import free_port

pytestmark = pytest.mark.django_db

URL = "/v1/chat/completions"


def body(**extra) -> dict:
    return {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}], **extra}


def nested(depth: int) -> str:
    return json.dumps(body())[:-1] + ', "metadata": ' + "[" * depth + "]" * depth + "}"


@pytest.fixture
def send(client, alice):
    """Post JSON text as any client could write it (`\\ud800` escapes and NaN included) with
    alice's token; alice has a budget, so a refused request can be seen to hold nothing."""
    Budget.objects.create(team=alice.personal_team, limit=Decimal(10**6))
    _, secret = token_create(user=alice, name="bad input")

    def send(payload):
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return client.post(
            URL, text, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
        )

    return send


def error_of(response) -> dict:
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


def assert_nothing_happened(upstream):
    assert not Run.objects.exists()
    assert not BudgetWindow.objects.exists()  # reserving opens the budget's window first
    assert not [r for r in upstream.requests if r.path.endswith("/chat/completions")]


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        (body(messages=[{"role": "user", "content": "x \ud800"}]), "messages[0].content"),
        (body(messages=[{"role": "user", "content": "x \u0000"}]), "messages[0].content"),
        (body(temperature=float("nan")), "temperature"),
        (body(temperature=float("-inf")), "temperature"),
        (json.dumps(body())[:-1] + ', "seed": 1e999}', "seed"),
        (body(model="m" * 201), "model"),
        (body(model="\ud800"), "model"),
        (body(metadata={"job": "\u0000"}), "metadata.job"),  # passed through, still stored
        (
            body(stream=True, messages=[{"role": "user", "content": "\ud800"}]),
            "messages[0].content",
        ),
        (nested(100_000), None),  # Python's own parser gives up: RecursionError
    ],
)
def test_unstorable_input_is_refused_naming_the_param(send, upstream, payload, param):
    response = send(payload)
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert (error["param"], error["type"]) == (param, "invalid_request_error")
    assert_nothing_happened(upstream)


def test_a_body_too_large_is_413_in_openai_shape(send, upstream, settings):
    text = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = send(body(messages=[{"role": "user", "content": text}]))
    assert response.status_code == 413
    assert "larger than" in error_of(response)["message"]
    assert_nothing_happened(upstream)


def test_valid_unicode_still_goes_through(send):
    response = send(body(messages=[{"role": "user", "content": "\ud83d\udc19"}]))
    assert response.status_code == 200
    assert Run.objects.get().request["messages"][0]["content"] == "\U0001f419"


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        ([{"role": "user", "content": "Hi"}], None),
        ("Hi", None),
        (None, None),
        (body(stream="yes"), "stream"),
        (body(stream=True, stream_options="yes"), "stream_options"),
        (body(tool_choice={"type": "function", "function": "f"}), "tool_choice"),
    ],
)
def test_bodies_of_the_wrong_shape_are_400_not_500(send, upstream, payload, param):
    response = send(json.dumps(payload))
    assert response.status_code == 400, response.content
    assert error_of(response)["param"] == param
    assert_nothing_happened(upstream)


def test_models_when_the_upstream_is_down_is_an_error_not_an_empty_list(client, alice, settings):
    settings.UPSTREAM_MAX_RETRIES = 0
    settings.OCTOPUSX_BASE_URL = f"http://127.0.0.1:{free_port()}/v1"
    _, secret = token_create(user=alice, name="models")
    response = client.get("/v1/models", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 502
    error = error_of(response)
    assert (error["type"], error["code"]) == ("upstream_error", "upstream_unavailable")
    assert "Could not connect" in error["message"]
