"""Structured outputs and tool calls from the fake upstream: JSON that validates against
the request's schema, tool_choice, tool round trips."""

import json

import pytest
from jsonschema import Draft202012Validator

from demo.fake_upstream import Behaviour
from tests.demo.helpers import (
    WEATHER,
    body,
    completion,
    content_of,
    stream,
)

TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string", "pattern": r"^[A-Z][a-z]+/[A-Z][a-z]+$"}},
            "required": ["timezone"],
        },
    },
}
CITY = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "population": {"type": "integer", "minimum": 0},
        "founded": {"type": "string", "format": "date"},
        "districts": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 3},
    },
    "required": ["name", "population", "founded", "districts"],
    "additionalProperties": False,
}


def test_json_schema_content_is_valid(fake, session):
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "city", "schema": CITY, "strict": True},
    }
    content = completion(fake, session, response_format=response_format)["choices"][0]["message"][
        "content"
    ]
    Draft202012Validator(CITY, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        json.loads(content)
    )
    _, chunks = stream(fake, session, response_format=response_format)
    assert content_of(chunks) == content and len(chunks) > 5


def test_json_object_content_is_an_object(fake, session):
    content = completion(fake, session, response_format={"type": "json_object"})["choices"][0][
        "message"
    ]["content"]
    assert json.loads(content)["reply"].startswith("You said")


def test_scripted_reply_can_break_the_schema(fake, session):
    fake.script(Behaviour(reply='{"name": "Oslo"}'))
    response_format = {"type": "json_schema", "json_schema": {"name": "city", "schema": CITY}}
    message = completion(fake, session, response_format=response_format)["choices"][0]["message"]
    assert message["content"] == '{"name": "Oslo"}'


def tool_result_conversation(call: dict) -> list[dict]:
    return body()["messages"] + [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": '{"temp_c": 14}'},
    ]


@pytest.mark.parametrize(
    ("tool_choice", "called"),
    [
        (None, "get_weather"),
        ("auto", "get_weather"),
        ("required", "get_weather"),
        ({"type": "function", "function": {"name": "get_time"}}, "get_time"),
        ("none", None),
    ],
)
def test_tool_choice(fake, session, tool_choice, called):
    extra = {"tools": [WEATHER, TIME]} | ({"tool_choice": tool_choice} if tool_choice else {})
    choice = completion(fake, session, **extra)["choices"][0]
    if called is None:
        assert choice["finish_reason"] == "stop" and "tool_calls" not in choice["message"]
        return
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function" and call["function"]["name"] == called
    assert call["id"].startswith("call_") and len(call["id"]) == len("call_") + 24
    tool = next(t for t in (WEATHER, TIME) if t["function"]["name"] == called)
    Draft202012Validator(tool["function"]["parameters"]).validate(
        json.loads(call["function"]["arguments"])
    )


def test_tool_round_trip_ends_in_text_about_the_result(fake, session):
    call = completion(fake, session, tools=[WEATHER])["choices"][0]["message"]["tool_calls"][0]
    answer = completion(fake, session, tools=[WEATHER], messages=tool_result_conversation(call))
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "stop" and '{"temp_c": 14}' in choice["message"]["content"]
    assert answer["usage"]["prompt_tokens"] > completion(fake, session)["usage"]["prompt_tokens"]


def test_required_tool_choice_calls_even_after_a_tool_result(fake, session):
    call = completion(fake, session, tools=[WEATHER])["choices"][0]["message"]["tool_calls"][0]
    again = completion(
        fake,
        session,
        tools=[WEATHER],
        tool_choice="required",
        messages=tool_result_conversation(call),
    )
    new_call = again["choices"][0]["message"]["tool_calls"][0]
    assert new_call["id"] != call["id"]  # a new turn, a new call id


def test_tool_result_with_json_schema_gives_valid_json(fake, session):
    call = completion(fake, session, tools=[WEATHER])["choices"][0]["message"]["tool_calls"][0]
    response_format = {"type": "json_schema", "json_schema": {"name": "city", "schema": CITY}}
    content = completion(
        fake,
        session,
        tools=[WEATHER],
        messages=tool_result_conversation(call),
        response_format=response_format,
    )["choices"][0]["message"]["content"]
    Draft202012Validator(CITY).validate(json.loads(content))
