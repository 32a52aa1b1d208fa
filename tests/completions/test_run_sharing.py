"""Sharing a run (completions.access, accounts.sharing): private by default; team for every
member; link for anyone holding it, signed in or not, until it is turned off. Its author
shares it; the team's owners/admins may change a run already shared, never a private one."""

import pytest

from accounts import services as accounts_services
from completions.models import Run
from tests.helpers import chat, create_template, post, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs_run(api, bob, acme, upstream):
    """A run bob made in Acme through the real pipeline (the fake upstream answers)."""
    response = post(api(bob), chat(team_id=str(acme.pk)))
    assert response.status_code == 200, response.json()
    return Run.objects.get(pk=response.json()["run_id"])


def share(api, user, run, visibility):
    return api(user).patch(f"/api/runs/{run.pk}/", {"visibility": visibility}, format="json")


def test_a_run_is_private_by_default_and_keeps_its_preview(bobs_run):
    assert bobs_run.visibility == "private"
    assert bobs_run.share_token is None
    assert bobs_run.preview == "Tell me about octopuses"
    assert "You are terse." in bobs_run.prompt_text


@pytest.mark.parametrize(
    ("viewer", "visibility", "status"),
    [
        ("bob", "private", 200),
        ("alice", "private", 404),  # the team's owner does not read a member's private run
        ("dana", "private", 404),
        ("charlie", "private", 404),
        (None, "private", 401),
        ("bob", "team", 200),
        ("alice", "team", 200),
        ("dana", "team", 200),
        ("charlie", "team", 404),
        (None, "team", 401),
        ("alice", "link", 200),
        ("charlie", "link", 404),  # by its id: an outsider needs the link itself
    ],
)
def test_who_reads_a_run_by_its_id(api, bobs_run, visibility, viewer, status, request):
    assert share(api, request.getfixturevalue("bob"), bobs_run, visibility).status_code == 200
    user = request.getfixturevalue(viewer) if viewer else None
    assert api(user).get(f"/api/runs/{bobs_run.pk}/").status_code == status
    if user is not None:
        client = api(user)
        assert client.get(f"/runs/{bobs_run.pk}/").status_code == status


