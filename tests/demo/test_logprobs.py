"""Token logprobs from the fake upstream, shaped as OpenAI's spec says, streamed or not."""

import pytest

from tests.demo.helpers import assert_error, body, completion, post, stream


def test_logprobs_match_the_spec_and_spell_the_content(fake, session):
    answer = completion(fake, session, logprobs=True, top_logprobs=4, n=2)
    for choice in answer["choices"]:
        tokens = choice["logprobs"]["content"]
        assert "".join(t["token"] for t in tokens) == choice["message"]["content"]
        assert all(len(t["top_logprobs"]) == 4 for t in tokens)
        assert all(bytes(t["bytes"]).decode() == t["token"] for t in tokens)


def test_streamed_pieces_carry_their_own_logprobs(fake, session):
    plain = completion(fake, session, logprobs=True, top_logprobs=1)
    _, chunks = stream(fake, session, logprobs=True, top_logprobs=1)
    streamed = [
        token
        for chunk in chunks
        if chunk["choices"] and chunk["choices"][0]["logprobs"]
        for token in chunk["choices"][0]["logprobs"]["content"]
    ]
    assert streamed == plain["choices"][0]["logprobs"]["content"]


def test_no_logprobs_unless_asked(fake, session):
    assert completion(fake, session)["choices"][0]["logprobs"] is None


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"top_logprobs": 2}, "logprobs"),
        ({"logprobs": True, "top_logprobs": 21}, "top_logprobs"),
        ({"logprobs": "yes"}, "logprobs"),
    ],
)
def test_bad_logprobs_requests_are_400(fake, session, extra, param):
    response = post(fake, session, body(**extra))
    assert_error(response, 400, param=param, code="invalid_value")
