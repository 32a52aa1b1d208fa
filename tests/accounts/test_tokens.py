from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import ApiToken, Membership, User, hash_secret
from accounts.services import token_authenticate, token_create
from tests.helpers import token_client

pytestmark = pytest.mark.django_db


def test_create_token_shows_secret_once_and_stores_only_hash(api, acme, alice):
    response = api(alice).post(
        "/api/tokens/", {"name": "ci", "team_id": str(acme.pk)}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    secret = body["token"]
    assert secret.startswith("oct_") and body["prefix"] == secret[:10]
    assert body["team"]["name"] == "Acme"
    token = ApiToken.objects.get()
    assert token.token_hash == hash_secret(secret)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        assert secret not in repr(cursor.fetchall())
    listed = api(alice).get("/api/tokens/").json()
    assert "token" not in listed[0]


def test_token_defaults_to_personal_workspace(api, alice):
    body = api(alice).post("/api/tokens/", {"name": "mine"}, format="json").json()
    assert body["team"]["is_personal"] is True


def test_token_for_a_team_you_are_not_in_is_400(api, acme, charlie):
    response = api(charlie).post(
        "/api/tokens/", {"name": "x", "team_id": str(acme.pk)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["team_id"]


def test_token_name_required(api, alice):
    response = api(alice).post("/api/tokens/", {"name": "  "}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_bearer_token_authenticates_and_records_last_use(alice):
    token, secret = token_create(user=alice, name="script")
    response = token_client(secret).get("/api/me/")
    assert response.status_code == 200 and response.json()["username"] == "alice"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_used_is_not_rewritten_on_every_request(alice, django_assert_num_queries):
    token, secret = token_create(user=alice, name="script")
    recent = timezone.now() - timedelta(seconds=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    token_client(secret).get("/api/tokens/")
    token.refresh_from_db()
    assert token.last_used_at == recent


def test_revoked_token_is_401(api, alice):
    token, secret = token_create(user=alice, name="script")
    response = api(alice).delete(f"/api/tokens/{token.pk}/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    response = token_client(secret).get("/api/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid or revoked API token."
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_401(db):
    assert token_client("oct_nope").get("/api/me/").status_code == 401
    assert token_client("").get("/api/me/").status_code == 401


def test_stranger_cannot_see_or_revoke_token(api, alice, charlie):
    token, secret = token_create(user=alice, name="script")
    assert api(charlie).get(f"/api/tokens/{token.pk}/").status_code == 404
    assert api(charlie).delete(f"/api/tokens/{token.pk}/").status_code == 404
    assert api(charlie).get("/api/tokens/").json() == []
    assert token_client(secret).get("/api/me/").status_code == 200


def test_token_requests_skip_csrf_but_session_requests_need_it(alice):
    from rest_framework.test import APIClient

    _, secret = token_create(user=alice, name="script", scopes=["manage"])
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.post("/api/teams/", {"name": "Via token"}, format="json").status_code == 201

    session = APIClient(enforce_csrf_checks=True)
    session.force_login(alice)
    response = session.post("/api/teams/", {"name": "Via session"}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_create_token_command_prints_working_token(acme, alice):
    out = StringIO()
    call_command("create_token", "alice", "--name", "ops", "--team", "Acme", stdout=out)
    secret = out.getvalue().strip()
    token = ApiToken.objects.get(name="ops")
    assert token.team == acme and token.token_hash == hash_secret(secret)
    assert token_client(secret).get("/api/me/").status_code == 200


def test_create_token_command_rejects_unknown_user_and_foreign_team(acme, charlie):
    with pytest.raises(CommandError, match="No user"):
        call_command("create_token", "nobody")
    with pytest.raises(CommandError, match="not a member"):
        call_command("create_token", "charlie", "--team", "Acme")


def test_token_of_a_deactivated_user_is_401(alice):
    _, secret = token_create(user=alice, name="script")
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert token_client(secret).get("/api/me/").status_code == 401


def test_token_stops_when_its_membership_goes_whatever_the_path(acme, bob):
    _, secret = token_create(user=bob, name="script", team=acme)
    Membership.objects.filter(team=acme, user=bob).delete()  # not through the service
    assert token_client(secret).get("/api/me/").status_code == 401


def test_token_check_loads_the_same_objects_as_the_orm(acme, bob):
    """The hand-written lookup (accounts/token_lookup.py) converts values as the ORM does:
    UUIDs, aware datetimes, booleans, JSON — on SQLite too, which stores them as text."""
    created, secret = token_create(user=bob, name="script", team=acme)
    token = token_authenticate(secret)
    expected = ApiToken.objects.select_related("user", "team").get(pk=created.pk)
    pairs = ((token, expected), (token.user, expected.user), (token.team, expected.team))
    for loaded, orm in pairs:
        for field in type(orm)._meta.concrete_fields:
            assert getattr(loaded, field.attname) == getattr(orm, field.attname), field.name
            assert type(getattr(loaded, field.attname)) is type(getattr(orm, field.attname))
