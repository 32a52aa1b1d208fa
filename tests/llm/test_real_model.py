"""Octoplay against a real server with a real model: llama.cpp serving SmolLM2-135M, offline.

The model's words are not stable enough to assert on; the protocol is: shapes, usage,
streaming reassembly, and llama.cpp's grammar-constrained JSON validating against the schema.
"""

import json

import pytest

from completions.models import Run
from tests.completions.test_completions_api import post, sse_events
from tests.llm.llama import CITY_SCHEMA, city_request

pytestmark = [pytest.mark.llm, pytest.mark.django_db]


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
