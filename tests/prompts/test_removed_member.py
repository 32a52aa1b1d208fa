"""A member removed from a team keeps no rights over the team's objects, whatever they
authored: templates (read, versions, labels, visibility, delete, run, fork), runs, budgets,
usage, invite links and tokens. Checked through every endpoint with a token of his own
personal team, and through the pages with his session."""

import pytest
from django.utils import timezone

from accounts.models import Membership, Scope
from accounts.services import member_remove, token_create
from prompts.models import PromptTemplate, TemplateVersion
from tests.helpers import api_client_for, create_template, make_run, token_client


@pytest.fixture
def removed_bob(api, alice, bob, acme):
    """Bob wrote two Acme templates (team and private) and ran one, then Alice removed him."""
    shared = create_template(api, bob, acme, name="Bob's shared")
    private = create_template(api, bob, acme, name="Bob's private", visibility="private")
    run = make_run(bob, acme, timezone.now())
    member_remove(actor=alice, membership=Membership.objects.get(team=acme, user=bob))
    _, secret = token_create(user=bob, name="personal", scopes=Scope.values)  # may do all
    return {"shared": shared, "private": private, "run": run, "token": token_client(secret)}


def _template_calls(template):
    base = f"/api/templates/{template.pk}"
    version = {"messages": [{"role": "user", "content": "Hijacked {{topic}}"}]}
    return [
        ("get", f"{base}/", None),
        ("patch", f"{base}/", {"visibility": "link"}),
        ("delete", f"{base}/", None),
        ("get", f"{base}/versions/", None),
        ("post", f"{base}/versions/", version),
        ("get", f"{base}/versions/1/", None),
        ("get", f"{base}/labels/", None),
        ("put", f"{base}/labels/staging/", {"version": 1}),
        ("post", f"{base}/render/", {"variables": {"topic": "x"}}),
        ("post", f"{base}/run/", {"variables": {"topic": "x"}}),
        ("post", f"{base}/fork/", {}),
    ]


@pytest.mark.parametrize("which", ["shared", "private"])
def test_removed_author_reaches_none_of_his_templates_over_the_api(removed_bob, bob, which):
    template = removed_bob[which]
    for client in (removed_bob["token"], api_client_for(bob)):
        for method, url, body in _template_calls(template):
            response = getattr(client, method)(url, body, format="json")
            assert response.status_code == 404, (method, url, response.status_code)
    template.refresh_from_db()
    assert template.visibility != "link"
    assert TemplateVersion.objects.filter(template=template).count() == 1
    assert not template.labels.exists()


def test_removed_author_does_not_list_or_open_them(removed_bob, bob, client):
    listed = removed_bob["token"].get("/api/templates/").json()
    assert not {item["id"] for item in listed} & {str(t.pk) for t in PromptTemplate.objects.all()}
    client.force_login(bob)
    for which in ("shared", "private"):
        assert client.get(f"/templates/{removed_bob[which].pk}/").status_code == 404


def test_removed_author_of_a_link_template_reads_it_like_anyone_and_changes_nothing(
    api, alice, bob, acme
):
    template = create_template(api, bob, acme, name="Public", visibility="link")
    member_remove(actor=alice, membership=Membership.objects.get(team=acme, user=bob))
    bob_api = api_client_for(bob)
    assert bob_api.get(f"/api/templates/{template.pk}/").status_code == 200
    assert bob_api.get(f"/api/templates/{template.pk}/").json()["permissions"]["can_edit"] is False
    body = {"messages": [{"role": "user", "content": "Hijacked"}]}
    attempts = [
        bob_api.post(f"/api/templates/{template.pk}/versions/", body, format="json"),
        bob_api.put(f"/api/templates/{template.pk}/labels/staging/", {"version": 1}, format="json"),
        bob_api.patch(f"/api/templates/{template.pk}/", {"visibility": "private"}, format="json"),
        bob_api.delete(f"/api/templates/{template.pk}/"),
    ]
    assert [response.status_code for response in attempts] == [403] * 4
    assert template.versions.count() == 1 and PromptTemplate.objects.filter(pk=template.pk)


def test_removed_member_no_longer_reads_his_runs_in_that_team(removed_bob, bob, client):
    run = removed_bob["run"]
    assert removed_bob["token"].get(f"/api/runs/{run.pk}/").status_code == 404
    assert removed_bob["token"].get("/api/runs/").json()["count"] == 0
    client.force_login(bob)
    assert client.get(f"/runs/{run.pk}/").status_code == 404


def test_removed_member_reaches_no_team_endpoint(removed_bob, acme):
    token = removed_bob["token"]
    team = f"/api/teams/{acme.pk}"
    calls = [
        token.get(f"{team}/"),
        token.get(f"{team}/members/"),
        token.get(f"{team}/budgets/"),
        token.post(f"{team}/budgets/", {"limit": "1"}, format="json"),
        token.get(f"{team}/invite-links/"),
        token.get(f"/api/usage/?team={acme.pk}"),
        token.post("/api/completions/", {"model": "m", "team_id": str(acme.pk)}, format="json"),
    ]
    assert [response.status_code for response in calls[:-2]] == [404] * 5
    assert calls[-2].status_code in (403, 404)
    assert calls[-1].status_code == 400 and "team_id" in calls[-1].json()["errors"]
