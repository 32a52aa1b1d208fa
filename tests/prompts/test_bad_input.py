"""Templates refuse text that cannot be stored (NUL, lone surrogates) and numbers JSON can't
carry, in their API bodies, query strings and page forms: a 400 naming the field, nothing
saved, nothing run."""

import json

import pytest

from completions.models import Run
from prompts.models import PromptTemplate, TemplateVersion
from tests.helpers import create_template
from tests.samples import PROMPT

pytestmark = pytest.mark.django_db


def send(client, url, payload):
    """Post JSON text as any client could write it: `\\ud800` escapes and NaN included."""
    return client.post(url, json.dumps(payload), content_type="application/json")


def with_content(text: str) -> dict:
    return {**PROMPT, "messages": [{"role": "user", "content": text}]}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (with_content("Explain \u0000"), "messages[0].content"),
        (with_content("Explain \ud800"), "messages[0].content"),
        ({**PROMPT, "name": "N\udc00"}, "name"),
        (
            {**PROMPT, "variables": {"audience": {"default": "\u0000"}}},
            "variables.audience.default",
        ),
        ({**PROMPT, "params": {"temperature": float("nan")}}, "params.temperature"),
    ],
)
def test_template_with_unstorable_input_is_refused(api, alice, acme, payload, field):
    response = send(
        api(alice), "/api/templates/", {"name": "T", "team_id": str(acme.pk), **payload}
    )
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not PromptTemplate.objects.exists()


def test_new_version_with_a_nul_is_refused(api, alice, acme):
    template = create_template(api, alice, acme)
    response = send(api(alice), f"/api/templates/{template.pk}/versions/", with_content("\u0000"))
    assert response.status_code == 400 and "messages[0].content" in response.json()["errors"]
    assert TemplateVersion.objects.filter(template=template).count() == 1


def test_run_with_an_unstorable_variable_is_refused(api, alice, acme, upstream):
    template = create_template(api, alice, acme)
    response = send(
        api(alice), f"/api/templates/{template.pk}/run/", {"variables": {"topic": "\ud800"}}
    )
    assert response.status_code == 400 and "variables.topic" in response.json()["errors"]
    assert not Run.objects.exists() and not upstream.requests


def test_nul_in_the_search_is_400_on_the_api_and_the_page(api, client, alice):
    response = api(alice).get("/api/templates/?q=a%00b")
    assert response.status_code == 400 and response.json()["errors"] == {
        "q": ["Contains a NUL character (\\u0000); it cannot be stored."]
    }
    client.force_login(alice)
    response = client.get("/templates/?q=%00")
    assert response.status_code == 400 and b"q: Contains a NUL character" in response.content


def test_page_forms_with_a_nul_are_refused(client, api, alice, acme, upstream):
    template = create_template(api, alice, acme)
    client.force_login(alice)
    response = client.post(f"/templates/{template.pk}/settings/", {"name": "New\x00name"})
    assert response.status_code == 400 and b"name: Contains a NUL" in response.content
    response = client.post(f"/templates/{template.pk}/run/", {"version": 1, "var_topic": "\x00"})
    assert response.status_code == 400 and b"var_topic: Contains a NUL" in response.content
    template.refresh_from_db()
    assert template.name == "Explainer" and not Run.objects.exists()
