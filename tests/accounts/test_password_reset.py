"""With DEBUG off and no EMAIL_URL, reset links would be printed to the server log: the reset
flow is refused there, and `check --deploy` fails (tests/test_site.py runs it with EMAIL_URL)."""

import pytest
from django.core.checks import run_checks

pytestmark = pytest.mark.django_db

CONSOLE = "django.core.mail.backends.console.EmailBackend"


def test_reset_is_refused_where_emails_only_reach_the_log(client, alice, settings, capsys):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = CONSOLE
    page = client.get("/accounts/password_reset/")
    assert "not set up on this site" in page.content.decode()
    answer = client.post("/accounts/password_reset/", {"email": "alice@example.com"})
    assert answer.status_code == 200 and "not set up on this site" in answer.content.decode()
    assert "/accounts/reset/" not in capsys.readouterr().out


def test_deploy_check_fails_without_email_url(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = CONSOLE
    errors = run_checks(include_deployment_checks=True)
    assert "accounts.E001" in [error.id for error in errors]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert "accounts.E001" not in [error.id for error in run_checks(include_deployment_checks=True)]


def test_with_debug_on_the_console_is_the_developers(client, settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = CONSOLE
    assert "not set up on this site" not in client.get("/accounts/password_reset/").content.decode()
