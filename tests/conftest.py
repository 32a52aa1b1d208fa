"""The fixed cast every test can use (after healthchecks' hc/test.py).

alice owns the team "Acme"; bob is her teammate (a plain member); dana is an Acme admin;
charlie is an outsider with his own team "Globex"; staff is a site administrator.
"""

import threading
import time
from contextlib import contextmanager

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Role

PASSWORD = "correct horse battery staple"


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Serve static files from the source folders: tests don't run collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


def _user(username: str):
    return services.user_signup(
        username=username, email=f"{username}@example.com", password=PASSWORD
    )


@pytest.fixture
def staff(db):
    user = _user("staff")  # first account on a fresh database: becomes site admin
    assert user.is_staff
    return user


@pytest.fixture
def alice(db, staff):
    return _user("alice")


@pytest.fixture
def bob(db, staff):
    return _user("bob")


@pytest.fixture
def charlie(db, staff):
    return _user("charlie")


@pytest.fixture
def dana(db, staff):
    return _user("dana")


@pytest.fixture
def acme(alice, bob, dana):
    team = services.team_create(user=alice, name="Acme")
    services.member_add(actor=alice, team=team, identifier="bob")
    services.member_add(actor=alice, team=team, identifier="dana", role=Role.ADMIN)
    return team


@pytest.fixture
def globex(charlie):
    return services.team_create(user=charlie, name="Globex")


def api_client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def api():
    """`api(user)` is a session-authenticated API client; `api()` is anonymous.

    CSRF checks are off in these clients; tests/accounts/test_api_auth.py covers CSRF itself.
    """
    return api_client_for


def token_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


UPSTREAM_KEY = "sk-test-upstream-key-never-shown-0123456789"


@pytest.fixture(scope="session")
def _fake_upstream_server():
    from demo.fake_upstream import FakeUpstream

    server = FakeUpstream(api_key=UPSTREAM_KEY).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def upstream(_fake_upstream_server, settings):
    """Every test's default provider is the offline fake upstream on 127.0.0.1, as a real
    HTTP server, so no test can reach the network. Retries wait milliseconds, not seconds."""
    from django.core.cache import cache

    server = _fake_upstream_server
    server.reset()
    settings.OCTOPUSX_BASE_URL = server.base_url
    settings.OCTOPUSX_API_KEY = UPSTREAM_KEY
    settings.UPSTREAM_BACKOFF_SECONDS = 0.01
    settings.UPSTREAM_RETRY_AFTER_MAX = 0.05
    settings.UPSTREAM_READ_TIMEOUT = 5
    cache.clear()
    yield server
    server.reset()


def wait_for(condition, timeout: float = 5.0) -> None:
    """Poll for a condition another thread brings about (e.g. the server finishing a run
    after a client hung up): there is no event to await across the process boundary."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@contextmanager
def server_threads_finish(timeout: float = 10.0):
    """Around a client that hangs up on the live server: afterwards, wait until the request
    threads started meanwhile have finished (they close their database connections last),
    so none outlives the test. Threads kept alive by other clients' keep-alive are left be."""
    before = set(threading.enumerate())
    yield

    def done() -> bool:
        return not any(
            thread not in before
            and thread.is_alive()
            and thread.name.endswith("(process_request_thread)")
            for thread in threading.enumerate()
        )

    wait_for(done, timeout)
