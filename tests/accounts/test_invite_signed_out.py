"""An invite link opened while signed out: the log-in and sign-up pages name the team waiting,
and `next` carries the invite through sign-up (or log-in) back to it."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.services import invite_link_create, invite_link_revoke
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(acme, alice):
    link, secret = invite_link_create(actor=alice, team=acme)
    return link, reverse("invite_accept", args=[secret])


def test_the_login_page_names_the_pending_invite_and_signup_keeps_it(client, invite):
    _, path = invite
    response = client.get(path, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/accounts/login/?next={path}"
    assert "You are invited to join Acme" in page
    assert page.count(f'href="/accounts/signup/?next={path}"') == 2  # the header's and the page's


def test_signing_up_from_the_invite_lands_on_it(client, invite, staff):
    _, path = invite
    page = client.get(f"/accounts/signup/?next={path}").content.decode()
    assert "You are invited to join Acme" in page
    assert f'<input type="hidden" name="next" value="{path}">' in page
    response = client.post(
        "/accounts/signup/",
        {
            "username": "erin",
            "email": "erin@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": path,
        },
    )
    assert response["Location"] == path
    assert "Join Acme" in client.get(path).content.decode()


def test_signup_ignores_a_next_off_this_site(client, staff):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "erin",
            "email": "erin@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


def test_a_revoked_invite_is_not_announced(client, invite, alice):
    link, path = invite
    invite_link_revoke(actor=alice, link=link)
    page = client.get(f"/accounts/login/?next={path}").content.decode()
    assert "You are invited" not in page
    assert not Membership.objects.filter(user__username="erin").exists()
