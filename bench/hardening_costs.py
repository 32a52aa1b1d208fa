"""What each check the hardening issue added costs a /v1 call, measured in this process.

Each check is timed beside the same call without it, in alternating blocks (this machine's
speed drifts), and printed as microseconds per call, with and without, and the difference:

  input rules    json_parse (the body parsed, then walked for NUL, lone surrogates, NaN and
                 depth) against json.loads alone, on the benchmarks' /v1 body;
  input checks   the middleware's look at path and query string, against nothing;
  token scopes   whether a token may run, against nothing;
  token throttle the failed-token counter's read on every API call (the cache: this
                 process's memory, or Redis with REDIS_URL), against nothing;
  Redis failover FailoverRedisCache.get against Django's RedisCache.get on the same Redis
                 (only with a Redis at REDIS_URL, default redis://127.0.0.1:6379/13).

    .venv/bin/python bench/hardening_costs.py [--calls 20000] [--blocks 5]

The whole-server costs (writing runs in the request, leases, the token cache, the /v1 route)
were measured side by side with bench/compare_trees.py; README "Hardening" has both.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.test import RequestFactory  # noqa: E402

from accounts.models import ApiToken, Scope  # noqa: E402
from accounts.throttles import throttle_check  # noqa: E402
from bench._harness import BODY  # noqa: E402
from completions.input_rules import json_parse  # noqa: E402
from playground.input_checks import _unstorable  # noqa: E402

RAW = json.dumps(BODY).encode()
REQUEST = RequestFactory().post("/v1/chat/completions?trace=1", RAW, "application/json")
TOKEN = ApiToken(scopes=[Scope.RUN, Scope.USAGE])


def _nothing() -> None:
    pass


def pairs(redis_url: str | None) -> dict:
    found = {
        "input rules": (lambda: json_parse(RAW), lambda: json.loads(RAW)),
        "input checks": (lambda: _unstorable(REQUEST), _nothing),
        "token scopes": (lambda: TOKEN.has_scope(Scope.RUN), _nothing),
        "token throttle": (
            lambda: throttle_check("bench", "127.0.0.1", limit=20, window=300, message=""),
            _nothing,
        ),
    }
    if redis_url:
        from django.core.cache.backends.redis import RedisCache

        from playground.cache import FailoverRedisCache

        failover = FailoverRedisCache(redis_url, {})
        plain = RedisCache(redis_url, {})
        found["Redis failover"] = (lambda: failover.get("bench"), lambda: plain.get("bench"))
    return found


def per_call(call, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--blocks", type=int, default=5)
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_timeout=0.5).ping()
    except Exception:  # noqa: BLE001 - no Redis here: that row is left out
        redis_url = None
    print(f"{'check':16} {'with µs':>9} {'without µs':>11} {'cost µs':>8}   per call, median")
    for name, (checked, unchecked) in pairs(redis_url).items():
        calls = args.calls // 10 if name == "Redis failover" else args.calls
        withs, withouts = [], []
        for _ in range(args.blocks):
            withs.append(per_call(checked, calls))
            withouts.append(per_call(unchecked, calls))
        on, off = statistics.median(withs), statistics.median(withouts)
        print(f"{name:16} {on:9.2f} {off:11.2f} {on - off:8.2f}")


if __name__ == "__main__":
    main()
