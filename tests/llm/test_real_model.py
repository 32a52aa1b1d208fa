"""Octoplay against a real server with a real model: llama.cpp serving SmolLM2-135M, offline.

The model's words are not stable enough to assert on; the protocol is: shapes, usage,
streaming reassembly, and llama.cpp's grammar-constrained JSON validating against the schema.
"""

import json
from typing import Any

import pytest

from completions.models import Run
from demo.local_model import MODEL_ID
from tests.helpers import post, sse_events

pytestmark = [pytest.mark.llm, pytest.mark.django_db]

# A schema SmolLM2-135M fills validly every time under llama.cpp's grammar: every string
# and array is bounded, so the grammar itself forces the JSON to close. Unbounded, the
# model can ramble inside a string until max_tokens cuts the JSON off (3 in 10 tries with
# an off-topic prompt and max_tokens=100). At most 75 characters of strings plus syntax
# and whitespace stays under ~120 tokens (barring \\u escapes); answers take 40-60, so
# max_tokens=200 costs nothing and leaves headroom.
CITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 30},
        "tags": {
            "type": "array",
            "items": {"type": "string", "maxLength": 15},
            "maxItems": 3,
        },
    },
    "required": ["name", "tags"],
    "additionalProperties": False,
}


def city_request(max_tokens: int = 200, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """A structured-output request that SmolLM2 answers with valid JSON (see CITY_SCHEMA)."""
    return {
        "model": MODEL_ID,
        "messages": [
            {"role": "system", "content": "You answer in JSON."},
            {"role": "user", "content": "Describe Paris: its name and a few tags."},
        ],
        "max_tokens": max_tokens,
        "temperature": 0,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "city", "schema": schema or CITY_SCHEMA, "strict": True},
        },
    }


def ask(**extra) -> dict:
    return {
        "model": "SmolLM2-135M-Instruct",
        "provider": "llama",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Name one colour."},
        ],
        "max_tokens": 24,
        "temperature": 0,
        **extra,
    }


def test_models_of_the_local_provider_are_listed(api, alice, llama_provider):
    groups = {g["provider"]: g for g in api(alice).get("/api/models/").json()}
    assert [m["id"] for m in groups["llama"]["models"]] == ["SmolLM2-135M-Instruct"]


def test_non_streaming_answer_with_usage(api, alice, llama_provider):
    body = post(api(alice), ask()).json()
    assert body["status"] == "ok", body
    assert isinstance(body["message"]["content"], str) and body["message"]["content"].strip()
    assert body["finish_reason"] in ("stop", "length")
    usage = body["usage"]
    assert usage["source"] == "reported"
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert Run.objects.get(pk=body["run_id"]).provider == "llama"


def test_streaming_reassembles_and_records_usage(api, alice, llama_provider):
    events = sse_events(post(api(alice), ask(stream=True)))
    deltas = "".join(d.get("content", "") for name, d in events if name == "delta")
    name, summary = events[-1]
    assert name == "done" and summary["status"] == "ok"
    assert deltas == summary["message"]["content"] and deltas.strip()
    assert summary["usage"]["source"] == "reported" and summary["usage"]["completion_tokens"] > 0
    assert summary["ttft_ms"] is not None


def test_json_schema_output_is_valid(api, alice, llama_provider):
    body = post(api(alice), {**city_request(), "provider": "llama"}).json()
    assert body["status"] == "ok", body
    assert body["schema"] == {"valid": True, "error": ""}
    answer = json.loads(body["message"]["content"])
    assert set(answer) == set(CITY_SCHEMA["required"])
