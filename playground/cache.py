"""The cache backend used when REDIS_URL is set: Django's RedisCache, which falls back to
this process's memory while Redis cannot be reached, so an outage slows nothing and breaks
nothing.

While Redis is unreachable every cache call is answered by a LocMemCache of this process:
the site behaves as it does with no REDIS_URL at all (cached tables and model lists per
process, rate limits and throttles counted per process) instead of failing. After a failure
Redis is left alone for RETRY_SECONDS, so a Redis that hangs costs one socket timeout per
process every few seconds, not one per cache call; each outage is logged once per retry.

Two things Django's RedisCache does not do for a served ASGI process, measured with Redis's
MONITOR on one /v1 call: Django makes a cache object per request context under ASGI, and each
made its own connection pool, so every call opened a connection (HELLO, SELECT, then the
commands); here one client, with its pool, serves the whole process. And `incr` took two
round trips (EXISTS, then INCRBY); here it takes one. A third, found with a profiler: Django
builds a redis.Redis for every command, which cost more CPU than the command; here each pool
has one.
"""

import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_SECONDS = 5.0

# When each Redis location may be tried again, shared by every thread of the process (Django
# makes a cache object per thread, and per request context under ASGI).
_down_until: dict[str, float] = {}
# One client (and connection pool; redis-py's is thread-safe) per location and process.
_clients: dict[str, RedisCacheClient] = {}
_clients_lock = threading.Lock()

# INCRBY only if the key exists, as Django's incr means it, in one round trip.
_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return nil
"""


class _SharedClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._bound: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django makes a redis.Redis per command; making one took ~230 us of CPU, twice what
        # the command itself took. One per connection pool serves every thread (redis-py's
        # clients over a pool are thread-safe).
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]  # unstubbed
        client = self._bound.get(index)
        if client is None:
            client = self._bound[index] = super().get_client(key, write=write)
        return client

    def incr(self, key: Any, delta: int) -> int:
        client = self.get_client(key, write=True)
        result = client.eval(_INCR_EXISTING, 1, key, delta)
        if result is None:
            raise ValueError(f"Key '{key}' not found.")
        return int(result)


class FailoverRedisCache(RedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]):
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        memory_params = {name: value for name, value in params.items() if name != "OPTIONS"}
        # LocMemCaches of one name share their storage: one fallback per process and location.
        self._memory = LocMemCache(f"redis-fallback:{self._location}", memory_params)

    @cached_property
    def _cache(self) -> RedisCacheClient:
        with _clients_lock:
            if self._location not in _clients:
                # Both set by RedisCache.__init__, which the stubs do not describe.
                servers, options = self._servers, self._options  # type: ignore[attr-defined]
                _clients[self._location] = _SharedClient(servers, **options)
            return _clients[self._location]

    def ping(self) -> bool:
        """Whether Redis answers now (for /healthz), whatever the last failure was."""
        try:
            self._cache.get_client(write=False).ping()
        except UNREACHABLE as error:
            self._unreachable(error)
            return False
        self._reachable()
        return True

    def _call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < _down_until.get(self._location, 0.0):
            return getattr(self._memory, operation)(*args, **kwargs)
        try:
            result = getattr(super(), operation)(*args, **kwargs)
        except UNREACHABLE as error:
            self._unreachable(error)
            return getattr(self._memory, operation)(*args, **kwargs)
        self._reachable()
        return result

    def _unreachable(self, error: Exception) -> None:
        _down_until[self._location] = time.monotonic() + RETRY_SECONDS
        logger.warning(
            "Redis at %s is unreachable (%s): caching in this process's memory and counting "
            "rate limits per process; trying Redis again in %g s.",
            _where(self._location),
            type(error).__name__,
            RETRY_SECONDS,
        )

    def _reachable(self) -> None:
        if _down_until.pop(self._location, None) is not None:
            logger.warning("Redis at %s is reachable again.", _where(self._location))
            self._memory.clear()  # so a later outage starts afresh, not from this one's values

    # Django's cache API; the rest of it (get_or_set, decr, the async methods...) is built on these.

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        return self._call("clear")


def _where(location: str) -> str:
    """host:port of a Redis URL, for logs: never its password."""
    return ",".join(urlsplit(url).netloc.rpartition("@")[2] for url in location.split(","))
