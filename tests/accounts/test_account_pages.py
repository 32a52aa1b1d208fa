import re

import pytest
from django.core import mail

from accounts.models import ApiToken, Team, User
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


def test_signup_creates_user_personal_workspace_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "erin",
            "email": "erin@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="erin")
    assert Team.objects.get(personal_owner=user).memberships.get().role == "owner"
    assert client.get("/").context["user"] == user


def test_first_signup_becomes_admin_later_ones_do_not(client, staff):
    client.post(
        "/accounts/signup/",
        {
            "username": "erin",
            "email": "erin@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert staff.is_superuser
    assert not User.objects.get(username="erin").is_staff


def test_signup_errors_are_shown_per_field(client, alice):
    response = client.post(
        "/accounts/signup/",
        {"username": "alice", "email": "alice@example.com", "password1": "x", "password2": "y"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"username", "email", "password2"}


def test_signup_can_be_closed(client, settings):
    settings.SIGNUP_OPEN = False
    assert client.get("/accounts/signup/").status_code == 403


def test_login_and_logout(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == alice
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated


def test_password_change(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "another fine pass 42",
            "new_password2": "another fine pass 42",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("another fine pass 42")


def test_password_reset_sends_working_link(client, alice):
    client.post("/accounts/password_reset/", {"email": "alice@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    client.post(
        form_url, {"new_password1": "brand new secret 77", "new_password2": "brand new secret 77"}
    )
    alice.refresh_from_db()
    assert alice.check_password("brand new secret 77")


def test_profile_saves_time_zone(client, alice):
    client.force_login(alice)
    assert client.get("/accounts/profile/").status_code == 200
    response = client.post(
        "/accounts/profile/",
        {
            "first_name": "Alice",
            "last_name": "",
            "email": "alice@example.com",
            "time_zone": "Europe/Paris",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.time_zone == "Europe/Paris"


@pytest.mark.parametrize(
    "path", ["/accounts/profile/", "/accounts/tokens/", "/teams/", "/accounts/password_change/"]
)
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_token_page_shows_new_secret_once(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/tokens/",
        {"name": "nightly", "team": str(alice.personal_team.pk), "scopes": ["run"]},
    )
    secret = re.search(rb"oct_[A-Za-z0-9_-]{20,}", response.content).group(0).decode()
    assert ApiToken.objects.get().prefix == secret[:10]
    again = client.get("/accounts/tokens/")
    assert secret.encode() not in again.content
    assert secret[:10].encode() in again.content


def test_token_page_rejects_foreign_team(client, acme, charlie):
    client.force_login(charlie)
    response = client.post("/accounts/tokens/", {"name": "x", "team": str(acme.pk)})
    assert response.status_code == 200
    assert response.context["form"].errors["team"]
    assert not ApiToken.objects.exists()


def test_revoking_someone_elses_token_is_404(client, alice, charlie):
    from accounts.services import token_create

    token, _ = token_create(user=alice, name="script")
    client.force_login(charlie)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active
