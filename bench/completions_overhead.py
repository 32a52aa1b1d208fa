"""What Octoplay's POST /api/completions/ adds on top of the upstream, per call.

Starts the offline fake upstream with zero latency and Octoplay under gunicorn (SQLite in a
temp dir, or DATABASE_URL if set, e.g. PostgreSQL), then sends the same N requests directly
to the upstream and through Octoplay, one at a time, for non-stream and stream, and prints
latency percentiles, the added latency, the server-reported overhead and throughput.

    .venv/bin/python bench/completions_overhead.py [-n 300]

Where the time goes (2026-11-25, PostgreSQL, measured in-process with time.thread_time): of
~1.5-2.4 ms of request-thread CPU per /v1 call, ~35% is requests/urllib3 talking to the
upstream, ~15% the API token check (one prepared query, accounts/token_lookup.py; through the
ORM it was ~2.2 ms), the rest Django's request handling, validation and JSON. This endpoint
writes its run before answering (a non-streaming run in one insert, ~1 ms with the ORM), which
/v1 does behind its answer; see README "Tests and benchmarks".
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._harness import describe, fake_upstream, octoplay, percentile  # noqa: E402

BODY = {
    "model": "octo-demo-small",
    "messages": [{"role": "user", "content": "Say something short about benchmarks."}],
    "max_tokens": 16,
}


def timed(call, n: int) -> tuple[list[float], float, list]:
    samples, results = [], []
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        results.append(call())
        samples.append((time.perf_counter() - t0) * 1000)
    return samples, time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=300)
    n = parser.parse_args().n
    with fake_upstream() as upstream, octoplay(upstream) as (site, token, _env):
        direct = requests.Session()
        direct.headers["Authorization"] = "Bearer sk-bench"
        proxied = requests.Session()
        proxied.headers["Authorization"] = f"Bearer {token}"

        def direct_call(stream: bool):
            def call():
                r = direct.post(f"{upstream}/chat/completions", json={**BODY, "stream": stream})
                r.raise_for_status()
                return r.content

            return call

        def proxied_call(stream: bool):
            def call():
                r = proxied.post(f"{site}/api/completions/", json={**BODY, "stream": stream})
                r.raise_for_status()
                body = r.content
                assert b'"status":"ok"' in body.replace(b" ", b""), body[-300:]
                return float(r.headers["X-Octoplay-Overhead-Ms"])

            return call

        for _ in range(20):  # warm up connections, caches and both gunicorn workers
            direct_call(False)()
            proxied_call(False)()
        print(
            f"Octoplay completions overhead, {n} sequential calls each "
            "(fake upstream, zero latency)"
        )
        for stream in (False, True):
            label = "stream" if stream else "non-stream"
            d, d_total, _ = timed(direct_call(stream), n)
            p, p_total, overheads = timed(proxied_call(stream), n)
            print(f"\n[{label}]")
            print(f"  direct to upstream : {describe(d)}   {n / d_total:6.0f} req/s")
            print(f"  through Octoplay   : {describe(p)}   {n / p_total:6.0f} req/s")
            added_p50 = statistics.median(p) - statistics.median(d)
            added_p99 = percentile(p, 99) - percentile(d, 99)
            print(f"  added latency      : p50 {added_p50:7.2f} ms   p99 {added_p99:7.2f} ms")
            print(f"  server overhead hdr: {describe(overheads)}")


if __name__ == "__main__":
    main()
