"""Checks a chat completions request body the way OpenAI does, field by field, so that a
client's mistakes get the same 400s and 404s from the fake upstream as from a real one."""

from typing import Any

from demo.errors import ApiError


def validate_chat_request(body: Any, models: list[str]) -> dict:
    """The request body, if it is one this server can answer; else the ApiError OpenAI sends."""
    if not isinstance(body, dict):
        raise ApiError(
            400,
            "We could not parse the JSON body of your request. The API expects a JSON object.",
        )
    for name in ("model", "messages"):
        if name not in body:
            raise ApiError(
                400,
                f"Missing required parameter: '{name}'.",
                param=name,
                code="missing_required_parameter",
            )
    _require(isinstance(body["model"], str), "model", "a string")
    messages = body["messages"]
    _require(isinstance(messages, list) and messages, "messages", "a non-empty array")
    for message in messages:
        _require(isinstance(message, dict) and "role" in message, "messages", "objects with a role")
    n = body.get("n", 1)
    _require(type(n) is int and 1 <= n <= 128, "n", "an integer from 1 to 128")
    _require(isinstance(body.get("logprobs", False), bool), "logprobs", "a boolean")
    if body.get("top_logprobs") is not None:
        top = body["top_logprobs"]
        _require(type(top) is int and 0 <= top <= 20, "top_logprobs", "an integer from 0 to 20")
        _require(body.get("logprobs") is True, "logprobs", "true when top_logprobs is given")
    for name in ("max_tokens", "max_completion_tokens"):
        if body.get(name) is not None:
            _require(type(body[name]) is int and body[name] >= 1, name, "a positive integer")
    _require(isinstance(body.get("stream_options") or {}, dict), "stream_options", "an object")
    _validate_tools(body)
    _validate_response_format(body.get("response_format"))
    if body["model"] not in models:
        raise ApiError(
            404,
            f"The model `{body['model']}` does not exist or you do not have access to it.",
            code="model_not_found",
        )
    return body


def _require(condition: Any, param: str, expected: str) -> None:
    if not condition:
        raise ApiError(
            400,
            f"Invalid value for '{param}': expected {expected}.",
            param=param,
            code="invalid_value",
        )


def _validate_tools(body: dict) -> None:
    tools = body.get("tools") or []
    _require(isinstance(tools, list), "tools", "an array")
    for tool in tools:
        _require(isinstance(tool, dict), "tools", "an array of objects")
        if tool.get("type") == "function":
            function = tool.get("function")
            _require(
                isinstance(function, dict) and isinstance(function.get("name"), str),
                "tools",
                "function tools with a name",
            )
    choice = body.get("tool_choice") or "auto"
    _require(
        choice in ("none", "auto", "required") or isinstance(choice, dict),
        "tool_choice",
        "'none', 'auto', 'required' or a named tool",
    )


def _validate_response_format(response_format: Any) -> None:
    if response_format is None:
        return
    _require(
        isinstance(response_format, dict)
        and response_format.get("type") in ("text", "json_object", "json_schema"),
        "response_format",
        "an object of type text, json_object or json_schema",
    )
    if response_format["type"] == "json_schema":
        _require(
            isinstance(response_format.get("json_schema"), dict),
            "response_format.json_schema",
            "an object with a name and a schema",
        )
