"""Templates over the REST API: versions, labels, rendering, runs, forks — and who may do what.

Cast (tests/conftest.py): alice owns Acme, dana is an Acme admin, bob a plain Acme member,
charlie an outsider (a link holder when the template is shared by link), and anonymous.
"""

import pytest

from completions.models import Run
from prompts.models import LabelMove, PromptTemplate, TemplateVersion
from tests.helpers import create_template, sse_events, token_client
from tests.samples import PROMPT

pytestmark = pytest.mark.django_db


def url(template, tail=""):
    return f"/api/templates/{template.pk}/{tail}"


@pytest.fixture
def team_template(api, alice, acme):
    return create_template(api, alice, acme)


# Versions


def test_create_makes_version_one_with_detected_variables(api, alice, team_template):
    body = api(alice).get(url(team_template)).json()
    assert body["latest_version"] == 1 and body["visibility"] == "team"
    version = api(alice).get(url(team_template, "versions/1/")).json()
    assert version["variables"] == {
        "audience": {"default": "engineers", "description": "Who reads it"},
        "topic": {"default": None, "description": ""},
    }


def test_saving_makes_the_next_number_and_old_versions_stay(api, alice, team_template):
    changed = {
        **PROMPT,
        "messages": [{"role": "user", "content": "Now {{topic}}!"}],
        "commit_message": "shorter",
    }
    assert (
        api(alice).post(url(team_template, "versions/"), changed, format="json").json()["number"]
        == 2
    )
    assert (
        api(alice).post(url(team_template, "versions/"), PROMPT, format="json").json()["number"]
        == 3
    )
    numbers = [v["number"] for v in api(alice).get(url(team_template, "versions/")).json()]
    assert numbers == [3, 2, 1]
    assert (
        api(alice).get(url(team_template, "versions/1/")).json()["messages"] == PROMPT["messages"]
    )


def test_versions_are_immutable(team_template):
    version = team_template.versions.get()
    version.commit_message = "rewrite history"
    with pytest.raises(ValueError, match="immutable"):
        version.save()


def test_invalid_prompt_is_400_with_field_errors(api, alice, acme):
    bad = {
        **PROMPT,
        "name": "Bad",
        "team_id": str(acme.pk),
        "params": {"temperature": 5, "colour": 1},
    }
    response = api(alice).post("/api/templates/", bad, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"temperature", "params.colour"}
    assert not PromptTemplate.objects.exists()


def test_reasoning_effort_is_a_template_parameter(api, alice, acme, upstream):
    body = {**PROMPT, "name": "Thinker", "team_id": str(acme.pk)}
    response = api(alice).post(
        "/api/templates/", {**body, "params": {"reasoning_effort": "high"}}, format="json"
    )
    assert response.status_code == 201, response.json()
    template = PromptTemplate.objects.get(name="Thinker")
    assert template.versions.get().params == {"reasoning_effort": "high"}
    bad = {**body, "name": "Overthinker", "params": {"reasoning_effort": "maximal"}}
    response = api(alice).post("/api/templates/", bad, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"reasoning_effort"}


def test_duplicate_name_in_team_is_400(api, alice, acme, team_template):
    body = {**PROMPT, "name": "Explainer", "team_id": str(acme.pk)}
    response = api(alice).post("/api/templates/", body, format="json")
    assert response.status_code == 400 and "already has a template" in response.json()["detail"]


def test_cannot_create_in_a_strangers_team(api, charlie, acme):
    body = {**PROMPT, "name": "Sneaky", "team_id": str(acme.pk)}
    assert api(charlie).post("/api/templates/", body, format="json").status_code == 400


# Labels


def test_labels_move_and_record_history(api, alice, team_template):
    api(alice).post(url(team_template, "versions/"), PROMPT, format="json")
    assert (
        api(alice)
        .put(url(team_template, "labels/production/"), {"version": 1}, format="json")
        .status_code
        == 200
    )
    api(alice).put(url(team_template, "labels/production/"), {"version": 2}, format="json")
    labels = api(alice).get(url(team_template, "labels/")).json()
    assert labels["labels"] == {"production": 2}
    assert [(h["from_version"], h["to_version"], h["moved_by"]) for h in labels["history"]] == [
        (1, 2, "alice"),
        (None, 1, "alice"),
    ]
    # Rollback is one call: point it back.
    api(alice).put(url(team_template, "labels/production/"), {"version": 1}, format="json")
    assert LabelMove.objects.count() == 3


def test_latest_is_implicit_and_reserved(api, alice, team_template):
    response = api(alice).put(url(team_template, "labels/latest/"), {"version": 1}, format="json")
    assert response.status_code == 400


def test_label_to_missing_version_is_400(api, alice, team_template):
    response = api(alice).put(url(team_template, "labels/staging/"), {"version": 9}, format="json")
    assert response.status_code == 400 and "no version 9" in response.json()["detail"]


