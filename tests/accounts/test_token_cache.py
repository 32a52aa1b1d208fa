"""The served site's memory of checked API tokens (accounts/token_cache.py): it must never
let a token through after a committed change would refuse it, whatever made the change.

These run against PostgreSQL's real LISTEN/NOTIFY and the triggers of migration 0003, with
committed transactions (transactional_db), as the served site sees them.
"""

from contextlib import contextmanager

import pytest
from django.db import connection

from accounts.models import ApiToken, Membership, Team, User
from accounts.services import token_authenticate, token_create, token_revoke
from accounts.token_cache import (
    LISTENER_NAME,
    TokenCache,
    _listener_connection,
    kept_while_unchanged,
    token_cache_disable,
    token_cache_enable,
)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the token cache lives only on PostgreSQL, which notifies changes (CI runs these)",
)


def _notify(payload: str = "test") -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify('octoplay_auth', %s)", [payload])


def _listener_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            # This database's only: another Octoplay may share the PostgreSQL server.
            "SELECT pid FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [LISTENER_NAME],
        )
        return [pid for (pid,) in cursor.fetchall()]


@pytest.fixture
def cache(transactional_db, settings):
    settings.TOKEN_CACHE_SECONDS = 3600  # only notifications can make it forget
    cache = token_cache_enable(ping_seconds=0.1)
    assert cache.wait_for(lambda c: c.listening), "the listener did not start"
    yield cache
    token_cache_disable()
    cache.wait_for(lambda c: not c.listening)


def _changed_after(cache: TokenCache, change) -> None:
    """Make a committed change, then wait until the cache has heard of it."""
    generation = cache.generation
    change()
    assert cache.wait_for(lambda c: c.generation > generation), "no notification arrived"


class CountingFetch:
    def __init__(self, value="values"):
        self.value = value
        self.calls = 0

    def __call__(self, key):
        self.calls += 1
        return self.value


@pytest.fixture
def token(transactional_db, acme, bob):
    return token_create(user=bob, name="script", team=acme)


@on_postgresql
def test_a_checked_token_is_served_from_memory(cache):
    fetch = CountingFetch()
    assert cache.get("hash", fetch) == cache.get("hash", fetch) == "values"
    assert fetch.calls == 1


@on_postgresql
def test_failed_checks_are_never_kept(cache):
    fetch = CountingFetch(value=None)
    assert cache.get("hash", fetch) is None
    assert cache.get("hash", fetch) is None
    assert fetch.calls == 2


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda token: token_revoke(token=token), id="revoked by the service"),
        pytest.param(
            lambda token: ApiToken.objects.filter(pk=token.pk).delete(), id="token deleted"
        ),
        pytest.param(
            lambda token: User.objects.filter(pk=token.user_id).update(is_active=False),
            id="user deactivated",
        ),
        pytest.param(
            lambda token: Membership.objects.filter(team_id=token.team_id).delete(),
            id="membership removed",
        ),
        pytest.param(
            lambda token: Team.objects.filter(pk=token.team_id).delete(), id="team deleted"
        ),
    ],
)
@on_postgresql
def test_a_committed_change_is_refused_at_once(cache, token, change):
    created, secret = token
    assert token_authenticate(secret) is not None
    assert token_authenticate(secret) is not None  # now from memory
    _changed_after(cache, lambda: change(created))
    assert token_authenticate(secret) is None


@on_postgresql
def test_a_change_made_in_raw_sql_elsewhere_is_heard_too(cache, token):
    created, secret = token
    assert token_authenticate(secret) is not None
    with _listener_connection(application_name="psql") as psql:  # as a person would
        _changed_after(
            cache,
            lambda: psql.execute(
                "UPDATE accounts_apitoken SET revoked_at = now() WHERE id = %s", [created.pk]
            ),
        )
    assert token_authenticate(secret) is None


@on_postgresql
def test_recording_last_use_empties_no_cache(cache, token, settings):
    """The check writes last_used_at itself (once a minute): that write must not notify, or
    every process would forget every token once a minute per token."""
    settings.TOKEN_LAST_USED_RESOLUTION_SECONDS = 0  # write it on every check
    _created, secret = token
    generation = cache.generation
    assert token_authenticate(secret) is not None
    assert token_authenticate(secret) is not None
    _notify("marker")  # delivered after any notification the writes above had sent
    assert cache.wait_for(lambda c: c.generation > generation)
    assert cache.generation == generation + 1


