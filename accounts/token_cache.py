"""API tokens checked recently, kept in this process's memory while PostgreSQL says nothing
they depend on has changed.

The token check is one indexed query, but on the OpenAI-compatible endpoint its round trip
to PostgreSQL was the largest cost Octoplay itself added to a call. So the served site keeps
what each check found, and trusts it only while it listens on the `octoplay_auth` channel,
which triggers on tokens, users, teams and memberships notify on every committed change
(accounts/migrations/0003). Any notification empties the cache: such changes are rare.

Safety, in order of importance:
- No listening connection, no cache: until LISTEN is in place, and from the moment the
  connection fails until a new one listens, every check goes to the database.
- A check that was in flight when a notification arrived does not store what it found
  (it may have read the state from before the change): a generation counter tells.
- Only tokens that passed are kept, never failures: a new token works at once, and garbage
  tokens cannot fill the memory. At most MAX_ENTRIES are kept.
- Entries also expire (settings.TOKEN_CACHE_SECONDS), bounding any staleness nobody
  foresaw. Every few seconds the listener notifies itself and must hear it back: that
  proves notifications really arrive (they don't through a transaction-mode pooler).
Left: a change is seen by other processes when PostgreSQL delivers the notification,
normally within a millisecond or two of its commit.
"""

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

import psycopg
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

CHANNEL = "octoplay_auth"
LISTENER_NAME = "octoplay-token-cache"  # its connection's application_name in pg_stat_activity
MAX_ENTRIES = 10_000
RECONNECT_DELAYS = (0.5, 1, 2, 5, 10)
PING_TIMEOUT = 2.0


class TokenCache:
    def __init__(self, *, ttl: float, connect: Callable[[], psycopg.Connection], ping: float = 5.0):
        self.ttl = ttl
        self._connect = connect
        self._ping_seconds = ping
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._listening = False
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._pid: int | None = None

    # For the token check

    def get(self, key: str, fetch: Callable[[str], Any]) -> Any:
        """What `fetch(key)` returns, from memory when it is known to be current."""
        self._ensure_listener()
        if not self._listening:
            return fetch(key)
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and entry[0] > now:
            return entry[1]
        generation = self._generation
        value = fetch(key)
        if value is not None:
            with self._lock:
                if self._listening and generation == self._generation:
                    if len(self._entries) >= MAX_ENTRIES:
                        self._entries.clear()
                    self._entries[key] = (now + self.ttl, value)
        return value

    def refresh(self, key: Hashable, change: Callable[[Any], Any]) -> None:
        """Bring a kept value in step with a write the notifications deliberately ignore
        (the token's own last_used_at), so the check does not repeat that write every time."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries[key] = (entry[0], change(entry[1]))

    def clear(self) -> None:
        with self._lock:
            self._forget()

    def _forget(self) -> None:
        """Drop every entry and make checks in flight not store theirs. Hold the lock."""
        self._entries.clear()
        self._generation += 1
        self._changed.notify_all()

    # State, for tests and the admin of a running site

    @property
    def listening(self) -> bool:
        return self._listening

    @property
    def generation(self) -> int:
        return self._generation

    def wait_for(self, predicate: Callable[["TokenCache"], bool], timeout: float = 5.0) -> bool:
        """Block until `predicate(self)` holds after a change of state (a notification, the
        listener starting or failing), or the timeout passes."""
        self._ensure_listener()
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)

    def stop(self) -> None:
        self._stopping.set()

    # The listener

    def _ensure_listener(self) -> None:
        # Started lazily in the process that serves: a thread does not survive a fork.
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._listening = False
                self._forget()
                threading.Thread(target=self._listen, name="token-cache", daemon=True).start()
                self._pid = os.getpid()

    def _ping(self, conn: psycopg.Connection, channel: str) -> None:
        """Notify ourselves and hear it back, handling changes heard meanwhile. Proves the
        whole path works, not just the connection: behind a pooler in transaction mode
        (PgBouncer) LISTEN is accepted, but notifications never come back."""
        conn.execute("SELECT pg_notify(%s, '')", [channel])
        for notification in conn.notifies(timeout=PING_TIMEOUT):
            if notification.channel == CHANNEL:
                self.clear()
            else:
                return
        raise ConnectionError(f"PostgreSQL did not notify back within {PING_TIMEOUT:g} s")

    def _set_listening(self, listening: bool) -> None:
        with self._lock:
            self._listening = listening
            self._forget()

    def _listen(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                with self._connect() as conn:
                    ping = f"{CHANNEL}_ping_{os.getpid()}_{secrets.token_hex(4)}"
                    conn.execute(f"LISTEN {CHANNEL}")
                    conn.execute(f"LISTEN {ping}")
                    self._ping(conn, ping)
                    self._set_listening(True)
                    failures = 0
                    while not self._stopping.is_set():
                        for notification in conn.notifies(timeout=self._ping_seconds):
                            if notification.channel == CHANNEL:
                                self.clear()
                        self._ping(conn, ping)
            except Exception as error:  # noqa: BLE001 - any failure: stop trusting, retry
                logger.warning("Token cache off until PostgreSQL is listened to again: %s", error)
            finally:
                self._set_listening(False)
            delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
            failures += 1
            self._stopping.wait(delay)


def _listener_connection(application_name: str = LISTENER_NAME) -> psycopg.Connection:
    """A connection of its own, outside Django's pool: it waits on LISTEN for good."""
    params = connection.get_connection_params()
    for option in ("cursor_factory", "prepare_threshold", "context"):
        params.pop(option, None)
    return psycopg.connect(**params, autocommit=True, application_name=application_name)


_cache: TokenCache | None = None


def token_cache_enable(*, ping_seconds: float = 5.0) -> TokenCache | None:
    """Keep checked tokens in memory from now on, in this process (the served site). Only
    on PostgreSQL, which can say when to forget them; TOKEN_CACHE_SECONDS=0 turns it off."""
    global _cache
    if connection.vendor != "postgresql" or settings.TOKEN_CACHE_SECONDS <= 0:
        return None
    if _cache is None:
        _cache = TokenCache(
            ttl=settings.TOKEN_CACHE_SECONDS, connect=_listener_connection, ping=ping_seconds
        )
    return _cache


def token_cache_disable() -> None:
    global _cache
    if _cache is not None:
        _cache.stop()
    _cache = None


def kept_while_unchanged(key: str, fetch: Callable[[], _T]) -> _T:
    """`fetch()`, kept in this process's memory while PostgreSQL says nothing changed, in
    served processes (the same listener and rules as tokens); else fetched every time. For
    small tables read on every call (providers, prices, who has budgets): their triggers
    notify on every committed change (completions/migrations/0008).
    Measured: they were three of the five Redis round trips left in a /v1 call."""
    cache = _cache
    if cache is None:
        return fetch()
    return cast(_T, cache.get(f"table:{key}", lambda _key: fetch()))


def token_cache() -> TokenCache | None:
    return _cache
