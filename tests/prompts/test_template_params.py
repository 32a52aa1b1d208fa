"""A template keeps every parameter the playground sets (n, logprobs, top_logprobs, max
completion tokens too), checked like a completion, and its runs send them upstream."""

import pytest

from prompts.models import PromptTemplate
from tests.samples import PROMPT

pytestmark = pytest.mark.django_db

PARAMS = {"n": 2, "logprobs": True, "top_logprobs": 3, "max_completion_tokens": 40}


def test_newer_parameters_are_saved_and_sent(api, alice, acme, upstream):
    body = {**PROMPT, "name": "Sampler", "team_id": str(acme.pk), "params": PARAMS}
    response = api(alice).post("/api/templates/", body, format="json")
    assert response.status_code == 201, response.json()
    template = PromptTemplate.objects.get(name="Sampler")
    assert template.versions.get().params == PARAMS
    run = {"variables": {"topic": "tides"}}
    ran = api(alice).post(f"/api/templates/{template.pk}/run/", run, format="json")
    assert ran.status_code == 200, ran.json()
    sent = [r for r in upstream.requests if r.path.endswith("/chat/completions")][-1].body
    assert {key: sent[key] for key in PARAMS} == PARAMS
    assert len(ran.json()["choices"]) == 2


def test_they_are_checked_like_a_completion(api, alice, acme, upstream):
    body = {**PROMPT, "name": "Greedy", "team_id": str(acme.pk), "params": {"n": 99}}
    response = api(alice).post("/api/templates/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"n"}
