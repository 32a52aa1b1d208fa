"""Validate a Chat Completions request body before anything goes upstream.

Errors are collected per field, keyed by a path a person can follow
(`messages[2].tool_call_id`, `tools[0].function.parameters`), and raised together as one
`ValidationError`, so a client fixes everything in one round.
"""

import json
import re
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError

from .images import ImageTally, image_part_problem, without_data
from .input_rules import ROOT, value_check
from .models import Run
from .schemas import schema_problem

ROLES = ("system", "developer", "user", "assistant", "tool")
# A run must be able to log it (a CharField's max_length, never None).
MODEL_MAX_LENGTH = cast(int, Run._meta.get_field("model").max_length)
NOT_AN_OBJECT = "The request body must be a JSON object."
NOT_A_BOOLEAN = "Must be true or false."
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# Sampling parameters: (type, min, max); None means unbounded on that side.
NUMBER_RANGES: dict[str, tuple[type, float | None, float | None]] = {
    "temperature": (float, 0, 2),
    "top_p": (float, 0, 1),
    "presence_penalty": (float, -2, 2),
    "frequency_penalty": (float, -2, 2),
    "max_tokens": (int, 1, None),
    "max_completion_tokens": (int, 1, None),
    "seed": (int, None, None),
    "n": (int, 1, 8),
    "top_logprobs": (int, 0, 20),
}
# How hard a reasoning model thinks before it answers (OpenAI's values).
REASONING_EFFORTS = ("minimal", "low", "medium", "high")
KNOWN_FIELDS = {
    "model",
    "messages",
    "stream",
    "stream_options",
    "response_format",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "stop",
    "logprobs",
    "reasoning_effort",
    "user",
    *NUMBER_RANGES,
}


class Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def validate_chat_request(body: Any, *, allow_unknown: bool = False) -> dict:
    """The body, checked; raises ValidationError({field: [messages]}) listing every problem."""
    errors = Errors()
    if not isinstance(body, dict):
        raise ValidationError({ROOT: [NOT_AN_OBJECT]})
    value_check(body)  # NUL, lone surrogates, NaN: named at once, nothing else is reliable
    # Images' data has limits of its own (completions/images.py).
    size = len(json.dumps({**body, "messages": without_data(body.get("messages"))}))
    if size > settings.COMPLETION_MAX_BODY_BYTES:
        errors.add(
            "messages", f"The request is larger than {settings.COMPLETION_MAX_BODY_BYTES} bytes."
        )
    if not allow_unknown:
        for field in sorted(set(body) - KNOWN_FIELDS):
            errors.add(field, "Unknown field. Check the spelling; see the API docs for the list.")

    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        errors.add("model", "Choose a model (a non-empty string).")
    elif len(model) > MODEL_MAX_LENGTH:
        errors.add("model", f"A model name has at most {MODEL_MAX_LENGTH} characters.")
    _check_messages(body.get("messages"), errors)
    tool_names = _check_tools(body.get("tools"), errors)
    _check_tool_choice(body, tool_names, errors)
    _check_response_format(body.get("response_format"), errors)
    _check_numbers(body, errors)
    _check_stream(body, errors)
    _check_stop(body.get("stop"), errors)
    for flag in ("logprobs", "parallel_tool_calls"):
        if flag in body and not isinstance(body[flag], bool):
            errors.add(flag, NOT_A_BOOLEAN)
    if "top_logprobs" in body and body.get("logprobs") is not True:
        errors.add("top_logprobs", "Needs logprobs: true.")
    effort = body.get("reasoning_effort")
    # /v1 (allow_unknown) leaves the values to the upstream: providers add new ones.
    if effort is not None and effort not in REASONING_EFFORTS and not allow_unknown:
        errors.add("reasoning_effort", f"Must be one of: {', '.join(REASONING_EFFORTS)}.")
    if errors:
        raise ValidationError(dict(errors))
    return body


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_numbers(body: dict, errors: Errors) -> None:
    for field, (kind, low, high) in NUMBER_RANGES.items():
        if field not in body or body[field] is None:
            continue
        value = body[field]
        if kind is int and not (isinstance(value, int) and not isinstance(value, bool)):
            errors.add(field, "Must be a whole number.")
        elif not _is_number(value):
            errors.add(field, "Must be a number.")
        elif (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            errors.add(field, f"Must be {bounds} (got {value}).")


def stream_requested(body: Any) -> bool:
    """Whether a request asks for a stream, decided before the rest is checked (a stream and a
    plain answer start differently): anything but an object with a boolean `stream` raises."""
    if not isinstance(body, dict):
        raise ValidationError({ROOT: [NOT_AN_OBJECT]})
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise ValidationError({"stream": [NOT_A_BOOLEAN]})
    return stream


def _check_stream(body: dict, errors: Errors) -> None:
    if "stream" in body and not isinstance(body["stream"], bool):
        errors.add("stream", NOT_A_BOOLEAN)
    options = body.get("stream_options")
    if options is None:
        return
    if not body.get("stream"):
        errors.add("stream_options", "Only allowed with stream: true.")
    elif not isinstance(options, dict) or not isinstance(options.get("include_usage", False), bool):
        errors.add("stream_options", 'Must look like {"include_usage": true}.')


def _check_stop(stop: Any, errors: Errors) -> None:
    if stop is None or isinstance(stop, str):
        return
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop) or len(stop) > 4:
        errors.add("stop", "Must be a string or a list of up to 4 strings.")


