"""GET /v1/models on the fake upstream: OpenAI's list shape, the API key, custom models."""

import requests

from demo.fake_upstream import DEFAULT_MODELS, FakeUpstream
from tests.demo.helpers import assert_error, assert_matches_spec, body


def test_models_list(fake, session):
    response = session.get(f"{fake.base_url}/models", timeout=5)
    assert response.status_code == 200
    assert_matches_spec("ListModelsResponse", response.json())
    assert response.json() == {
        "object": "list",
        "data": [
            {"id": model, "object": "model", "created": 1_700_000_000, "owned_by": "octoplay-demo"}
            for model in DEFAULT_MODELS
        ],
    }
    assert DEFAULT_MODELS == ["octo-demo-small", "octo-demo-large"]


def test_models_list_needs_the_key_like_openai(fake):
    response = requests.get(f"{fake.base_url}/models", timeout=5)
    assert_error(response, 401, code="invalid_api_key")


def test_custom_models_and_no_key_required():
    with FakeUpstream(models=["llama-local"]) as server:
        listed = requests.get(f"{server.base_url}/models", timeout=5).json()
        assert [model["id"] for model in listed["data"]] == ["llama-local"]
        answer = requests.post(
            f"{server.base_url}/chat/completions", json=body(model="llama-local"), timeout=5
        )
        assert answer.status_code == 200 and answer.json()["model"] == "llama-local"
