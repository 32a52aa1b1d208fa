"""Limits checked before any upstream call: requests per minute per user (this module) and
budgets (budgets.services). Both raise LimitExceeded, which the API turns into a 429 with
Retry-After and the HTML pages into a message.

The rate counter lives in the cache: with REDIS_URL set it is shared by every process and
machine (Redis INCR is atomic); without Redis each process counts on its own, so N workers
admit up to N times the limit — the README says to set REDIS_URL in production.
"""

import time

from django.conf import settings
from django.core.cache import cache


class LimitExceeded(Exception):
    def __init__(self, message: str, *, retry_after: int, code: str):
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, retry_after)
        self.code = code


def rate_limit_for(user) -> int:
    own = getattr(user, "requests_per_minute", None)
    return settings.RATE_LIMIT_PER_MINUTE if own is None else own


def rate_limit_check(user, *, now: float | None = None) -> None:
    """Count this request in the user's current minute; refuse it past the limit."""
    limit = rate_limit_for(user)
    if not limit:
        return
    now = time.time() if now is None else now
    key = f"ratelimit:{user.pk}:{int(now // 60)}"
    try:  # one round trip to Redis for every call but a minute's first
        count = cache.incr(key)
    except ValueError:  # the minute's first call (or its key expired)
        count = 1 if cache.add(key, 1, timeout=90) else cache.incr(key)
    if count > limit:
        retry_after = 60 - int(now % 60)
        raise LimitExceeded(
            f"Rate limit reached: {limit} requests per minute for your account. "
            f"Try again in {retry_after} s.",
            retry_after=retry_after,
            code="rate_limited",
        )