@pytest.mark.parametrize("viewer", ["charlie", None])
def test_anyone_with_the_link_reads_the_run_and_nothing_around_it(
    api, bob, bobs_run, viewer, request
):
    answer = share(api, bob, bobs_run, "link").json()
    token = Run.objects.get(pk=bobs_run.pk).share_token
    assert len(token) >= 40
    assert answer["share_url"].endswith(f"/runs/shared/{token}/")
    client = api(request.getfixturevalue(viewer) if viewer else None)

    shared = client.get(f"/api/runs/shared/{token}/")
    assert shared.status_code == 200
    body = shared.json()
    assert body["request"]["messages"][1]["content"] == "Tell me about octopuses"
    assert body["message"]["content"].startswith("You said:")
    assert not {"team", "user", "response", "share_url", "visibility"} & set(body)

    page = client.get(f"/runs/shared/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tell me about octopuses" in html
    assert f"?shared={token}" in html  # Open in playground, through the link
    assert "Acme" not in html and "Ran by" not in html and 'id="sharing"' not in html
    assert "Add to dataset" not in html
    assert '<meta name="robots" content="noindex, nofollow">' in html


def test_a_teammate_following_the_link_sees_the_run_as_a_member(api, alice, bob, bobs_run):
    share(api, bob, bobs_run, "link")
    token = Run.objects.get(pk=bobs_run.pk).share_token
    html = api(alice).get(f"/runs/shared/{token}/").content.decode()
    assert "Ran by" in html and f"?run={bobs_run.pk}" in html


def test_turning_link_sharing_off_revokes_the_link_and_sharing_again_makes_a_new_one(
    api, bob, charlie, bobs_run
):
    share(api, bob, bobs_run, "link")
    old = Run.objects.get(pk=bobs_run.pk).share_token
    assert share(api, bob, bobs_run, "team").json()["share_url"] is None
    assert api(charlie).get(f"/api/runs/shared/{old}/").status_code == 404
    assert api().get(f"/runs/shared/{old}/").status_code == 404
    share(api, bob, bobs_run, "link")
    new = Run.objects.get(pk=bobs_run.pk).share_token
    assert new != old
    assert api().get(f"/api/runs/shared/{new}/").status_code == 200
    assert api().get(f"/api/runs/shared/{old}/").status_code == 404
    assert api().get("/api/runs/shared/not-a-real-secret/").status_code == 404


def test_sharing_by_link_twice_keeps_the_same_link(api, bob, bobs_run):
    first = share(api, bob, bobs_run, "link").json()["share_url"]
    assert share(api, bob, bobs_run, "link").json()["share_url"] == first


@pytest.mark.parametrize(
    ("actor", "visibility_before", "status"),
    [
        ("bob", "private", 200),  # the author
        ("alice", "private", 404),  # owners/admins never see a member's private run
        ("dana", "private", 404),
        ("alice", "team", 200),  # … but may change one shared (role_can_manage: owner)
        ("dana", "link", 200),  # (admin)
        ("charlie", "team", 404),
    ],
)
def test_who_changes_sharing(api, bob, acme, bobs_run, actor, visibility_before, status, request):
    share(api, bob, bobs_run, visibility_before)
    response = share(api, request.getfixturevalue(actor), bobs_run, "private")
    assert response.status_code == status
    expected = "private" if status == 200 else visibility_before
    assert Run.objects.get(pk=bobs_run.pk).visibility == expected


def test_a_plain_member_reads_but_cannot_change_a_teammates_shared_run(api, alice, bob, acme):
    response = post(api(alice), chat(team_id=str(acme.pk)))
    run = Run.objects.get(pk=response.json()["run_id"])
    share(api, alice, run, "team")
    denied = share(api, bob, run, "link")
    assert denied.status_code == 403
    assert "author" in denied.json()["detail"]
    assert api(bob).get(f"/api/runs/{run.pk}/").json()["share_url"] is None
    assert 'id="sharing"' not in api(bob).get(f"/runs/{run.pk}/").content.decode()
    assert Run.objects.get(pk=run.pk).visibility == "team"


def test_a_bad_visibility_is_a_400_naming_the_field(api, bob, bobs_run):
    response = share(api, bob, bobs_run, "everyone")
    assert response.status_code == 400
    assert "visibility" in response.json()["errors"]


def test_a_removed_member_loses_the_runs_shared_with_the_team(api, alice, bob, acme, bobs_run):
    share(api, bob, bobs_run, "team")
    membership = acme.memberships.get(user=bob)
    accounts_services.member_remove(actor=alice, membership=membership)
    assert api(bob).get(f"/api/runs/{bobs_run.pk}/").status_code == 404
    assert share(api, bob, bobs_run, "link").status_code == 404
    # … and an owner may still take the run back from the team.
    assert share(api, alice, bobs_run, "private").status_code == 200


def test_sharing_form_on_the_run_page(api, bob, bobs_run):
    client = api(bob)
    page = client.get(f"/runs/{bobs_run.pk}/").content.decode()
    assert 'id="sharing"' in page and "Add to dataset" in page
    response = client.post(f"/runs/{bobs_run.pk}/sharing/", {"visibility": "link"}, follow=True)
    assert "Shared by link: anyone holding the link" in response.content.decode()
    run = Run.objects.get(pk=bobs_run.pk)
    page = client.get(f"/runs/{run.pk}/").content.decode()
    assert f"/runs/shared/{run.share_token}/" in page
    client.post(f"/runs/{bobs_run.pk}/sharing/", {"visibility": "nonsense"})
    assert Run.objects.get(pk=bobs_run.pk).visibility == "link"


def test_the_template_link_shows_only_to_whom_may_read_the_template(api, alice, bob, charlie, acme):
    template = create_template(api, alice, acme, visibility="private")
    response = api(alice).post(
        f"/api/templates/{template.pk}/run/",
        {"variables": {"audience": "sailors", "topic": "tides"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    run = Run.objects.get(pk=response.json()["run_id"])
    share(api, alice, run, "link")
    token = Run.objects.get(pk=run.pk).share_token
    template_link = f"/templates/{template.pk}/?v=1"
    assert template_link in api(alice).get(f"/runs/{run.pk}/").content.decode()
    assert api(alice).get(f"/api/runs/{run.pk}/").json()["template"]["name"] == "Explainer"
    for viewer in (bob, charlie, None):
        assert template_link not in api(viewer).get(f"/runs/shared/{token}/").content.decode()
        assert api(viewer).get(f"/api/runs/shared/{token}/").json()["template"] is None
    template.visibility = "link"
    template.save()
    assert template_link in api(charlie).get(f"/runs/shared/{token}/").content.decode()


def test_a_run_token_reads_and_shares_its_runs(api, bob, acme, bobs_run):
    _, secret = accounts_services.token_create(user=bob, name="ci", team=acme)
    client = token_client(secret)
    assert client.get(f"/api/runs/{bobs_run.pk}/").status_code == 200
    assert share(lambda _user: client, bob, bobs_run, "team").status_code == 200