def test_production_is_protected_from_non_managers(api, bob, acme, alice):
    template = create_template(api, bob, acme, name="Bob's")  # bob is the author but a plain member
    assert (
        api(bob).put(url(template, "labels/staging/"), {"version": 1}, format="json").status_code
        == 200
    )
    assert (
        api(bob).put(url(template, "labels/production/"), {"version": 1}, format="json").status_code
        == 403
    )
    assert (
        api(alice)
        .put(url(template, "labels/production/"), {"version": 1}, format="json")
        .status_code
        == 200
    )


# Rendering and running


def test_render_fills_variables_and_defaults_without_calling_upstream(
    api, alice, team_template, upstream
):
    response = api(alice).post(
        url(team_template, "render/"), {"variables": {"topic": "tides"}}, format="json"
    )
    body = response.json()["request"]
    assert body["messages"][0]["content"] == "You write for engineers."
    assert body["messages"][1]["content"] == "Explain tides briefly."
    assert body["temperature"] == 0.2 and body["model"] == "octo-demo-small"
    assert upstream.requests == []


def test_render_missing_and_unknown_variables_are_400(api, alice, team_template):
    missing = api(alice).post(url(team_template, "render/"), {}, format="json")
    assert missing.status_code == 400 and "variables.topic" in missing.json()["errors"]
    extra = api(alice).post(
        url(team_template, "render/"), {"variables": {"topic": "x", "tpoic": "y"}}, format="json"
    )
    assert extra.status_code == 400 and "variables.tpoic" in extra.json()["errors"]


def test_run_by_label_logs_the_version_and_returns_the_completion_shape(
    api, alice, bob, team_template, upstream
):
    api(alice).post(
        url(team_template, "versions/"), {**PROMPT, "params": {"temperature": 0.9}}, format="json"
    )
    api(alice).put(url(team_template, "labels/production/"), {"version": 1}, format="json")
    response = api(bob).post(
        url(team_template, "run/"),
        {"label": "production", "variables": {"topic": "tides"}},
        format="json",
    )
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    run = Run.objects.get(pk=body["run_id"])
    assert run.template_version == TemplateVersion.objects.get(template=team_template, number=1)
    assert (run.user, run.source) == (bob, "template")
    assert upstream.requests[-1].body["temperature"] == 0.2


def test_run_with_overrides_and_stream(api, alice, team_template, upstream):
    body = {
        "variables": {"topic": "tides"},
        "overrides": {"model": "octo-demo-large", "stream": True, "max_tokens": 20},
    }
    events = sse_events(api(alice).post(url(team_template, "run/"), body, format="json"))
    assert events[-1][1]["status"] == "ok" and events[-1][1]["model"] == "octo-demo-large"
    sent = upstream.requests[-1].body
    assert sent["max_tokens"] == 20 and sent["stream"] is True


def test_unknown_override_is_400(api, alice, team_template):
    body = {"variables": {"topic": "x"}, "overrides": {"messages": []}}
    assert api(alice).post(url(team_template, "run/"), body, format="json").status_code == 400


def test_script_runs_production_label_with_a_bearer_token(api, alice, bob, acme, team_template):
    from accounts.services import token_create

    api(alice).put(url(team_template, "labels/production/"), {"version": 1}, format="json")
    _, secret = token_create(user=bob, name="cron", team=acme)
    body = (
        token_client(secret)
        .post(
            url(team_template, "run/"),
            {"label": "production", "variables": {"topic": "x"}},
            format="json",
        )
        .json()
    )
    run = Run.objects.get(pk=body["run_id"])
    assert (run.source, run.team, run.template_version.number) == ("api", acme, 1)


# Forks


def test_fork_copies_a_version_into_your_workspace(api, alice, bob, team_template):
    api(alice).post(
        url(team_template, "versions/"), {**PROMPT, "commit_message": "v2"}, format="json"
    )
    response = api(bob).post(
        url(team_template, "fork/"),
        {"version": 1, "team_id": str(bob.personal_team.pk)},
        format="json",
    )
    assert response.status_code == 201
    fork = PromptTemplate.objects.get(pk=response.json()["id"])
    assert (fork.team, fork.created_by, fork.name, fork.visibility) == (
        bob.personal_team,
        bob,
        "Explainer (fork)",
        "private",
    )
    assert fork.forked_from.number == 1 and fork.versions.get().messages == PROMPT["messages"]


def test_fork_into_a_team_you_are_not_in_is_400(api, charlie, alice, acme):
    template = create_template(api, alice, acme, visibility="link")
    response = api(charlie).post(url(template, "fork/"), {"team_id": str(acme.pk)}, format="json")
    assert response.status_code == 400


# Who may do what


@pytest.fixture
def private_template(api, alice, acme):
    return create_template(api, alice, acme, name="Private", visibility="private")


@pytest.fixture
def link_template(api, alice, acme):
    return create_template(api, alice, acme, name="Shared", visibility="link")


