import pytest

from accounts.models import Membership, Role, Team

pytestmark = pytest.mark.django_db


def members_url(team):
    return f"/api/teams/{team.pk}/members/"


def member_url(team, username):
    return f"/api/teams/{team.pk}/members/{username}/"


def test_team_list_shows_own_teams_with_roles_personal_first(api, acme, bob):
    response = api(bob).get("/api/teams/")
    assert response.status_code == 200
    assert [(t["name"], t["role"], t["is_personal"]) for t in response.json()] == [
        ("Personal", "owner", True),
        ("Acme", "member", False),
    ]


def test_a_field_of_the_wrong_json_type_is_a_400_naming_it(api, alice):
    """DRF alone would take 0 for a name (as "0")."""
    response = api(alice).post("/api/teams/", {"name": 0}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"name": ["Must be a string."]}
    assert not Team.objects.filter(name="0").exists()


def test_patch_changes_only_what_it_names(api, alice, acme):
    response = api(alice).patch(f"/api/teams/{acme.pk}/", {}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Acme"
    response = api(alice).patch(member_url(acme, "bob"), {}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "member"


def test_outsider_does_not_see_team_in_list(api, acme, charlie, globex):
    names = [t["name"] for t in api(charlie).get("/api/teams/").json()]
    assert "Acme" not in names and "Globex" in names


def test_create_team_makes_creator_owner(api, alice):
    response = api(alice).post("/api/teams/", {"name": "Initech"}, format="json")
    assert response.status_code == 201
    assert response.json()["role"] == "owner"
    team = Team.objects.get(name="Initech")
    assert Membership.objects.get(team=team, user=alice).role == Role.OWNER


def test_duplicate_team_name_is_400_with_field_error(api, acme, charlie):
    response = api(charlie).post("/api/teams/", {"name": "acme"}, format="json")
    assert response.status_code == 400
    assert "already exists" in response.json()["errors"]["name"][0]


def test_missing_team_name_is_400(api, alice):
    response = api(alice).post("/api/teams/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["name"] == ["This field is required."]


def test_malformed_json_is_400_not_500(api, alice):
    response = api(alice).generic(
        "POST", "/api/teams/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_members_listed_for_members(api, acme, bob):
    response = api(bob).get(members_url(acme))
    assert response.status_code == 200
    assert {(m["username"], m["role"]) for m in response.json()} == {
        ("alice", "owner"),
        ("bob", "member"),
        ("dana", "admin"),
    }


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_for_members(api, acme, charlie, method):
    client = api(charlie)
    response = getattr(client, method)(members_url(acme), {"user": "charlie"}, format="json")
    assert response.status_code == 404


def test_anonymous_gets_401_for_api(api, acme):
    response = api().get(members_url(acme))
    assert response.status_code == 401
    assert "credentials" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_owner_adds_member_by_email(api, acme, alice, charlie):
    response = api(alice).post(members_url(acme), {"user": "CHARLIE@example.com"}, format="json")
    assert response.status_code == 201
    assert response.json() == {**response.json(), "username": "charlie", "role": "member"}


def test_admin_adds_member_by_username(api, acme, dana, charlie):
    response = api(dana).post(members_url(acme), {"user": "charlie"}, format="json")
    assert response.status_code == 201


def test_member_cannot_invite(api, acme, bob, charlie):
    response = api(bob).post(members_url(acme), {"user": "charlie"}, format="json")
    assert response.status_code == 403
    assert not Membership.objects.filter(team=acme, user=charlie).exists()


def test_inviting_nonexistent_user_is_400(api, acme, alice):
    response = api(alice).post(members_url(acme), {"user": "nobody"}, format="json")
    assert response.status_code == 400
    assert "No user" in response.json()["errors"]["user"][0]


def test_inviting_existing_member_is_400(api, acme, alice):
    response = api(alice).post(members_url(acme), {"user": "bob"}, format="json")
    assert response.status_code == 400
    assert "already a member" in response.json()["detail"]


def test_bad_role_is_400(api, acme, alice, charlie):
    response = api(alice).post(members_url(acme), {"user": "charlie", "role": "god"}, format="json")
    assert response.status_code == 400
    assert "role" in response.json()["errors"]


def test_admin_cannot_make_owner(api, acme, dana):
    response = api(dana).patch(member_url(acme, "bob"), {"role": "owner"}, format="json")
    assert response.status_code == 403


def test_admin_cannot_change_or_remove_owner(api, acme, dana):
    assert (
        api(dana).patch(member_url(acme, "alice"), {"role": "member"}, format="json").status_code
        == 403
    )
    assert api(dana).delete(member_url(acme, "alice")).status_code == 403


def test_owner_promotes_member(api, acme, alice, bob):
    response = api(alice).patch(member_url(acme, "bob"), {"role": "admin"}, format="json")
    assert response.status_code == 200
    assert Membership.objects.get(team=acme, user=bob).role == Role.ADMIN


def test_last_owner_cannot_be_demoted_or_leave(api, acme, alice):
    response = api(alice).patch(member_url(acme, "alice"), {"role": "member"}, format="json")
    assert response.status_code == 400
    response = api(alice).delete(member_url(acme, "alice"))
    assert response.status_code == 400
    assert "last owner" in response.json()["detail"]
    assert Membership.objects.get(team=acme, user=alice).role == Role.OWNER


def test_second_owner_lets_first_leave(api, acme, alice, bob):
    api(alice).patch(member_url(acme, "bob"), {"role": "owner"}, format="json")
    assert api(alice).delete(member_url(acme, "alice")).status_code == 204
    assert not Membership.objects.filter(team=acme, user=alice).exists()


def test_member_leaves(api, acme, bob):
    assert api(bob).delete(member_url(acme, "bob")).status_code == 204
    assert not Membership.objects.filter(team=acme, user=bob).exists()


def test_member_cannot_remove_others(api, acme, bob):
    assert api(bob).delete(member_url(acme, "dana")).status_code == 403


def test_admin_removes_member_and_their_team_tokens_stop(api, acme, dana, bob):
    from accounts.services import token_authenticate, token_create

    _, secret = token_create(user=bob, name="script", team=acme)
    assert api(dana).delete(member_url(acme, "bob")).status_code == 204
    assert token_authenticate(secret) is None


def test_personal_workspace_cannot_take_members(api, alice):
    personal = alice.personal_team
    response = api(alice).post(members_url(personal), {"user": "staff"}, format="json")
    assert response.status_code == 400
    assert "personal workspace" in response.json()["detail"]


def test_outsider_cannot_patch_or_delete_members(api, acme, charlie):
    assert (
        api(charlie).patch(member_url(acme, "bob"), {"role": "admin"}, format="json").status_code
        == 404
    )
    assert api(charlie).delete(member_url(acme, "bob")).status_code == 404


def test_rename_team_by_owner_only(api, acme, alice, bob):
    assert api(bob).patch(f"/api/teams/{acme.pk}/", {"name": "X"}, format="json").status_code == 403
    response = api(alice).patch(f"/api/teams/{acme.pk}/", {"name": "Acme Corp"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Acme Corp"


def test_me_reports_active_team_and_switches(api, acme, bob):
    client = api(bob)
    assert client.get("/api/me/").json()["active_team"]["is_personal"] is True
    response = client.patch("/api/me/", {"active_team_id": str(acme.pk)}, format="json")
    assert response.status_code == 200
    assert response.json()["active_team"]["name"] == "Acme"


def test_me_cannot_switch_to_a_strangers_team(api, acme, charlie):
    response = api(charlie).patch("/api/me/", {"active_team_id": str(acme.pk)}, format="json")
    assert response.status_code == 400
    assert "active_team_id" in response.json()["errors"]


def test_me_rejects_unknown_time_zone(api, alice):
    response = api(alice).patch("/api/me/", {"time_zone": "Mars/Olympus"}, format="json")
    assert response.status_code == 400
    assert "time_zone" in response.json()["errors"]
