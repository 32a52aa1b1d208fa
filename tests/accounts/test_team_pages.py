import pytest

from accounts.models import Membership, Role, Team

pytestmark = pytest.mark.django_db


def test_create_team_page_flow(client, alice):
    client.force_login(alice)
    response = client.post("/teams/", {"name": "Initech"})
    team = Team.objects.get(name="Initech")
    assert response["Location"] == f"/teams/{team.pk}/"
    alice.refresh_from_db()
    assert alice.active_team == team
    page = client.get(f"/teams/{team.pk}/")
    assert b"Add a member" in page.content


def test_duplicate_team_name_shows_field_error(client, acme, charlie):
    client.force_login(charlie)
    response = client.post("/teams/", {"name": "ACME"})
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["name"][0]


def test_team_page_for_member_hides_management(client, acme, bob):
    client.force_login(bob)
    page = client.get(f"/teams/{acme.pk}/")
    assert page.status_code == 200
    assert b"Add a member" not in page.content and b"Leave team" in page.content


@pytest.mark.parametrize(
    "path",
    [
        "/teams/{id}/",
        "/teams/{id}/rename/",
        "/teams/{id}/members/add/",
        "/teams/{id}/invites/",
        "/teams/{id}/members/bob/role/",
        "/teams/{id}/members/bob/remove/",
    ],
)
def test_outsider_gets_404_on_every_team_page(client, acme, charlie, path):
    client.force_login(charlie)
    url = path.format(id=acme.pk)
    response = (
        client.post(url, {"name": "x", "user": "charlie", "role": "owner"})
        if path != "/teams/{id}/"
        else client.get(url)
    )
    assert response.status_code == 404
    assert not Membership.objects.filter(team=acme, user=charlie).exists()


def test_admin_adds_member_through_page(client, acme, dana, charlie):
    client.force_login(dana)
    response = client.post(
        f"/teams/{acme.pk}/members/add/", {"user": "charlie", "role": "member"}, follow=True
    )
    assert b"charlie added as member" in response.content
    assert Membership.objects.filter(team=acme, user=charlie).exists()


def test_member_adding_gets_error_message_not_500(client, acme, bob, charlie):
    client.force_login(bob)
    response = client.post(
        f"/teams/{acme.pk}/members/add/", {"user": "charlie", "role": "member"}, follow=True
    )
    assert b"Only team owners and admins" in response.content
    assert not Membership.objects.filter(team=acme, user=charlie).exists()


def test_last_owner_leaving_shows_message(client, acme, alice):
    client.force_login(alice)
    response = client.post(f"/teams/{acme.pk}/members/alice/remove/", follow=True)
    assert b"You are the last owner: make someone else an owner before you leave." in (
        response.content
    )
    assert Membership.objects.filter(team=acme, user=alice).exists()


def test_only_owner_is_not_offered_leave_until_there_is_another(client, acme, alice, bob):
    client.force_login(alice)
    page = client.get(f"/teams/{acme.pk}/").content.decode()
    assert "Leave team" not in page
    assert "You are the only owner: make someone else an owner to leave." in page
    Membership.objects.filter(team=acme, user=bob).update(role=Role.OWNER)
    page = client.get(f"/teams/{acme.pk}/").content.decode()
    assert "Leave team" in page and "only owner" not in page


def test_personal_workspace_offers_no_leave(client, alice):
    client.force_login(alice)
    page = client.get(f"/teams/{alice.personal_team.pk}/").content.decode()
    assert "Leave team" not in page and "only owner" not in page


def test_switch_team_ignores_foreign_team_and_bad_values(client, acme, charlie, globex):
    client.force_login(charlie)
    assert client.post("/teams/switch/", {"team": str(acme.pk)}).status_code == 404
    assert client.post("/teams/switch/", {"team": "not-a-uuid"}).status_code == 404
    response = client.post(
        "/teams/switch/", {"team": str(globex.pk), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    charlie.refresh_from_db()
    assert charlie.active_team == globex


def test_switcher_lists_only_own_teams(client, acme, globex, bob):
    client.force_login(bob)
    page = client.get("/").content.decode()
    assert "Acme" in page and "Globex" not in page
