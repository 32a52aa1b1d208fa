import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_dependency(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    redis = "ok" if django_settings.REDIS_URL else "not configured"
    assert response.json() == {"status": "ok", "database": "ok", "redis": redis}


def test_openapi_schema_and_docs(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    body = schema.json()
    assert "/api/teams/{team_id}/members/" in body["paths"]
    assert "bearerAuth" in body["components"]["securitySchemes"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_api_urls_that_name_nothing_answer_json_404s(client, alice):
    client.force_login(alice)
    for url in ("/api/runs/not-a-uuid/", "/api/teams/1/members/", "/api/nothing/"):
        for method in (client.get, client.post, client.delete):
            response = method(url)  # no CSRF token: still a 404, not the CSRF page
            assert response.status_code == 404, (method, url)
            assert response.json() == {"detail": "Not found."}
    assert client.get("/api/teams").status_code == 301  # APPEND_SLASH still redirects


def test_every_page_has_strict_csp(client):
    csp = client.get("/")["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "frame-ancestors 'none'" in csp


def test_home_for_anonymous_and_user(client, alice):
    assert b"Create an account" in client.get("/").content
    client.force_login(alice)
    assert b"Hello, alice" in client.get("/").content


def test_deploy_checks_pass_with_production_settings(tmp_path):
    """`manage.py check --deploy` is clean with the settings the README gives production."""
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "octoplay.example.com",
        "SECURE_HTTPS": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path}/deploy.sqlite3",
        "EMAIL_URL": "smtp+tls://octoplay:secret@smtp.example.com:587",  # accounts.E001 without
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_redirects_to_https_but_not_the_health_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/")["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200
