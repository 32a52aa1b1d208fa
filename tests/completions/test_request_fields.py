"""The newer Chat Completions fields on /api/completions/: accepted within their bounds and sent
upstream as given; outside them, a 400 naming the field, and nothing goes upstream."""

import pytest

from accounts.services import token_create
from tests.helpers import chat, post

pytestmark = pytest.mark.django_db

ACCEPTED = {
    "reasoning_effort": "minimal",
    "max_completion_tokens": 64,
    "stop": ["END", "STOP"],
    "n": 2,
    "logprobs": True,
    "top_logprobs": 5,
    "frequency_penalty": -1.5,
    "presence_penalty": 2,
}


def chat_requests(upstream):
    return [r for r in upstream.requests if r.path.endswith("/chat/completions")]


def test_newer_fields_are_accepted_and_passed_upstream(api, alice, upstream):
    response = post(api(alice), chat(**ACCEPTED))
    assert response.status_code == 200, response.json()
    sent = chat_requests(upstream)[-1].body
    assert {field: sent[field] for field in ACCEPTED} == ACCEPTED


@pytest.mark.parametrize("effort", ["minimal", "low", "medium", "high"])
def test_every_reasoning_effort_is_accepted(api, alice, upstream, effort):
    response = post(api(alice), chat(reasoning_effort=effort))
    assert response.status_code == 200, response.json()
    assert chat_requests(upstream)[-1].body["reasoning_effort"] == effort


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("reasoning_effort", "extreme", "minimal, low, medium, high"),
        ("reasoning_effort", 3, "minimal, low, medium, high"),
        ("reasoning_effort", "", "minimal, low, medium, high"),
        ("max_completion_tokens", 0, "at least 1"),
        ("max_completion_tokens", 2.5, "whole number"),
        ("stop", ["a", "b", "c", "d", "e"], "up to 4"),
        ("stop", 7, "string or a list"),
        ("n", 0, "between 1 and 8"),
        ("n", 9, "between 1 and 8"),
        ("logprobs", "yes", "true or false"),
        ("top_logprobs", 21, "between 0 and 20"),
        ("frequency_penalty", -2.5, "between -2 and 2"),
        ("presence_penalty", "high", "number"),
    ],
)
def test_out_of_bounds_is_a_400_naming_the_field(api, alice, upstream, field, value, fragment):
    extra = {"logprobs": True} if field == "top_logprobs" else {}
    response = post(api(alice), chat(**{field: value, **extra}))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field], errors
    assert fragment in " ".join(errors[field])
    assert chat_requests(upstream) == []


def test_top_logprobs_without_logprobs_says_what_it_needs(api, alice, upstream):
    response = post(api(alice), chat(top_logprobs=3))
    assert response.status_code == 400
    assert response.json()["errors"] == {"top_logprobs": ["Needs logprobs: true."]}


def test_v1_leaves_reasoning_effort_values_to_the_upstream(alice, upstream, client):
    _, secret = token_create(user=alice, name="sdk")
    response = client.post(
        "/v1/chat/completions",
        chat(reasoning_effort="xhigh"),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content
    assert chat_requests(upstream)[-1].body["reasoning_effort"] == "xhigh"
