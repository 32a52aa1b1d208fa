from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import InviteLink, Membership, hash_secret

pytestmark = pytest.mark.django_db


def create_link(api, user, team, role="member"):
    return api(user).post(f"/api/teams/{team.pk}/invite-links/", {"role": role}, format="json")


def test_admin_creates_link_shown_once_stored_hashed(api, acme, dana):
    response = create_link(api, dana, acme)
    assert response.status_code == 201
    url = response.json()["url"]
    secret = url.rstrip("/").rsplit("/", 1)[1]
    link = InviteLink.objects.get()
    assert link.secret_hash == hash_secret(secret)
    assert secret not in str(InviteLink.objects.values_list())
    listed = api(dana).get(f"/api/teams/{acme.pk}/invite-links/").json()
    assert "url" not in listed[0]


def test_member_cannot_create_or_list_links(api, acme, bob):
    assert create_link(api, bob, acme).status_code == 403
    assert api(bob).get(f"/api/teams/{acme.pk}/invite-links/").status_code == 403


def test_outsider_gets_404(api, acme, charlie):
    assert create_link(api, charlie, acme).status_code == 404


def test_joining_with_link(client, api, acme, dana, charlie):
    url = create_link(api, dana, acme).json()["url"]
    path = url.split("testserver", 1)[1]
    client.force_login(charlie)
    page = client.get(path)
    assert page.status_code == 200 and b"Join Acme" in page.content
    response = client.post(path)
    assert response.status_code == 302
    assert Membership.objects.get(team=acme, user=charlie).role == "member"
    assert InviteLink.objects.get().uses == 1


def test_anonymous_is_sent_to_login_first(client, api, acme, dana):
    path = create_link(api, dana, acme).json()["url"].split("testserver", 1)[1]
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_expired_and_revoked_links_do_not_work(client, api, acme, dana, charlie):
    path = create_link(api, dana, acme).json()["url"].split("testserver", 1)[1]
    InviteLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(charlie)
    assert client.post(path).status_code == 404
    assert not Membership.objects.filter(team=acme, user=charlie).exists()

    InviteLink.objects.update(expires_at=timezone.now() + timedelta(days=1))
    link = InviteLink.objects.get()
    assert api(dana).delete(f"/api/teams/{acme.pk}/invite-links/{link.pk}/").status_code == 204
    assert client.post(path).status_code == 404


def test_admin_cannot_create_owner_link(api, acme, dana):
    assert create_link(api, dana, acme, role="owner").status_code == 403