def _check_content(
    content: Any, path: str, errors: Errors, *, required: bool, images: ImageTally | None = None
) -> None:
    """A message's content; `images` counts the request's images where they are allowed
    (user messages), None elsewhere."""
    if content is None:
        if required:
            errors.add(path, "Content is required for this role.")
        return
    if isinstance(content, str):
        return
    if isinstance(content, list) and content:
        for index, part in enumerate(content):
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                errors.add(f"{path}[{index}]", 'Each content part needs a "type".')
            elif part["type"] == "text" and not isinstance(part.get("text"), str):
                errors.add(f"{path}[{index}].text", "A text part needs a text string.")
            elif part["type"] == "image_url":
                _check_image(part, f"{path}[{index}]", errors, images)
        return
    errors.add(path, "Must be a string or a non-empty list of content parts.")


def _check_image(part: dict, path: str, errors: Errors, images: ImageTally | None) -> None:
    if images is None:
        errors.add(path, "Images go in user messages only.")
        return
    problem = image_part_problem(part, images)
    if problem is not None:
        where, message = problem
        errors.add(f"{path}.{where}" if where else path, message)


def _check_messages(messages: Any, errors: Errors) -> None:
    if not isinstance(messages, list) or not messages:
        errors.add("messages", "Add at least one message.")
        return
    if len(messages) > settings.COMPLETION_MAX_MESSAGES:
        errors.add("messages", f"At most {settings.COMPLETION_MAX_MESSAGES} messages.")
    images = ImageTally()
    for index, message in enumerate(messages):
        path = f"messages[{index}]"
        if not isinstance(message, dict):
            errors.add(path, "Each message must be an object with a role.")
            continue
        role = message.get("role")
        if role not in ROLES:
            errors.add(f"{path}.role", f"Role must be one of: {', '.join(ROLES)}.")
            continue
        if "name" in message and not isinstance(message["name"], str):
            errors.add(f"{path}.name", "Must be a string.")
        if role == "assistant":
            tool_calls = message.get("tool_calls")
            _check_content(
                message.get("content"), f"{path}.content", errors, required=not tool_calls
            )
            if tool_calls is not None:
                _check_tool_calls(tool_calls, f"{path}.tool_calls", errors)
        elif role == "tool":
            if not isinstance(message.get("tool_call_id"), str) or not message["tool_call_id"]:
                errors.add(
                    f"{path}.tool_call_id", "A tool message needs the id of the call it answers."
                )
            _check_content(message.get("content"), f"{path}.content", errors, required=True)
        else:
            _check_content(
                message.get("content"),
                f"{path}.content",
                errors,
                required=True,
                images=images if role == "user" else None,
            )


