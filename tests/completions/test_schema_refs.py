"""A user's JSON Schema never makes the server fetch anything: a `$ref` outside the schema
(a URL, a redirect, a file, a closed port) is a 400 naming the field when the request comes
in, checked against a real local HTTP server that counts what reaches it (nothing may);
references inside the schema keep working; size and depth are bounded."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from referencing.exceptions import Unresolvable

from accounts.services import token_create
from completions.models import Run
from completions.schemas import answer_check, schema_validator
from prompts.models import TemplateVersion
from tests.helpers import chat, create_template, post
from tests.samples import CITY_SCHEMA, WEATHER_TOOL
from tests.served import free_port

pytestmark = pytest.mark.django_db

FIELD = "response_format.json_schema.schema"


@pytest.fixture
def listener():
    """A server a `$ref` could name: it answers JSON (or a redirect to it) and counts hits."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            hits.append(self.path)
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/x.json")
                self.end_headers()
                return
            body = b'{"type": "integer", "description": "internal only"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_address[1]}", hits=hits)
    server.shutdown()
    server.server_close()


def answer_format(schema: dict) -> dict:
    return {"type": "json_schema", "json_schema": {"name": "city", "schema": schema}}


def with_ref(ref: str) -> dict:
    return {"type": "object", "properties": {"name": {"$ref": ref}}}


def remote_refs(listener) -> list[str]:
    return [
        f"{listener.url}/x.json",
        f"{listener.url}/redirect",
        f"{listener.url}/x.json#/type",
        f"http://127.0.0.1:{free_port()}/closed.json",  # was a 500: a port scanner
        "file:///etc/passwd",
        "#/nope",
        "#/$defs/missing",
    ]


def test_refs_outside_the_schema_are_400_and_fetch_nothing(api, alice, listener, upstream):
    for ref in remote_refs(listener):
        response = post(api(alice), chat(response_format=answer_format(with_ref(ref))))
        assert response.status_code == 400, (ref, response.content)
        assert "does not point inside this schema" in response.json()["errors"][FIELD][0]
    assert listener.hits == []
    assert not Run.objects.exists() and not upstream.requests


def test_tool_parameters_are_held_to_the_same_rule(api, alice, listener, upstream):
    tool = {**WEATHER_TOOL, "function": {**WEATHER_TOOL["function"]}}
    tool["function"]["parameters"] = with_ref(f"{listener.url}/x.json")
    response = post(api(alice), chat(tools=[tool]))
    assert response.status_code == 400
    assert "tools[0].function.parameters" in response.json()["errors"]
    assert listener.hits == [] and not upstream.requests


def test_v1_answers_400_naming_the_schema(client, alice, listener, upstream):
    _, secret = token_create(user=alice, name="v1")
    response = client.post(
        "/v1/chat/completions",
        chat(response_format=answer_format(with_ref(f"{listener.url}/redirect"))),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 400 and response.json()["error"]["param"] == FIELD
    assert listener.hits == [] and not upstream.requests


def test_templates_refuse_them_and_a_shared_one_saved_before_cannot_run(
    api, alice, charlie, acme, listener, upstream
):
    remote = answer_format(with_ref(f"{listener.url}/x.json"))
    response = api(alice).post(
        "/api/templates/",
        {"name": "T", "team_id": str(acme.pk), "messages": [{"role": "user", "content": "Hi"}]}
        | {"response_format": remote},
        format="json",
    )
    assert response.status_code == 400 and FIELD in response.json()["errors"]
    # A link-shared template whose schema was stored before refs were checked:
    template = create_template(api, alice, acme, visibility="link")
    TemplateVersion.objects.filter(template=template).update(response_format=remote)
    response = api(charlie).post(
        f"/api/templates/{template.pk}/run/", {"variables": {"topic": "refs"}}, format="json"
    )
    assert response.status_code == 400 and FIELD in response.json()["errors"]
    assert listener.hits == [] and not Run.objects.exists() and not upstream.requests


def test_refs_inside_the_schema_still_work(api, alice):
    schema = {
        "$defs": {"name": CITY_SCHEMA["properties"]["name"], "tags": {"type": "array"}},
        **CITY_SCHEMA,
        "properties": {
            **CITY_SCHEMA["properties"],
            "name": {"$ref": "#/$defs/name"},
            "tags": {"$ref": "#/$defs/tags"},
        },
    }
    response = post(api(alice), chat(response_format=answer_format(schema)))
    assert response.status_code == 200, response.json()
    assert response.json()["schema"] == {"valid": True, "error": ""}


def test_schemas_too_deep_or_too_large_are_refused(api, alice, settings, upstream):
    deep: dict = {"type": "string"}
    for _ in range(settings.SCHEMA_MAX_DEPTH // 2 + 1):
        deep = {"type": "object", "properties": {"a": deep}}
    response = post(api(alice), chat(response_format=answer_format(deep)))
    assert "Nested more than" in response.json()["errors"][FIELD][0]
    large = {"type": "object", "description": "x" * settings.SCHEMA_MAX_BYTES}
    response = post(api(alice), chat(response_format=answer_format(large)))
    assert "at most" in response.json()["errors"][FIELD][0]
    assert not upstream.requests


def test_the_validator_and_the_answer_check_never_fetch(listener):
    schema = with_ref(f"{listener.url}/x.json")
    with pytest.raises(Unresolvable):
        schema_validator(schema).validate({"name": 1})
    assert answer_check(answer_format(schema), json.dumps({"name": 1})) == (
        False,
        "The schema refers to another document, which is never fetched.",
    )
    assert listener.hits == []


def test_an_answer_nested_too_deeply_is_a_failed_check_not_a_crash():
    content = "[" * 100_000 + "]" * 100_000
    verdict = answer_check({"type": "json_object"}, content)
    assert verdict == (False, "The answer nests too deeply to be checked.")
    recursive = {"type": "array", "items": {"$ref": "#"}}
    verdict = answer_check(answer_format(recursive), "[" * 900 + "]" * 900)
    assert verdict == (False, "The answer nests too deeply to be checked.")
