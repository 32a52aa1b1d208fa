"""Throttles on what a stranger can hammer: password-reset emails (per address and per IP)
and failed API-token checks (per IP). Logins are throttled by django-axes instead (settings
AXES_*), which counts failures in the database.

Counted in the cache in fixed windows, like the per-user rate limit (budgets/limits.py): with
REDIS_URL one count for every process; without Redis, or while it is down (playground/cache.py),
each process counts on its own, so a limit still holds, per process.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


class Throttled(Exception):
    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, retry_after)


def client_ip(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or behind a TLS proxy (BEHIND_TLS_PROXY) the last
    address in X-Forwarded-For, the one that proxy added (those before it are the caller's
    word). Also django-axes' (AXES_CLIENT_IP_CALLABLE), so logins count by the same address."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def _key(scope: str, who: str, window: int, now: float) -> str:
    hashed = hashlib.sha256(who.encode()).hexdigest()[:32]  # any text, a safe cache key
    return f"throttle:{scope}:{hashed}:{int(now // window)}"


def throttle_check(scope: str, who: str, *, limit: int, window: int, message: str) -> None:
    """Refuse (Throttled) once `who` has been counted `limit` times in this window."""
    now = time.time()
    if limit and (cache.get(_key(scope, who, window, now)) or 0) >= limit:
        raise Throttled(message, retry_after=window - int(now % window))


def throttle_count(scope: str, who: str, *, window: int) -> None:
    now = time.time()
    key = _key(scope, who, window, now)
    if not cache.add(key, 1, timeout=window + 30):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window + 30)
