"""What a stranger can hammer is throttled: log-ins per username and per address
(django-axes, in the database), password-reset emails per address asked for and per caller,
and bad API tokens per caller on /api/ and /v1."""

import pytest
from django.core import mail

from accounts.services import token_create
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db

V1_BODY = {"model": "octo-demo-small", "messages": [{"role": "user", "content": "Hi"}]}


def log_in(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


# Log-ins


def test_wrong_passwords_then_the_right_one_is_refused(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 10
    # From ten addresses: the username alone is enough; the tenth failure locks it.
    statuses = [log_in(client, "alice", "wrong", ip=f"10.0.0.{n}").status_code for n in range(10)]
    assert statuses == [200] * 9 + [429]
    refused = log_in(client, "alice", PASSWORD, ip="10.0.1.1")
    assert refused.status_code == 429
    assert b"Too many failed log-ins" in refused.content
    assert client.get("/accounts/profile/").status_code == 302  # not logged in


def test_one_address_trying_many_usernames_is_refused_everywhere(client, alice, bob, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for name in ["alice", "bob", "carol", "dave", "erin"]:
        log_in(client, name, "wrong", ip="10.0.0.9")
    assert log_in(client, "bob", PASSWORD, ip="10.0.0.9").status_code == 429
    assert log_in(client, "bob", PASSWORD, ip="10.0.0.10").status_code == 302  # elsewhere


def test_a_few_mistakes_do_not_lock_anyone_out(client, alice):
    for _ in range(3):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice", PASSWORD).status_code == 302


# Password-reset emails


def test_reset_emails_per_address_are_limited(client, alice, settings):
    settings.PASSWORD_RESETS_PER_EMAIL = 3
    statuses = [
        client.post(
            "/accounts/password_reset/", {"email": "alice@example.com"}, REMOTE_ADDR=f"10.0.0.{n}"
        ).status_code
        for n in range(20)
    ]
    assert len(mail.outbox) == 3
    assert statuses == [302] * 3 + [429] * 17


def test_reset_requests_per_caller_are_limited(client, alice, settings):
    settings.PASSWORD_RESETS_PER_IP = 4
    for number in range(4):
        client.post("/accounts/password_reset/", {"email": f"someone{number}@example.com"})
    refused = client.post("/accounts/password_reset/", {"email": "alice@example.com"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 3600
    assert "Too many reset emails" in refused.content.decode()
    assert len(mail.outbox) == 0  # and the one for alice, a real account, was not sent


# API tokens


@pytest.fixture
def secret(alice, acme):
    return token_create(user=alice, name="script", team=acme)[1]


def test_bad_tokens_on_the_api_lead_to_429_for_good_ones_too(client, secret, settings):
    settings.TOKEN_FAILURE_LIMIT = 5
    for number in range(5):
        bad = client.get("/api/runs/", HTTP_AUTHORIZATION=f"Bearer oct_guess{number}")
        assert bad.status_code == 401
    refused = client.get("/api/runs/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 300
    assert "Too many invalid API tokens" in refused.json()["detail"]
    other_caller = client.get(
        "/api/runs/", HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR="10.9.9.9"
    )
    assert other_caller.status_code == 200


def test_bad_tokens_on_v1_lead_to_429_in_openais_shape(client, secret, settings):
    settings.TOKEN_FAILURE_LIMIT = 5
    for _ in range(5):
        assert client.get("/v1/models", HTTP_AUTHORIZATION="Bearer sk-guess").status_code == 401
    refused = client.post(
        "/v1/chat/completions",
        V1_BODY,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert refused.status_code == 429 and refused["Retry-After"]
    error = refused.json()["error"]
    assert error["type"] == "rate_limit_error" and error["code"] == "too_many_invalid_tokens"


def test_behind_a_proxy_the_address_it_saw_counts(client, secret, settings):
    settings.TOKEN_FAILURE_LIMIT = 3
    settings.BEHIND_TLS_PROXY = True
    for number in range(3):  # whatever the caller claims first, the proxy adds the same
        client.get(
            "/api/runs/",
            HTTP_AUTHORIZATION="Bearer oct_guess",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{number}, 203.0.113.7",
        )
    refused = client.get(
        "/api/runs/", HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert refused.status_code == 429
    elsewhere = client.get(
        "/api/runs/", HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_X_FORWARDED_FOR="203.0.113.8"
    )
    assert elsewhere.status_code == 200
