import pytest
from django.core.exceptions import ValidationError

from completions.variables import render_messages, resolve_values, variables_in

MESSAGES = [
    {"role": "system", "content": "You write for {{audience}}."},
    {"role": "user", "content": "Summarise {{ topic }} in {{length}} words for {{audience}}."},
    {"role": "tool", "tool_call_id": "c1", "content": '{"city": "{{city}}"}'},
]


def test_variables_detected_in_order_including_tool_messages():
    assert variables_in(MESSAGES) == ["audience", "topic", "length", "city"]


def test_render_replaces_whitespace_tolerant_placeholders():
    values = {"audience": "kids", "topic": "tides", "length": "50", "city": "Oslo"}
    rendered = render_messages(MESSAGES, values)
    assert rendered[1]["content"] == "Summarise tides in 50 words for kids."
    assert rendered[2] == {"role": "tool", "tool_call_id": "c1", "content": '{"city": "Oslo"}'}
    assert MESSAGES[0]["content"] == "You write for {{audience}}."  # input untouched


def test_escaped_braces_stay_literal():
    messages = [{"role": "user", "content": r"Use \{{name}} syntax, {{name}}."}]
    assert variables_in(messages) == ["name"]
    assert render_messages(messages, {"name": "Ada"})[0]["content"] == "Use {{name}} syntax, Ada."


def test_text_parts_are_rendered():
    messages = [{"role": "user", "content": [{"type": "text", "text": "Hi {{who}}"}]}]
    assert render_messages(messages, {"who": "Bo"})[0]["content"][0]["text"] == "Hi Bo"


def test_defaults_fill_missing_values():
    values = resolve_values(["a", "b"], {"b": {"default": "two"}}, {"a": "one"})
    assert values == {"a": "one", "b": "two"}


def test_missing_variable_without_default_is_an_error_not_empty():
    with pytest.raises(ValidationError) as caught:
        resolve_values(["a", "b"], {}, {"a": "x"})
    assert caught.value.message_dict == {
        "variables.b": ["Missing value (this variable has no default)."]
    }


def test_unknown_variable_is_an_error():
    with pytest.raises(ValidationError) as caught:
        resolve_values(["a"], {}, {"a": "x", "typo": "y"})
    assert "no variable typo" in caught.value.message_dict["variables.typo"][0]


def test_empty_string_is_a_value():
    assert resolve_values(["a"], {}, {"a": ""}) == {"a": ""}