@on_postgresql
def test_a_kept_token_records_its_use_once_a_minute(cache, token):
    created, secret = token
    first = token_authenticate(secret).last_used_at
    second = token_authenticate(secret).last_used_at  # from memory, last use brought in step
    assert first is not None and second == first
    assert ApiToken.objects.get(pk=created.pk).last_used_at == first


@on_postgresql
def test_a_check_in_flight_during_a_change_is_not_kept(cache):
    """A check that read the database before a change committed, and finishes after the
    notification, may hold the old state: it is answered, but not kept."""

    def fetch_across_a_change(key):
        _changed_after(cache, _notify)
        return "read before the change"

    assert cache.get("hash", fetch_across_a_change) == "read before the change"
    fetch = CountingFetch()
    assert cache.get("hash", fetch) == "values"
    assert fetch.calls == 1


@on_postgresql
def test_without_its_listening_connection_the_cache_is_not_used(cache):
    fetch = CountingFetch()
    cache.get("hash", fetch)
    [pid] = _listener_pids()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert cache.wait_for(lambda c: not c.listening)
    cache.get("hash", fetch)
    assert fetch.calls == 2  # forgotten, and not trusted while nobody listens
    assert cache.wait_for(lambda c: c.listening), "it did not listen again"
    cache.get("hash", fetch)
    cache.get("hash", fetch)
    assert fetch.calls == 3  # kept again once listening


@contextmanager
def own_cache(*, ttl: float, connect=_listener_connection):
    """A cache apart from the site's, for settings the site never has."""
    cache = TokenCache(ttl=ttl, connect=connect, ping=0.1)
    try:
        yield cache
    finally:
        cache.stop()
        cache.wait_for(lambda c: not c.listening)


@on_postgresql
def test_no_cache_when_notifications_do_not_come_back(transactional_db):
    """LISTEN can be accepted while nothing is ever delivered (a transaction-mode pooler,
    here a connection left inside a transaction): the self-notification never arrives, so
    the cache is never trusted."""

    def connect_inside_a_transaction():
        conn = _listener_connection()
        conn.autocommit = False  # LISTEN and NOTIFY wait for a commit that never comes
        return conn

    with own_cache(ttl=60, connect=connect_inside_a_transaction) as cache:
        assert not cache.wait_for(lambda c: c.listening, timeout=3)
        fetch = CountingFetch()
        cache.get("hash", fetch)
        cache.get("hash", fetch)
        assert fetch.calls == 2


@on_postgresql
def test_entries_expire(transactional_db):
    with own_cache(ttl=0) as cache:
        assert cache.wait_for(lambda c: c.listening)
        fetch = CountingFetch()
        cache.get("hash", fetch)
        cache.get("hash", fetch)
        assert fetch.calls == 2


def test_no_cache_where_changes_cannot_be_heard(db, settings):
    settings.TOKEN_CACHE_SECONDS = 0
    assert token_cache_enable() is None
    if connection.vendor != "postgresql":
        settings.TOKEN_CACHE_SECONDS = 60
        assert token_cache_enable() is None  # SQLite has no LISTEN/NOTIFY


@on_postgresql
def test_tables_kept_in_memory_are_fetched_again_after_a_price_budget_or_provider_change(
    cache, acme, alice
):
    """Providers, prices and who has budgets are read on every call: served processes keep
    them while PostgreSQL says nothing changed (kept_while_unchanged), as for tokens."""
    from budgets.models import ModelPrice
    from budgets.services import budget_create
    from completions.models import Provider

    counting = CountingFetch(value=["a table"])

    def fetch():
        return counting("t")

    changes = [
        lambda: ModelPrice.objects.create(
            provider="octopusx", model="m", input_per_million=1, output_per_million=2
        ),
        lambda: budget_create(actor=alice, team=acme, metric="tokens", limit=100, period="daily"),
        lambda: Provider.objects.create(slug="other", name="Other", base_url="http://x/v1"),
    ]
    for change in changes:
        assert kept_while_unchanged("t", fetch) == ["a table"]
        calls = counting.calls
        assert kept_while_unchanged("t", fetch) == ["a table"] and counting.calls == calls
        _changed_after(cache, change)
        kept_while_unchanged("t", fetch)
        assert counting.calls == calls + 1, "a committed change must empty what was kept"
