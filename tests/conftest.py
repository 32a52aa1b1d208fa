"""The fixed cast every test can use (after healthchecks' hc/test.py).

alice owns the team "Acme"; bob is her teammate (a plain member); dana is an Acme admin;
charlie is an outsider with his own team "Globex"; staff is a site administrator.
"""

from datetime import UTC, datetime

import pytest

from accounts import services
from accounts.models import Role
from tests.helpers import PASSWORD, UPSTREAM_KEY, api_client_for, make_run
from tests.served import LiveSite, served_prepare


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
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # The live server (tests.served.LiveSite) reads the in-memory test database from its
        # own threads' connections while a test writes to it from another: in SQLite's shared
        # cache a reader would otherwise meet "database table is locked" at once.
        database.setdefault("OPTIONS", {})["init_command"] = "PRAGMA read_uncommitted = 1;"
        # Writers from those threads wait for each other there, as on a database file.
        database["ENGINE"] = "tests.sqlite_backend"


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


@pytest.fixture
def history(alice, bob, acme):
    """Five Acme runs on 10 and 11 November 2026, for reports checked by hand: alice's two
    (models m1 and m2), bob's three in m1 (one ok, one with unknown usage, one an error)."""
    # 23:30 UTC on the 10th is already the 11th in Paris.
    make_run(alice, acme, datetime(2026, 11, 10, 23, 30, tzinfo=UTC), latency=100)
    make_run(
        alice,
        acme,
        datetime(2026, 11, 11, 9, 0, tzinfo=UTC),
        model="m2",
        tokens=(100, 50),
        cost="0.01",
        latency=300,
    )
    make_run(bob, acme, datetime(2026, 11, 11, 10, 0, tzinfo=UTC), latency=200)
    make_run(
        bob,
        acme,
        datetime(2026, 11, 11, 11, 0, tzinfo=UTC),
        tokens=None,
        cost=None,
        usage="unknown",
        latency=50,
    )
    make_run(
        bob,
        acme,
        datetime(2026, 11, 11, 12, 0, tzinfo=UTC),
        tokens=None,
        cost=None,
        status="error",
        usage="unknown",
        latency=20,
    )


@pytest.fixture
def api():
    """`api(user)` is a session-authenticated API client; `api()` is anonymous.

    CSRF checks are off in these clients; tests/accounts/test_tokens.py covers CSRF itself.
    """
    return api_client_for


@pytest.fixture(scope="session")
def served_ready(django_db_blocker):
    """Made once before the first site served in its own processes (tests.served): the
    collected static files and a migrated database to copy."""
    with django_db_blocker.unblock():
        served_prepare()


@pytest.fixture(scope="session")
def live_server():
    """The site served over ASGI in this process (tests.served.LiveSite), in place of
    pytest-django's WSGI server of the same name, whose helper still gives each test using
    it a transactional database."""
    site = LiveSite()
    yield site
    site.stop()


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


@pytest.fixture
def queries_do_not_grow(django_assert_max_num_queries, django_assert_num_queries):
    """`queries_do_not_grow(fetch, add_rows, at_most=n)` checks a list for N+1 queries: fetch()
    costs at most n queries, and after add_rows() adds to the list, exactly as many again.
    Returns the last response, for the test to see the rows are really there."""

    def check(fetch, add_rows, *, at_most: int):
        # The first request may fill caches (e.g. which teams have budgets) the others reuse.
        assert fetch().status_code == 200
        with django_assert_max_num_queries(at_most) as before:
            assert fetch().status_code == 200
        add_rows()
        with django_assert_num_queries(len(before), info="after adding rows to the list"):
            response = fetch()
        assert response.status_code == 200
        return response

    return check
