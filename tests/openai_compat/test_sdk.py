"""The official openai SDK pointed at Octoplay's /v1 with a personal token."""

import json

import openai
import pytest

from accounts.services import token_create
from completions.models import Run
from demo.fake_upstream import Behaviour
from tests.samples import CITY_SCHEMA, WEATHER_TOOL

MESSAGES = [{"role": "user", "content": "Tell me about octopuses"}]


@pytest.fixture
def client(live_server, alice):
    _, secret = token_create(user=alice, name="sdk")
    with openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=secret, max_retries=0) as sdk:
        yield sdk  # closing it closes its keep-alive connections to the live server


def test_models_list(client):
    assert {m.id for m in client.models.list()} == {"octo-demo-small", "octo-demo-large"}


def test_non_streaming_completion_is_logged_as_openai(client, alice):
    completion = client.chat.completions.create(model="octo-demo-small", messages=MESSAGES)
    assert completion.choices[0].message.content.startswith("You said")
    assert completion.usage.total_tokens > 0
    run = Run.objects.get()
    assert (run.source, run.user, run.team, run.status) == (
        "openai",
        alice,
        alice.personal_team,
        "ok",
    )
    assert run.upstream_id == completion.id


def test_streaming_without_usage_request_gets_no_usage_chunk(client, upstream):
    chunks = list(
        client.chat.completions.create(model="octo-demo-small", messages=MESSAGES, stream=True)
    )
    assert all(chunk.choices for chunk in chunks)  # the extra usage-only chunk was stripped
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text.startswith("You said")
    assert upstream.requests[-1].body["stream_options"] == {"include_usage": True}
    run = Run.objects.get()
    assert run.usage == "reported" and run.content == text


def test_streaming_with_usage_when_asked(client):
    chunks = list(
        client.chat.completions.create(
            model="octo-demo-small",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0


def test_tools(client):
    completion = client.chat.completions.create(
        model="octo-demo-small", messages=MESSAGES, tools=[WEATHER_TOOL], tool_choice="required"
    )
    call = completion.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and "city" in json.loads(call.function.arguments)


def test_json_schema_response_format(client):
    completion = client.chat.completions.create(
        model="octo-demo-small",
        messages=MESSAGES,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "city", "schema": CITY_SCHEMA, "strict": True},
        },
    )
    assert set(json.loads(completion.choices[0].message.content)) == {"name", "population", "tags"}
    assert Run.objects.get().schema_valid is True


def test_bad_token_raises_authentication_error(live_server, db):
    bad = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="oct_nope", max_retries=0)
    with bad, pytest.raises(openai.AuthenticationError) as caught:
        bad.models.list()
    assert caught.value.body["code"] == "invalid_api_key"


def test_invalid_request_raises_bad_request_error_naming_the_field(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="octo-demo-small", messages=MESSAGES, temperature=5)
    assert caught.value.body["param"] == "temperature"
    assert not Run.objects.exists()


def test_unknown_model_raises_not_found(client):
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-imaginary", messages=MESSAGES)
    assert Run.objects.get().status == "error"


def test_rate_limit_raises_rate_limit_error(client, settings):
    settings.RATE_LIMIT_PER_MINUTE = 1
    client.chat.completions.create(model="octo-demo-small", messages=MESSAGES)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="octo-demo-small", messages=MESSAGES)
    assert int(caught.value.response.headers["Retry-After"]) >= 1


def test_upstream_failure_raises_server_error_and_is_logged(client, upstream, settings):
    settings.UPSTREAM_MAX_RETRIES = 0
    upstream.script(Behaviour(status=503, error_message="overloaded"))
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="octo-demo-small", messages=MESSAGES)
    assert "overloaded" in caught.value.message
    assert Run.objects.get().error_kind == "upstream_down"


def test_team_header_charges_another_of_your_teams(client, acme, alice):
    client.chat.completions.create(
        model="octo-demo-small", messages=MESSAGES, extra_headers={"X-Octoplay-Team": str(acme.pk)}
    )
    assert Run.objects.get().team == acme


def test_team_header_for_a_strangers_team_is_refused(live_server, charlie, acme):
    _, secret = token_create(user=charlie, name="sdk")
    stranger = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=secret, max_retries=0)
    with stranger, pytest.raises(openai.BadRequestError):
        stranger.chat.completions.create(
            model="octo-demo-small",
            messages=MESSAGES,
            extra_headers={"X-Octoplay-Team": str(acme.pk)},
        )
