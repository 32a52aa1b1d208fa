"""The fake model: what it answers, as pure functions of a validated request body.

The same body always gets the same text, tool call (with schema-valid example arguments)
or JSON, and the same token counts; `wire_format` then puts the answer on the wire."""

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from demo.errors import ApiError
from demo.schema_example import example_for_schema

ECHO_WORDS = 40  # how much of the user's message the demo reply quotes back


@dataclass(frozen=True)
class Answer:
    """One choice's answer, before it is put on the wire (all `n` choices are identical)."""

    content: str | None
    tool_calls: list[dict]
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


# A word with the whitespace before it (or whitespace at the very end): streamed content
# pieces, which join back into the content exactly.
_PIECE = re.compile(r"\s*\S+|\s+")


def pieces(content: str) -> list[str]:
    """The content as streamed pieces (word by word), which join back into it exactly."""
    return _PIECE.findall(content)


def answer_for(body: dict, scripted_reply: str | None = None) -> Answer:
    """The fake model's answer to a validated request body."""
    messages = body["messages"]
    prompt_tokens = count_prompt_tokens(messages)
    tool = None if scripted_reply is not None else tool_to_call(body)
    if tool is not None:
        call = tool_call(tool, messages)
        return Answer(None, [call], "tool_calls", prompt_tokens, _argument_tokens(call))
    content = scripted_reply if scripted_reply is not None else content_for(body)
    content, finish_reason = _truncate(content, _max_tokens(body))
    return Answer(content, [], finish_reason, prompt_tokens, len(content.split()))


def tool_to_call(body: dict) -> dict | None:
    """The function tool the model calls, if any, following `tool_choice`.

    "auto" calls the first tool unless the conversation ends with a tool result, so that a
    tool round trip ends in a text answer."""
    functions = [
        tool["function"]
        for tool in body.get("tools") or []
        if isinstance(tool, dict) and tool.get("type") == "function"
    ]
    choice = body.get("tool_choice") or "auto"
    if not functions or choice == "none":
        return None
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        for function in functions:
            if function["name"] == name:
                return function
        raise ApiError(
            400,
            f"Invalid value for 'tool_choice': no function named {name!r} in 'tools'.",
            param="tool_choice",
            code="invalid_value",
        )
    if choice == "auto" and body["messages"][-1].get("role") == "tool":
        return None
    return functions[0]


def tool_call(function: dict, messages: list) -> dict:
    """A call of `function` with schema-valid example arguments.

    The id hashes the conversation, so a repeated request gets the same call (streamed or
    not) while the next turn of a conversation gets a new id."""
    parameters = function.get("parameters") or {"type": "object", "properties": {}}
    seed = json.dumps([messages, function["name"]], sort_keys=True)
    return {
        "id": "call_" + hashlib.sha256(seed.encode()).hexdigest()[:24],
        "type": "function",
        "function": {
            "name": function["name"],
            "arguments": json.dumps(example_for_schema(parameters)),
        },
    }


def content_for(body: dict) -> str:
    """The assistant's text, shaped by `response_format`."""
    text = _text_reply(body["messages"])
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = response_format["json_schema"].get("schema") or {}
        return json.dumps(example_for_schema(schema))
    if response_format.get("type") == "json_object":
        return json.dumps({"reply": text})
    return text


def _text_reply(messages: list) -> str:
    """A few sentences of Markdown (so demo mode shows it rendered) quoting the user's last
    message, or summarising the tool result that ends the conversation."""
    if messages[-1].get("role") == "tool":
        result = _quote(text_of(messages[-1].get("content")))
        return (
            f"The tool returned: {result}\n\n"
            "Here is a **demo answer** built from that result by Octoplay's offline provider."
        )
    last = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
    images = images_in(last)
    seen = f"I see {images} image{'s' if images != 1 else ''}.\n\n" if images else ""
    return (
        f"You said: {_quote(text_of(last)) or '(nothing)'}\n\n{seen}"
        "This is a **demo reply** from Octoplay's offline provider:\n\n"
        "- no model was called, so it costs nothing;\n"
        "- the same request always gets this same answer.\n\n"
        "Configure an API key to talk to a real model."
    )


def _quote(text: str) -> str:
    words = text.split()
    return " ".join(words[:ECHO_WORDS]) + (" …" if len(words) > ECHO_WORDS else "")


def text_of(content: Any) -> str:
    """The text of a message's content: a string, or an array of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def images_in(content: Any) -> int:
    """How many image parts a message's content holds (the demo never looks at them)."""
    if not isinstance(content, list):
        return 0
    return sum(1 for part in content if isinstance(part, dict) and part.get("type") == "image_url")


def count_prompt_tokens(messages: list) -> int:
    """Words, plus 3 per message, 85 per image (OpenAI's price of a low-detail image) and 3 to
    prime the reply: simple, deterministic, plausible."""
    tokens = 3
    for message in messages:
        content = message.get("content")
        tokens += 3 + len(text_of(content).split()) + 85 * images_in(content)
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict):
                tokens += _argument_tokens(call)
    return tokens


def _argument_tokens(call: dict) -> int:
    arguments = (call.get("function") or {}).get("arguments")
    return len(arguments if isinstance(arguments, str) else "") // 4 + 1


def _max_tokens(body: dict) -> int | None:
    return body.get("max_completion_tokens") or body.get("max_tokens")


def _truncate(content: str, max_tokens: int | None) -> tuple[str, str]:
    """The content cut to `max_tokens` words, and the finish_reason that goes with it."""
    if max_tokens is None or len(content.split()) <= max_tokens:
        return content, "stop"
    return "".join(pieces(content)[:max_tokens]), "length"
