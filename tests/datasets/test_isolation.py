"""Who reaches a dataset, through every endpoint: its team's owner, admin and members, its
creator, a removed member, a stranger and anonymous callers. Team and private datasets, as
prompts' rule has it: private is its creator's alone; team is every member's to read and
edit; visibility and deletion are for the creator and the team's owners/admins. Membership
is checked on every request, so a removed member loses everything at once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Membership
from accounts.services import member_add, member_remove, user_signup
from completions.models import Run
from datasets.models import Dataset, Item
from tests.helpers import PASSWORD, api_client_for, create_dataset, make_run

pytestmark = pytest.mark.django_db

OK = "ok"  # any 2xx


def asked(user, team) -> Run:
    """A finished run of `user` in `team` that asked something."""
    run = make_run(user, team, timezone.now())
    run.request = {"messages": [{"role": "user", "content": "What are tides?"}]}
    run.save()
    return run


@pytest.fixture
def erin(alice, acme):
    """Another plain Acme member, who made nothing."""
    user = user_signup(username="erin", email="erin@example.com", password=PASSWORD)
    member_add(actor=alice, team=acme, identifier="erin")
    return user


def calls(dataset, item, run):
    """(kind, method, url, body) for every dataset endpoint, the destructive ones last."""
    base = f"/api/datasets/{dataset.pk}"
    one = f"{base}/items/{item.pk}"
    return [
        ("read", "get", f"{base}/", None),
        ("read", "get", f"{base}/items/", None),
        ("read", "get", f"{one}/", None),
        ("read", "get", f"{one}/revisions/", None),
        ("read", "get", f"{base}/export/csv/", None),
        ("read", "get", f"{base}/export/jsonl/", None),
        ("edit", "patch", f"{base}/", {"description": "changed"}),
        ("edit", "post", f"{base}/items/", {"variables": {"q": "new"}}),
        ("edit", "patch", f"{one}/", {"expected": "edited"}),
        ("edit", "post", f"{one}/duplicate/", None),
        ("edit", "post", f"{base}/items/from-run/", {"run_id": str(run.pk)}),
        ("edit", "post", f"{base}/import/", "file"),
        ("manage", "patch", f"{base}/", {"visibility": "team"}),
        ("edit", "delete", f"{one}/", None),
        ("manage", "delete", f"{base}/", None),
    ]


def call(client, method, url, body):
    if body == "file":
        file = SimpleUploadedFile("x.csv", b"q\nimported\n")
        return client.post(url, {"file": file}, format="multipart")
    return getattr(client, method)(url, body, format="json")


def expected_status(allowed: set[str], kind: str, sees: bool, anonymous: bool):
    if anonymous:
        return 401
    if not sees:
        return 404
    return OK if kind in allowed else 403


def check_everything(who, dataset, client, *, sees: bool, allowed: set[str], run):
    item = Item.objects.filter(dataset=dataset).first()
    anonymous = who is None
    for kind, method, url, body in calls(dataset, item, run):
        response = call(client, method, url, body)
        wanted = expected_status(allowed, kind, sees, anonymous)
        got = OK if response.status_code < 300 else response.status_code
        assert got == wanted, (method, url, response.status_code, response.content[:200])


@pytest.fixture
def datasets(api, bob, acme):
    """Two Acme datasets by bob, a plain member: one shared with the team, one private."""
    item = [{"variables": {"q": "tides"}}]
    return {
        "team": create_dataset(api, bob, acme, name="Shared", items=item),
        "private": create_dataset(api, bob, acme, name="Mine", visibility="private", items=item),
    }


ROLES = {
    # who: (sees the team dataset, sees the private one, may also manage the team one)
    "alice": (True, False, True),  # owner
    "dana": (True, False, True),  # admin
    "bob": (True, True, True),  # member, creator
    "erin": (True, False, False),  # member
    "charlie": (False, False, False),  # stranger
}


@pytest.mark.parametrize("which", ["team", "private"])
@pytest.mark.parametrize("who", sorted(ROLES))
def test_every_endpoint_for_every_role(request, datasets, erin, acme, who, which):
    user = request.getfixturevalue(who)
    sees_team, sees_private, manages = ROLES[who]
    sees = sees_team if which == "team" else sees_private
    allowed = {"read", "edit"} | ({"manage"} if manages or which == "private" else set())
    run = asked(user, acme if sees else user.personal_team)
    check_everything(
        who, datasets[which], api_client_for(user), sees=sees, allowed=allowed, run=run
    )
    listed = {row["id"] for row in api_client_for(user).get("/api/datasets/").json()}
    assert (str(datasets[which].pk) in listed) == sees or not Dataset.objects.filter(
        pk=datasets[which].pk
    ).exists()


@pytest.mark.parametrize("which", ["team", "private"])
def test_anonymous_gets_401_everywhere(datasets, bob, acme, which):
    run = asked(bob, acme)
    check_everything(None, datasets[which], api_client_for(), sees=False, allowed=set(), run=run)
    assert api_client_for().get("/api/datasets/").status_code == 401


@pytest.mark.parametrize("which", ["team", "private"])
def test_removed_creator_loses_everything_at_once(datasets, alice, bob, acme, which):
    run = asked(bob, acme)
    client = api_client_for(bob)
    assert client.get(f"/api/datasets/{datasets[which].pk}/").status_code == 200
    member_remove(actor=alice, membership=Membership.objects.get(team=acme, user=bob))
    check_everything("bob", datasets[which], client, sees=False, allowed=set(), run=run)
    assert client.get("/api/datasets/").json() == []
    assert Dataset.objects.filter(pk=datasets[which].pk, description="").exists()


def test_runs_of_others_or_other_teams_cannot_be_added(api, datasets, alice, bob, charlie):
    shared = datasets["team"]
    url = f"/api/datasets/{shared.pk}/items/from-run/"
    bobs_run = make_run(bob, shared.team, timezone.now())
    elsewhere = make_run(alice, alice.personal_team, timezone.now())
    assert api(alice).post(url, {"run_id": str(bobs_run.pk)}, format="json").status_code == 404
    other_team = api(alice).post(url, {"run_id": str(elsewhere.pk)}, format="json")
    assert other_team.status_code == 400 and "dataset_id" in other_team.json()["errors"]


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 201), ("dana", 201), ("bob", 201), ("charlie", 400)]
)
def test_only_members_create_datasets_in_a_team(request, acme, who, status):
    user = request.getfixturevalue(who)
    body = {"name": f"By {who}", "team_id": str(acme.pk)}
    response = api_client_for(user).post("/api/datasets/", body, format="json")
    assert response.status_code == status
    if status == 400:
        assert "team_id" in response.json()["errors"]
    assert api_client_for().post("/api/datasets/", body, format="json").status_code == 401


def test_removed_member_creates_nothing_in_the_team(alice, bob, acme):
    member_remove(actor=alice, membership=Membership.objects.get(team=acme, user=bob))
    body = {"name": "Sneaky", "team_id": str(acme.pk)}
    assert api_client_for(bob).post("/api/datasets/", body, format="json").status_code == 400
    assert not Dataset.objects.filter(team=acme).exists()
