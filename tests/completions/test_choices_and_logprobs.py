"""Several choices (n) and token logprobs through /api/completions/, from the demo upstream:
every choice in the answer and in the stream's deltas, logprobs kept per token with their
alternatives, streamed or not, and logged on the run."""

import pytest

from accounts.services import token_create
from completions.models import Run
from tests.helpers import chat, post, sse_events

pytestmark = pytest.mark.django_db


def test_n_choices_all_come_back(api, alice, upstream):
    response = post(api(alice), chat(n=3))
    assert response.status_code == 200, response.json()
    answer = response.json()
    assert [choice["index"] for choice in answer["choices"]] == [0, 1, 2]
    assert all(c["message"]["content"] == answer["message"]["content"] for c in answer["choices"])
    assert all(choice["logprobs"] is None for choice in answer["choices"])
    assert upstream.requests[-1].body["n"] == 3


def test_n_choices_stream_as_deltas_of_each_index(api, alice, upstream):
    response = post(api(alice), chat(n=2, stream=True))
    events = sse_events(response)
    indexes = {data["index"] for name, data in events if name == "delta"}
    assert indexes == {0, 1}
    done = events[-1][1]
    assert [choice["index"] for choice in done["choices"]] == [0, 1]
    for choice in done["choices"]:
        streamed = "".join(
            data.get("content", "")
            for name, data in events
            if name == "delta" and data["index"] == choice["index"]
        )
        assert streamed == choice["message"]["content"]


def test_logprobs_come_with_their_alternatives(api, alice, upstream):
    response = post(api(alice), chat(logprobs=True, top_logprobs=3))
    assert response.status_code == 200, response.json()
    answer = response.json()
    tokens = answer["choices"][0]["logprobs"]["content"]
    assert "".join(token["token"] for token in tokens) == answer["message"]["content"]
    for token in tokens:
        assert -1.5 < token["logprob"] <= 0
        assert len(token["top_logprobs"]) == 3
        assert token["top_logprobs"][0]["token"] == token["token"]
        assert sorted(t["logprob"] for t in token["top_logprobs"])[::-1] == [
            t["logprob"] for t in token["top_logprobs"]
        ]
    # Deterministic: the same request gets the same numbers.
    again = post(api(alice), chat(logprobs=True, top_logprobs=3)).json()
    assert again["choices"][0]["logprobs"] == answer["choices"][0]["logprobs"]


def test_streamed_logprobs_arrive_with_each_piece_and_are_logged(api, alice, upstream):
    response = post(api(alice), chat(logprobs=True, top_logprobs=2, stream=True))
    events = sse_events(response)
    deltas = [data for name, data in events if name == "delta" and data.get("content")]
    assert deltas and all(len(delta["logprobs"]) == 1 for delta in deltas)
    assert all(delta["logprobs"][0]["token"] == delta["content"] for delta in deltas)
    done = events[-1][1]
    logged = done["choices"][0]["logprobs"]["content"]
    assert [token["token"] for token in logged] == [delta["content"] for delta in deltas]
    assert Run.objects.get().response["choices"][0]["logprobs"]["content"] == logged
    plain = post(api(alice), chat(logprobs=True, top_logprobs=2)).json()
    assert plain["choices"][0]["logprobs"]["content"] == logged


def test_logprobs_without_top_logprobs_have_no_alternatives(api, alice, upstream):
    answer = post(api(alice), chat(logprobs=True)).json()
    tokens = answer["choices"][0]["logprobs"]["content"]
    assert tokens and all(token["top_logprobs"] == [] for token in tokens)


def test_v1_passes_choices_and_logprobs_through(alice, upstream, client):
    _, secret = token_create(user=alice, name="sdk")
    response = client.post(
        "/v1/chat/completions",
        chat(n=2, logprobs=True, top_logprobs=2),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content
    choices = response.json()["choices"]
    assert [choice["index"] for choice in choices] == [0, 1]
    assert all(len(t["top_logprobs"]) == 2 for t in choices[1]["logprobs"]["content"])
