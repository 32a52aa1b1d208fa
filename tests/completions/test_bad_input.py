"""Input that cannot be stored (NUL, lone surrogates, NaN, Infinity), JSON nested too deeply
and bodies too large: /api/completions/ answers a 4xx naming the field, before any budget is
held or the upstream is called, and no run is left half-written."""

import json
from decimal import Decimal

import pytest

from budgets.models import Budget, BudgetWindow
from completions.models import Run
from tests.helpers import MODEL, api_client_for

pytestmark = pytest.mark.django_db

URL = "/api/completions/"


def body(**extra) -> dict:
    return {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}], **extra}


def send(client, payload):
    """Post JSON text as any client could write it: `\\ud800` escapes and NaN included."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(URL, text, content_type="application/json")


def nested(depth: int) -> str:
    return json.dumps(body())[:-1] + ', "metadata": ' + "[" * depth + "]" * depth + "}"


@pytest.fixture
def alice_api(alice):
    """alice, with a budget, so a refused request can be seen to hold nothing."""
    Budget.objects.create(team=alice.personal_team, limit=Decimal(10**6))
    return api_client_for(alice)


def assert_nothing_happened(upstream):
    assert not Run.objects.exists()
    assert not BudgetWindow.objects.exists()  # reserving opens the budget's window first
    assert not [r for r in upstream.requests if r.path.endswith("/chat/completions")]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body(messages=[{"role": "user", "content": "x \ud800"}]), "messages[0].content"),
        (body(messages=[{"role": "user", "content": "x \udfff y"}]), "messages[0].content"),
        (body(messages=[{"role": "user", "content": "x \u0000 y"}]), "messages[0].content"),
        (
            body(messages=[{"role": "user", "content": [{"type": "text", "text": "\u0000"}]}]),
            "messages[0].content[0].text",
        ),
        (body(temperature=float("nan")), "temperature"),
        (body(max_tokens=float("inf")), "max_tokens"),
        (json.dumps(body())[:-1] + ', "top_p": 1e999}', "top_p"),
        (body(model="m\u0000"), "model"),
        (body(model="m" * 201), "model"),
        (body(stop=["ok", "\ud800"]), "stop[1]"),
        (body(messages=[{"role": "user", "content": "Hi", "\u0000": 1}]), "messages[0]"),
        (
            body(stream=True, messages=[{"role": "user", "content": "\ud800"}]),
            "messages[0].content",
        ),
        (
            body(messages=[{"role": "user", "content": "{{x}}"}], variables={"x": "\u0000"}),
            "variables.x",
        ),
        (nested(100_000), "non_field_errors"),  # Python's own parser gives up: RecursionError
    ],
)
def test_unstorable_input_is_refused_naming_the_field(alice_api, upstream, payload, field):
    response = send(alice_api, payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert_nothing_happened(upstream)


def test_json_deeper_than_the_limit_is_refused_where_it_gets_too_deep(
    alice_api, upstream, settings
):
    response = send(alice_api, nested(settings.INPUT_MAX_DEPTH + 1))
    assert response.status_code == 400
    [field] = response.json()["errors"]
    assert field.startswith("metadata[0][0]") and "Nested more than" in response.json()["detail"]
    assert_nothing_happened(upstream)


def test_a_body_too_large_is_413_in_the_apis_shape(alice_api, upstream, settings):
    text = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = send(alice_api, body(messages=[{"role": "user", "content": text}]))
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert_nothing_happened(upstream)


def test_valid_unicode_and_numbers_still_go_through(alice_api, upstream):
    response = send(alice_api, body(messages=[{"role": "user", "content": "\ud83d\udc19 \u00e9"}]))
    assert response.status_code == 200, response.json()
    assert Run.objects.get().request["messages"][0]["content"] == "\U0001f419 é"


def test_a_model_name_as_long_as_the_column_is_accepted(alice_api):
    response = send(alice_api, body(model="m" * 200))
    assert response.status_code == 404  # unknown to the upstream, but logged in full
    assert Run.objects.get().model == "m" * 200
