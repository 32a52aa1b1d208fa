"""The site's Redis cache (playground/cache.py) against a real Redis: one client and pool per
process whatever the cache object or thread, and Django's `incr` meaning kept."""

import threading

import pytest
import redis
from django.core.cache import caches

from tests.helpers import skip_or_fail

LOCATION = "redis://127.0.0.1:6379/12"


@pytest.fixture
def site_cache(settings):
    try:
        redis.Redis.from_url(LOCATION).ping()
    except redis.ConnectionError:
        skip_or_fail("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "playground.cache.FailoverRedisCache", "LOCATION": LOCATION}
    }
    caches["default"].clear()
    yield
    caches["default"].clear()


def test_every_cache_object_and_thread_shares_one_client_and_pool(site_cache):
    """Served over ASGI, Django makes a cache object per request context; each must reach
    Redis through the same redis.Redis (making one per command cost more CPU than the command)
    over one pool, not a connection per request."""
    used = []

    def request():
        cache = caches.create_connection("default")  # as a new request context gets
        cache.set("seen", 1)
        assert cache.get("seen") == 1
        used.append(cache._cache.get_client(write=True))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(used) == 8 and len({id(client) for client in used}) == 1
    pool = used[0].connection_pool
    assert pool._created_connections <= 8  # one per thread at most, never one per command


def test_incr_counts_an_existing_key_and_refuses_a_missing_one(site_cache):
    cache = caches["default"]
    with pytest.raises(ValueError):
        cache.incr("missing")
    assert cache.get("missing") is None  # incr made no key
    cache.set("count", 3)
    assert cache.incr("count") == 4 and cache.incr("count", 5) == 9
