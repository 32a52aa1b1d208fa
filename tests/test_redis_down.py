"""Redis down: the site keeps serving on the database, each process caching and counting in
its own memory, and /healthz names what is degraded (playground/cache.py, playground/views.py).
A dead database, on the other hand, is a 503."""

import logging
import os
import secrets
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches

from accounts.services import token_create
from budgets.limits import LimitExceeded, rate_limit_check
from tests.helpers import PASSWORD, chat, post, sse_events
from tests.served import free_port

pytestmark = pytest.mark.django_db

V1_BODY = {"model": "octo-demo-small", "messages": [{"role": "user", "content": "Hi"}]}


def failover_cache(location: str) -> dict:
    """CACHES as playground/settings.py writes them for REDIS_URL=location."""
    timeout = django_settings.REDIS_TIMEOUT
    return {
        "default": {
            "BACKEND": "playground.cache.FailoverRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
    }


@pytest.fixture
def redis_down(settings):
    """REDIS_URL points at a closed port on 127.0.0.1: every connection is refused."""
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = failover_cache(settings.REDIS_URL)
    return settings.REDIS_URL


@pytest.fixture
def redis_hung(settings):
    """A "Redis" that accepts connections and never answers: every call would wait it out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        settings.REDIS_URL = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        settings.CACHES = failover_cache(settings.REDIS_URL)
        yield settings.REDIS_URL


def test_completions_v1_and_model_lists_work_with_redis_down(api, client, alice, redis_down):
    assert post(api(alice), chat()).json()["status"] == "ok"
    assert sse_events(post(api(alice), chat(stream=True)))[-1][1]["status"] == "ok"
    models = api(alice).get("/api/models/")
    assert models.status_code == 200 and "octo-demo-small" in models.content.decode()

    _, secret = token_create(user=alice, name="sdk")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/v1/models", **auth).json()["data"]
    answer = client.post("/v1/chat/completions", V1_BODY, content_type="application/json", **auth)
    assert answer.status_code == 200 and answer.json()["choices"]


def test_logged_in_pages_work_with_redis_down(client, alice, acme, redis_down):
    # A real log-in: the session is written to the database, not to the cache.
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    for url in [
        "/",
        "/playground/",
        "/runs/",
        "/templates/",
        "/usage/",
        "/teams/",
        f"/teams/{acme.pk}/",
        "/accounts/tokens/",
        "/accounts/profile/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"alice" in response.content, url


def test_rate_limits_still_count_in_each_process_with_redis_down(alice, redis_down, settings):
    settings.RATE_LIMIT_PER_MINUTE = 2
    now = time.time()  # one minute's counter, however slow the machine
    rate_limit_check(alice, now=now)
    rate_limit_check(alice, now=now)
    with pytest.raises(LimitExceeded):
        rate_limit_check(alice, now=now)


def test_redis_down_is_logged_once_per_retry_not_per_call(api, alice, redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="playground.cache"):
        for _ in range(3):
            post(api(alice), chat())
    warnings = [r for r in caplog.records if r.name == "playground.cache"]
    assert len(warnings) == 1
    assert "unreachable" in warnings[0].getMessage()
    assert redis_down.rpartition("/")[0].removeprefix("redis://") in warnings[0].getMessage()


def test_a_hung_redis_costs_one_timeout_not_one_per_call(redis_hung):
    cache = caches["default"]
    started = time.monotonic()
    for number in range(40):
        cache.set(f"key{number}", number)
        assert cache.get(f"key{number}") == number  # answered from this process's memory
    # 80 calls: one waits out the timeout, the rest skip Redis for a few seconds.
    assert time.monotonic() - started < 2 * django_settings.REDIS_TIMEOUT + 0.5


def test_healthz_says_redis_is_down_with_200(client, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "redis": "down"}


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="runs where REDIS_URL is set (CI)")
def test_healthz_says_redis_is_ok_when_it_is(client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "redis": "ok"}


def healthz_served_with(*, database_url: str, redis_url: str = "") -> str:
    """GET /healthz in a fresh process whose settings come from this environment."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "playground.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "testserver",
        "SECURE_HTTPS": "false",
        "DATABASE_URL": database_url,
        "DATABASE_POOL_TIMEOUT": "1",
        "REDIS_URL": redis_url,
    }
    script = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "database_url",
    ["sqlite:////nonexistent-folder/octoplay.sqlite3", "postgres://postgres@127.0.0.1:{port}/x"],
    ids=["sqlite", "postgresql"],
)
def test_healthz_is_503_when_the_database_is_down(database_url):
    answer = healthz_served_with(database_url=database_url.format(port=free_port()))
    assert answer == '503 {"status": "down", "database": "down", "redis": "not configured"}'


def test_production_settings_fail_over_when_redis_is_refused(tmp_path):
    """The settings as a deployment reads them, not the test's copy (failover_cache)."""
    answer = healthz_served_with(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
    )
    assert answer == '200 {"status": "degraded", "database": "ok", "redis": "down"}'
