"""Every bad request is refused with the field at fault named — before any upstream call."""

import pytest
from django.core.exceptions import ValidationError

from completions.validation import validate_chat_request
from tests.samples import WEATHER_TOOL


def body(**overrides):
    return {
        "model": "octo-demo-small",
        "messages": [{"role": "user", "content": "Hi"}],
        **overrides,
    }


def errors_for(request: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        validate_chat_request(request)
    return caught.value.message_dict


def test_a_good_request_passes_unchanged():
    request = body(
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        temperature=0.7,
        top_p=1,
        max_tokens=50,
        seed=7,
        stop=["\n\n"],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "x", "schema": {"type": "object"}, "strict": True},
        },
    )
    assert validate_chat_request(request) == request


@pytest.mark.parametrize(
    ("request_body", "field", "fragment"),
    [
        ({"messages": [{"role": "user", "content": "x"}]}, "model", "Choose a model"),
        (body(messages=[]), "messages", "at least one"),
        (body(messages="hi"), "messages", "at least one"),
        (body(messages=[{"role": "wizard", "content": "x"}]), "messages[0].role", "one of"),
        (body(messages=[{"role": "user"}]), "messages[0].content", "required"),
        (body(messages=[{"role": "system", "content": 5}]), "messages[0].content", "string"),
        (
            body(messages=[{"role": "tool", "content": "42"}]),
            "messages[0].tool_call_id",
            "id of the call",
        ),
        (
            body(messages=[{"role": "assistant", "content": None}]),
            "messages[0].content",
            "required",
        ),
        (
            body(
                messages=[
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"type": "function", "function": {"name": "f", "arguments": "{}"}}
                        ],
                    }
                ]
            ),
            "messages[0].tool_calls[0].id",
            "needs an id",
        ),
        (
            body(
                messages=[
                    {
                        "role": "assistant",
                        "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": {}}}],
                    }
                ]
            ),
            "messages[0].tool_calls[0].function.arguments",
            "JSON string",
        ),
        (
            body(messages=[{"role": "user", "content": [{"text": "no type"}]}]),
            "messages[0].content[0]",
            "type",
        ),
        (body(temperature=3), "temperature", "between 0 and 2"),
        (body(temperature="hot"), "temperature", "number"),
        (body(top_p=-0.1), "top_p", "between 0 and 1"),
        (body(max_tokens=0), "max_tokens", "at least 1"),
        (body(max_tokens=2.5), "max_tokens", "whole number"),
        (body(seed=True), "seed", "whole number"),
        (body(presence_penalty=9), "presence_penalty", "between -2 and 2"),
        (body(n=20), "n", "between 1 and 8"),
        (body(stop=["a", "b", "c", "d", "e"]), "stop", "up to 4"),
        (body(stream="yes"), "stream", "true or false"),
        (body(stream_options={"include_usage": True}), "stream_options", "stream: true"),
        (body(top_logprobs=3), "top_logprobs", "logprobs: true"),
        (body(temprature=1), "temprature", "Unknown field"),
        (
            body(tools=[{"type": "function", "function": {"name": "bad name!"}}]),
            "tools[0].function.name",
            "letters",
        ),
        (body(tools=[{"type": "retrieval"}]), "tools[0].type", "function tools"),
        (body(tools=[WEATHER_TOOL, WEATHER_TOOL]), "tools[1].function.name", "already called"),
        (
            body(
                tools=[
                    {
                        "type": "function",
                        "function": {"name": "f", "parameters": {"type": "objekt"}},
                    }
                ]
            ),
            "tools[0].function.parameters",
            "Not a valid JSON Schema",
        ),
        (body(tool_choice="required"), "tool_choice", "needs at least one tool"),
        (body(tools=[WEATHER_TOOL], tool_choice="always"), "tool_choice", "Must be"),
        (
            body(
                tools=[WEATHER_TOOL], tool_choice={"type": "function", "function": {"name": "nope"}}
            ),
            "tool_choice",
            "No tool called nope",
        ),
        (body(response_format={"type": "xml"}), "response_format.type", "json_schema"),
        (
            body(response_format={"type": "json_schema"}),
            "response_format.json_schema",
            "name and a schema",
        ),
        (
            body(response_format={"type": "json_schema", "json_schema": {"name": "x"}}),
            "response_format.json_schema.schema",
            "required",
        ),
        (
            body(
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "x", "schema": {"type": 12}},
                }
            ),
            "response_format.json_schema.schema",
            "Not a valid JSON Schema",
        ),
        (
            body(
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "has space", "schema": {}},
                }
            ),
            "response_format.json_schema.name",
            "letters",
        ),
    ],
)
def test_bad_input_names_the_field(request_body, field, fragment):
    errors = errors_for(request_body)
    assert field in errors, errors
    assert fragment in " ".join(errors[field])


def test_all_problems_reported_at_once():
    errors = errors_for({"messages": [{"role": "tool"}], "temperature": 5})
    assert {"model", "messages[0].tool_call_id", "messages[0].content", "temperature"} <= set(
        errors
    )


def test_size_limits(settings):
    settings.COMPLETION_MAX_MESSAGES = 3
    errors = errors_for(body(messages=[{"role": "user", "content": "x"}] * 4))
    assert "At most 3 messages" in errors["messages"][0]
    settings.COMPLETION_MAX_BODY_BYTES = 1000
    errors = errors_for(body(messages=[{"role": "user", "content": "x" * 2000}]))
    assert "larger than 1000 bytes" in errors["messages"][0]


def test_non_object_body():
    assert "JSON object" in errors_for(["not", "a", "dict"])["non_field_errors"][0]


def test_unknown_fields_allowed_when_asked():
    assert validate_chat_request(body(metadata={"a": 1}), allow_unknown=True)["metadata"] == {
        "a": 1
    }
