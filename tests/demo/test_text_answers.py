"""The fake upstream's non-streaming text answers: OpenAI's chat.completion shape,
deterministic content and usage, n choices, token limits."""

import pytest

from tests.demo.helpers import MODEL, completion


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
