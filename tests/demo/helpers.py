"""Helpers for the fake upstream's tests, which talk to it over real HTTP (real sockets,
real SSE, real timeouts) and check what it sends against OpenAI's own schemas (tests/spec),
so the fake stays faithful to the wire format the site and its tests rely on."""

import json
from pathlib import Path

import requests
from jsonschema import Draft202012Validator

KEY = "sk-fake-upstream-test-key"
MODEL = "octo-demo-small"
SPEC = Path(__file__).resolve().parents[1] / "spec" / "openai-chat-completions.schema.json"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}


def body(**extra) -> dict:
    return {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Tell me about octopuses"},
        ],
        **extra,
    }


def post(fake, session, payload, **kwargs) -> requests.Response:
    return session.post(f"{fake.base_url}/chat/completions", json=payload, timeout=5, **kwargs)


def completion(fake, session, **extra) -> dict:
    response = post(fake, session, body(**extra))
    assert response.status_code == 200, response.text
    assert_matches_spec("CreateChatCompletionResponse", response.json())
    return response.json()


def stream(fake, session, **extra) -> tuple[requests.Response, list[dict]]:
    """The response and its chunks; asserts the stream ended properly with [DONE]."""
    response = post(fake, session, body(stream=True, **extra), stream=True)
    assert response.status_code == 200, response.text
    lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == b"data: [DONE]"
    chunks = [json.loads(line.removeprefix(b"data: ")) for line in lines[:-1]]
    for chunk in chunks:
        assert_matches_spec("CreateChatCompletionStreamResponse", chunk)
    return response, chunks


def content_of(chunks: list[dict]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


def _nullable_as_null(node):
    """The spec is OpenAPI-flavoured: `"nullable": true` there means null is allowed too."""
    if isinstance(node, list):
        return [_nullable_as_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_as_null(value) for key, value in node.items()}
    if node.pop("nullable", None) is True:
        return {"anyOf": [node, {"type": "null"}]}
    return node


SPEC_SCHEMA = _nullable_as_null(json.loads(SPEC.read_text()))


def assert_matches_spec(definition: str, instance) -> None:
    validator = Draft202012Validator({**SPEC_SCHEMA, "$ref": f"#/$defs/{definition}"})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors


def assert_error(response, status: int, *, param=None, code=None, kind="invalid_request_error"):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert_matches_spec("ErrorResponse", response.json())
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == (kind, param, code)
    return error
