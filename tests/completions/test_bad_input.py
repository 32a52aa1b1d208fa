"""Input that cannot be stored (NUL, lone surrogates, NaN, Infinity), JSON nested too deeply
and bodies too large: /api/completions/ answers a 4xx naming the field, before any budget is
held or the upstream is called, and no run is left half-written."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from accounts.services import token_create
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


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body(stream="yes"), "stream"),  # started a stream before
        (body(stream=True, stream_options="yes"), "stream_options"),
        (body(tool_choice={"type": "function", "function": "f"}), "tool_choice"),
        (body(team_id=[]), "team_id"),  # silently charged the default team before
        (body(team_id="acme"), "team_id"),
        (body(provider=[]), "provider"),
    ],
)
def test_fields_of_the_wrong_type_are_400_not_ignored(alice_api, upstream, payload, field):
    response = send(alice_api, payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert_nothing_happened(upstream)


# Hand-made bad bodies, each sent to /api/completions/ and /v1/chat/completions: every answer
# is a 4xx that says what is wrong, none a 5xx, and nothing reaches the upstream. Values are
# JSON text, so NaN and lone surrogates go as a client would send them.
MESSAGES = [{"role": "user", "content": "Hi"}]
BAD_BODIES = [
    ("a list", "[]"),
    ("a string", '"Hi"'),
    ("null", "null"),
    ("a number", "42"),
    ("not JSON", "{oops"),
    ("empty object", "{}"),
    ("model a number", body(model=5)),
    ("model empty", body(model="")),
    ("model too long", body(model="m" * 201)),
    ("model with NUL", body(model="m\u0000")),
    ("messages a string", body(messages="Hi")),
    ("messages empty", body(messages=[])),
    ("too many messages", body(messages=MESSAGES * 501)),
    ("unknown role", body(messages=[{"role": "wizard", "content": "x"}])),
    ("no content", body(messages=[{"role": "user"}])),
    ("content a number", body(messages=[{"role": "user", "content": 5}])),
    ("part without type", body(messages=[{"role": "user", "content": [{"text": "x"}]}])),
    ("tool without call id", body(messages=[{"role": "tool", "content": "x"}])),
    ("tool_calls a string", body(messages=[{"role": "assistant", "tool_calls": "x"}])),
    ("lone surrogate", body(messages=[{"role": "user", "content": "x \ud800"}])),
    ("NUL in content", body(messages=[{"role": "user", "content": "x \u0000"}])),
    ("NUL in a key", body(messages=[{"role": "user", "content": "x", "\u0000": 1}])),
    ("temperature NaN", body(temperature=float("nan"))),
    ("temperature Infinity", body(temperature=float("inf"))),
    ("seed 1e999", json.dumps(body())[:-1] + ', "seed": 1e999}'),
    ("temperature a string", body(temperature="hot")),
    ("temperature 3", body(temperature=3)),
    ("max_tokens 1.5", body(max_tokens=1.5)),
    ("n 99", body(n=99)),
    ("stream yes", body(stream="yes")),
    ("stream null", body(stream=None)),
    ("stream_options yes", body(stream=True, stream_options="yes")),
    ("stream_options without stream", body(stream_options={"include_usage": True})),
    ("tool_choice function a string", body(tool_choice={"type": "function", "function": "f"})),
    ("tool_choice required, no tools", body(tool_choice="required")),
    ("tools a string", body(tools="x")),
    ("tool not a function", body(tools=[{"type": "retrieval"}])),
    ("tool name with spaces", body(tools=[{"type": "function", "function": {"name": "a b"}}])),
    (
        "tool parameters $ref nowhere",
        body(
            tools=[{"type": "function", "function": {"name": "f", "parameters": {"$ref": "#/x"}}}]
        ),
    ),
    ("response_format a string", body(response_format="json")),
    ("json_schema missing", body(response_format={"type": "json_schema"})),
    (
        "schema invalid",
        body(response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": 5}}),
    ),
    ("stop numbers", body(stop=[1, 2])),
    ("logprobs yes", body(logprobs="yes")),
    ("top_logprobs alone", body(top_logprobs=2)),
    ("nested 100,000 deep", nested(100_000)),
    ("nested 101 deep", nested(101)),
]
API_ONLY = [  # /v1 passes fields it does not know through, as SDKs add new ones
    ("team_id a list", body(team_id=[])),
    ("provider a list", body(provider=[])),
    ("variables a string", body(variables="x")),
    ("unknown field", body(temprature=1)),
]


def _problem(url: str, response) -> str | None:
    """What is wrong with an answer to a bad body, or None if it is a proper refusal."""
    if not 400 <= response.status_code < 500:
        return f"{response.status_code}"
    if url.startswith("/v1/"):
        message = response.json()["error"]["message"]
    else:
        errors = response.json().get("errors", {})
        message = " ".join(m for messages in errors.values() for m in messages)
    return None if message else f"{response.status_code} with no message"


def test_no_bad_body_gets_a_5xx_or_reaches_the_upstream(alice, upstream):
    _, secret = token_create(user=alice, name="bad bodies")
    client = api_client_for(alice)
    client.raise_request_exception = False  # a bug of ours must show as the 500 it would be
    v1 = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {secret}")
    wrong = []
    for url, requester, bodies in [
        (URL, client, BAD_BODIES + API_ONLY),
        ("/v1/chat/completions", v1, BAD_BODIES),
    ]:
        for name, payload in bodies:
            text = payload if isinstance(payload, str) else json.dumps(payload)
            response = requester.post(url, text, content_type="application/json")
            problem = _problem(url, response)
            if problem:
                wrong.append(f"{url} {name}: {problem}")
    assert not wrong, "\n".join(wrong)
    assert not Run.objects.exists()
    assert not [r for r in upstream.requests if r.path.endswith("/chat/completions")]
