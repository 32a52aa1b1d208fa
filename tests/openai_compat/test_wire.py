import json
from decimal import Decimal

import pytest
import requests

from accounts.services import token_create
from budgets.models import Budget
from completions.models import Run
from tests.helpers import streamed, wait_for

pytestmark = pytest.mark.django_db

BODY = {"model": "octo-demo-small", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.fixture
def auth(alice):
    _, secret = token_create(user=alice, name="wire")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def error_of(response) -> dict:
    body = response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    return body["error"]


def test_missing_token_is_401_in_openai_shape(client):
    response = client.get("/v1/models")
    assert response.status_code == 401 and error_of(response)["code"] == "invalid_api_key"


def test_session_login_is_not_enough(client, alice):
    client.force_login(alice)
    assert (
        client.post("/v1/chat/completions", BODY, content_type="application/json").status_code
        == 401
    )


def test_malformed_json_wrong_method_and_unknown_path(client, auth):
    assert (
        client.post(
            "/v1/chat/completions", "{oops", content_type="application/json", **auth
        ).status_code
        == 400
    )
    assert client.get("/v1/chat/completions", **auth).status_code == 405
    response = client.get("/v1/embeddings", **auth)
    assert response.status_code == 404 and "Unknown endpoint" in error_of(response)["message"]


def test_unknown_fields_pass_through_to_the_upstream(client, auth, upstream):
    body = {**BODY, "metadata": {"job": "nightly"}, "store": False}
    assert (
        client.post(
            "/v1/chat/completions", body, content_type="application/json", **auth
        ).status_code
        == 200
    )
    assert upstream.requests[-1].body["metadata"] == {"job": "nightly"}


def test_the_upstreams_body_comes_back_as_is(client, auth):
    body = client.post("/v1/chat/completions", BODY, content_type="application/json", **auth).json()
    assert body["object"] == "chat.completion" and body["system_fingerprint"] == "fp_demo"


def test_budget_refusal_is_insufficient_quota(client, auth, alice):
    Budget.objects.create(team=alice.personal_team, limit=Decimal(1))
    response = client.post("/v1/chat/completions", BODY, content_type="application/json", **auth)
    assert response.status_code == 429 and error_of(response)["type"] == "insufficient_quota"
    assert int(response["Retry-After"]) > 0


def test_a_client_leaving_mid_stream_leaves_exactly_one_run(live_server, alice, upstream):
    upstream.chunk_delay = 0.02
    _, secret = token_create(user=alice, name="wire")
    with requests.post(
        f"{live_server.url}/v1/chat/completions",
        json={**BODY, "stream": True},
        headers={"Authorization": f"Bearer {secret}"},
        stream=True,
        timeout=10,
    ) as response:
        for count, _line in enumerate(response.iter_lines()):
            if count >= 6:
                break
    wait_for(lambda: not Run.objects.filter(status="running").exists())
    wait_for(live_server.idle)  # the request has finished its run
    run = Run.objects.get()
    assert run.status == "cancelled" and run.source == "openai" and run.content


def test_stream_ends_with_done(client, auth):
    response = client.post(
        "/v1/chat/completions", {**BODY, "stream": True}, content_type="application/json", **auth
    )
    text = streamed(response).decode()
    assert text.endswith("data: [DONE]\n\n")
    chunks = [json.loads(line[6:]) for line in text.split("\n\n") if line.startswith("data: {")]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)


def test_v1_answers_carry_security_headers_and_set_no_cookies(client, auth):
    response = client.post("/v1/chat/completions", BODY, content_type="application/json", **auth)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Octoplay-Overhead-Ms"]
    assert not response.cookies


def test_whole_answers_say_their_length_and_streams_do_not(client, auth):
    """A Content-Length lets the server send an answer as it is rather than chunked."""
    answer = client.post("/v1/chat/completions", BODY, content_type="application/json", **auth)
    assert int(answer["Content-Length"]) == len(answer.content)
    refusal = client.get("/v1/models")
    assert refusal.status_code == 401 and int(refusal["Content-Length"]) == len(refusal.content)
    stream = client.post(
        "/v1/chat/completions", {**BODY, "stream": True}, content_type="application/json", **auth
    )
    assert not stream.has_header("Content-Length")
    streamed(stream)