def _check_tool_calls(tool_calls: Any, path: str, errors: Errors) -> None:
    if not isinstance(tool_calls, list) or not tool_calls:
        errors.add(path, "Must be a non-empty list of tool calls.")
        return
    for index, call in enumerate(tool_calls):
        call_path = f"{path}[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(call, dict) or not isinstance(call.get("id"), str) or not call["id"]:
            errors.add(f"{call_path}.id", "Each tool call needs an id.")
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            errors.add(f"{call_path}.function.name", "Each tool call needs a function name.")
        elif not isinstance(function.get("arguments"), str):
            errors.add(f"{call_path}.function.arguments", "Arguments must be a JSON string.")


def check_json_schema(schema: Any, path: str, errors: Errors) -> None:
    """A user's schema, as completions.schemas accepts it."""
    problem = schema_problem(schema)
    if problem is not None:
        errors.add(path, problem)


def _check_tools(tools: Any, errors: Errors) -> list[str]:
    if tools is None:
        return []
    if not isinstance(tools, list):
        errors.add("tools", "Must be a list of tools.")
        return []
    names: list[str] = []
    for index, tool in enumerate(tools):
        path = f"tools[{index}]"
        if not isinstance(tool, dict) or tool.get("type") != "function":
            errors.add(f"{path}.type", 'Only function tools are supported: "type": "function".')
            continue
        function = tool.get("function")
        if not isinstance(function, dict):
            errors.add(f"{path}.function", "A function tool needs a function object.")
            continue
        name = function.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            errors.add(f"{path}.function.name", "1-64 letters, digits, underscores or dashes.")
        elif name in names:
            errors.add(f"{path}.function.name", f"Another tool is already called {name}.")
        else:
            names.append(name)
        if "description" in function and not isinstance(function["description"], str):
            errors.add(f"{path}.function.description", "Must be a string.")
        if "parameters" in function:
            check_json_schema(function["parameters"], f"{path}.function.parameters", errors)
    return names


def _check_tool_choice(body: dict, tool_names: list[str], errors: Errors) -> None:
    if "tool_choice" not in body or body["tool_choice"] is None:
        return
    choice = body["tool_choice"]
    if choice in ("none", "auto", "required"):
        if choice != "none" and not tool_names and not errors.get("tools"):
            errors.add("tool_choice", f'"{choice}" needs at least one tool in tools.')
        return
    name = None
    if isinstance(choice, dict) and choice.get("type") == "function":
        function = choice.get("function")
        name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(name, str):
        errors.add(
            "tool_choice",
            'Must be "none", "auto", "required" or {"type": "function", "function": {"name": …}}.',
        )
    elif name not in tool_names:
        errors.add("tool_choice", f"No tool called {name} is defined in tools.")


def _check_response_format(response_format: Any, errors: Errors) -> None:
    if response_format is None:
        return
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind in ("text", "json_object"):
        return
    if kind != "json_schema":
        errors.add("response_format.type", 'Must be "text", "json_object" or "json_schema".')
        return
    spec = response_format.get("json_schema")
    if not isinstance(spec, dict):
        errors.add("response_format.json_schema", "Give a name and a schema.")
        return
    if not isinstance(spec.get("name"), str) or not NAME_PATTERN.match(spec["name"]):
        errors.add(
            "response_format.json_schema.name", "1-64 letters, digits, underscores or dashes."
        )
    if "strict" in spec and not isinstance(spec["strict"], bool | None):
        errors.add("response_format.json_schema.strict", NOT_A_BOOLEAN)
    if "schema" not in spec:
        errors.add("response_format.json_schema.schema", "A JSON Schema is required.")
    else:
        check_json_schema(spec["schema"], "response_format.json_schema.schema", errors)