def client_for(api, who, cast):
    return api(cast[who]) if who != "anonymous" else api()


@pytest.fixture
def cast(alice, bob, dana, charlie):
    return {"alice": alice, "bob": bob, "dana": dana, "charlie": charlie}


RUN = {"variables": {"topic": "x"}}


@pytest.mark.parametrize(
    ("who", "view", "edit", "label", "run", "fork", "delete"),
    [
        ("alice", 200, 201, 200, 200, 201, 204),  # author and owner
        ("dana", 200, 201, 200, 200, 201, 204),  # team admin
        ("bob", 200, 403, 403, 200, 201, 403),  # teammate
        ("charlie", 404, 404, 404, 404, 404, 404),  # other team
        ("anonymous", 404, 401, 401, 401, 401, 401),
    ],
)
def test_team_template_permissions(
    api, cast, team_template, who, view, edit, label, run, fork, delete
):
    client = client_for(api, who, cast)
    assert client.get(url(team_template)).status_code == view
    assert client.post(url(team_template, "versions/"), PROMPT, format="json").status_code == edit
    label_response = client.put(
        url(team_template, "labels/production/"), {"version": 1}, format="json"
    )
    assert label_response.status_code == label
    assert client.post(url(team_template, "run/"), RUN, format="json").status_code == run
    assert client.post(url(team_template, "fork/"), {}, format="json").status_code == fork
    assert client.delete(url(team_template)).status_code == delete


@pytest.mark.parametrize(
    ("who", "view", "edit", "label"),
    [
        ("alice", 200, 201, 200),
        ("dana", 404, 404, 404),
        ("bob", 404, 404, 404),
        ("charlie", 404, 404, 404),
    ],
)
def test_private_template_is_the_authors_alone(api, cast, private_template, who, view, edit, label):
    client = client_for(api, who, cast)
    assert client.get(url(private_template)).status_code == view
    assert (
        client.post(url(private_template, "versions/"), PROMPT, format="json").status_code == edit
    )
    assert (
        client.put(
            url(private_template, "labels/staging/"), {"version": 1}, format="json"
        ).status_code
        == label
    )


@pytest.mark.parametrize(
    ("who", "view", "render", "run", "fork", "edit", "label", "delete"),
    [
        ("charlie", 200, 200, 200, 201, 403, 403, 403),  # link holder, logged in
        ("anonymous", 200, 200, 401, 401, 401, 401, 401),  # link holder, anonymous
        ("bob", 200, 200, 200, 201, 403, 403, 403),
    ],
)
def test_link_template_permissions(
    api, cast, link_template, who, view, render, run, fork, edit, label, delete
):
    client = client_for(api, who, cast)
    assert client.get(url(link_template)).status_code == view
    assert client.get(url(link_template, "versions/1/")).status_code == view
    assert client.post(url(link_template, "render/"), RUN, format="json").status_code == render
    assert client.post(url(link_template, "run/"), RUN, format="json").status_code == run
    assert client.post(url(link_template, "fork/"), {}, format="json").status_code == fork
    assert client.post(url(link_template, "versions/"), PROMPT, format="json").status_code == edit
    assert (
        client.put(url(link_template, "labels/staging/"), {"version": 1}, format="json").status_code
        == label
    )
    assert client.delete(url(link_template)).status_code == delete


def test_link_holder_runs_under_their_own_account(api, charlie, globex, link_template):
    charlie.active_team = globex
    charlie.save()
    body = api(charlie).post(url(link_template, "run/"), RUN, format="json").json()
    run = Run.objects.get(pk=body["run_id"])
    assert (run.user, run.team) == (charlie, globex)


def test_list_shows_own_and_team_templates_never_strangers(
    api, alice, bob, charlie, team_template, private_template, link_template
):
    assert {t["name"] for t in api(bob).get("/api/templates/").json()} == {"Explainer", "Shared"}
    assert {t["name"] for t in api(alice).get("/api/templates/?q=priv").json()} == {"Private"}
    assert api(charlie).get("/api/templates/").json() == []
    assert api(bob).get("/api/templates/?scope=mine").json() == []


def test_teammates_runs_are_charged_to_the_templates_team(api, bob, acme, team_template):
    body = api(bob).post(url(team_template, "run/"), RUN, format="json").json()
    assert Run.objects.get(pk=body["run_id"]).team == acme  # not bob's personal workspace


def test_explicit_team_wins(api, bob, team_template):
    body = {**RUN, "team_id": str(bob.personal_team.pk)}
    run_id = api(bob).post(url(team_template, "run/"), body, format="json").json()["run_id"]
    assert Run.objects.get(pk=run_id).team == bob.personal_team


def test_every_unknown_override_is_named(api, alice, team_template):
    body = {"variables": {"topic": "x"}, "overrides": {"messages": [], "tools": []}}
    errors = api(alice).post(url(team_template, "render/"), body, format="json").json()["errors"]
    assert set(errors) == {"overrides.messages", "overrides.tools"}
