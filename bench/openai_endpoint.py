"""The OpenAI-compatible endpoint under load, against the upstream called directly.

Starts the fake upstream (zero latency) and Octoplay under gunicorn, logging to PostgreSQL
(BENCH_DATABASE_URL, default a fresh octoplay_bench_v1 database on 127.0.0.1), and measures:
  1. added latency p50/p99 at concurrency 1 and 32, non-streaming; at concurrency 1 beside
     the floor, a bare Python proxy on the same server and HTTP client (bench/floor_proxy.py),
     so that Octoplay's own share shows apart from what any such proxy costs;
  2. requests per second sustained at concurrency 32 (the floor's too), errors, and runs
     logged (counted);
  3. streaming time to first token, added;
  4. a second upstream sending 64 chunks 20 ms apart: chunks must arrive as 64 with the same
     spacing (added gap p99), and 200 such streams open at once, none stalled;
  5. a client that disconnects mid-stream leaves exactly one logged run.
Non-streaming /v1 runs are written behind the answers (completions/run_log.py), so counts
wait (bounded) for the writer, and the last check counts every run after a graceful stop.

    .venv/bin/python bench/openai_endpoint.py
"""

import itertools
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._harness import (  # noqa: E402
    BODY,
    STREAM_64,
    describe,
    fake_upstream,
    floor_proxy,
    octoplay,
    percentile,
)

DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/octoplay_bench_v1")


def fresh_database() -> None:
    base, name = DB.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def runs_logged() -> int:
    with psycopg.connect(DB.replace("postgres://", "postgresql://")) as conn:
        return conn.execute("SELECT count(*) FROM completions_run").fetchone()[0]


def runs_settled(expected: int, timeout: float = 10.0) -> tuple[int, float]:
    """The run count once it reaches `expected` (or stops there short of it after `timeout`),
    and how long after the last answer that took."""
    started = time.monotonic()
    while (count := runs_logged()) < expected and time.monotonic() - started < timeout:
        time.sleep(0.01)
    return count, (time.monotonic() - started) * 1000


class Answered:
    """Answers received through Octoplay, counted from many threads (next() is atomic)."""

    def __init__(self):
        self._counter = itertools.count(1)
        self.total = 0

    def add(self):
        self.total = next(self._counter)


def session(key: str) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.headers["Authorization"] = f"Bearer {key}"
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=256)
    s.mount("http://", adapter)
    return s


def call(s: requests.Session, url: str, body: dict) -> float:
    t0 = time.perf_counter()
    response = s.post(f"{url}/chat/completions", json=body, timeout=60)
    response.raise_for_status()
    elapsed = (time.perf_counter() - t0) * 1000
    if hasattr(s, "answered"):
        s.answered.add()
    return elapsed


def latency(s, url, concurrency: int, n: int) -> list[float]:
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda _: call(s, url, BODY), range(n)))


def latency_interleaved(targets: list[tuple[requests.Session, str]], n: int, block: int = 50):
    """Blocks of calls to each target in turn, so all see the same stretches of a machine
    whose speed drifts (a shared VM); blocks, not single calls, so that none is measured
    while another's leftover work still runs. One list of latencies per target."""
    results = [[] for _ in targets]
    for _ in range(n // block):
        for (s, url), latencies in zip(targets, results, strict=True):
            latencies += [call(s, url, BODY) for _ in range(block)]
    return results


def throughput(s, url, seconds: float = 10.0, concurrency: int = 32) -> tuple[float, int, int]:
    done, errors, stop = [0], [0], time.monotonic() + seconds
    lock = threading.Lock()

    def worker():
        while time.monotonic() < stop:
            try:
                call(s, url, BODY)
                with lock:
                    done[0] += 1
            except requests.RequestException:
                with lock:
                    errors[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.monotonic() - started), done[0], errors[0]


def stream_timings(s, url, body) -> tuple[float, list[float], int]:
    """Time to first content chunk, gaps between content chunks, content chunk count."""
    t0 = time.perf_counter()
    arrivals = []
    with s.post(f"{url}/chat/completions", json=body, stream=True, timeout=60) as response:
        response.raise_for_status()
        # Bytes as they arrive (not byte by byte: 200 such readers would starve the CPU).
        for data in response.iter_content(chunk_size=None):
            now = time.perf_counter()
            for event in data.split(b"\n\n"):
                is_content = event.startswith(b"data: {") and b'"content":"' in event
                if is_content and b'"content":""' not in event:
                    arrivals.append(now)
    if hasattr(s, "answered"):
        s.answered.add()
    gaps = [(b - a) * 1000 for a, b in zip(arrivals, arrivals[1:], strict=False)]
    return (arrivals[0] - t0) * 1000, gaps, len(arrivals)


def concurrent_streams(s, url, count: int) -> tuple[int, float, float]:
    """Streams opened all at once: how many arrived whole, the worst gap between chunks in
    any of them, and how long they took."""
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def one_stream():
        _, gaps, chunks = stream_timings(s, url, STREAM_64)
        with lock:
            results.append((chunks, max(gaps)))

    threads = [threading.Thread(target=one_stream) for _ in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    complete = sum(1 for chunks, _ in results if chunks == 64)
    return complete, max(gap for _, gap in results), time.monotonic() - started


def main() -> None:
    fresh_database()
    os.environ["DATABASE_URL"] = DB
    with (
        fake_upstream() as upstream,
        floor_proxy(upstream) as floor,
        octoplay(upstream) as (site, token, _env),
    ):
        direct, through, bare = session("sk-bench"), session(token), session("sk-bench")
        through.answered = Answered()
        v1 = f"{site}/v1"
        for s, url in ((direct, upstream), (bare, floor), (through, v1)):
            latency(s, url, 4, 100)  # warm up
        print("OpenAI-compatible endpoint vs the upstream directly (fake upstream, zero latency)")
        d, f, p = latency_interleaved([(direct, upstream), (bare, floor), (through, v1)], 1500)
        print("\n[non-stream, concurrency 1, 1500 calls each, alternating blocks]")
        print(f"  direct   : {describe(d)}")
        print(f"  floor    : {describe(f)}   (bare Python proxy, same server and client)")
        print(f"  via /v1  : {describe(p)}")
        added, floor_added = (statistics.median(x) - statistics.median(d) for x in (p, f))
        added_p99 = percentile(p, 99) - percentile(d, 99)
        print(
            f"  added    : p50 {added:6.2f} ms   p99 {added_p99:6.2f} ms   (the floor adds "
            f"{floor_added:.2f} ms; Octoplay's own work {added - floor_added:.2f} ms)"
        )
        n = 1500
        d, p = latency(direct, upstream, 32, n), latency(through, v1, 32, n)
        print(f"\n[non-stream, concurrency 32, {n} calls]")
        print(f"  direct   : {describe(d)}")
        print(f"  via /v1  : {describe(p)}")
        print(
            f"  added    : p50 {statistics.median(p) - statistics.median(d):6.2f} ms   "
            f"p99 {percentile(p, 99) - percentile(d, 99):6.2f} ms"
        )
        before, _ = runs_settled(through.answered.total)  # earlier phases' runs all written
        rate_d, _, err_d = throughput(direct, upstream)
        rate_f, _, err_f = throughput(bare, floor)
        rate_p, count, err_p = throughput(through, v1)
        after, waited = runs_settled(before + count)
        logged = after - before
        print("\n[sustained, concurrency 32, 10 s]")
        print(f"  direct   : {rate_d:6.0f} req/s, {err_d} errors")
        print(f"  floor    : {rate_f:6.0f} req/s, {err_f} errors")
        print(
            f"  via /v1  : {rate_p:6.0f} req/s, {err_p} errors, {count} answered, "
            f"{logged} runs logged ({'exactly one each' if logged == count else 'MISMATCH'}; "
            f"all in the database {waited:.0f} ms after the last answer)"
        )
        ttft_d = [stream_timings(direct, upstream, {**BODY, "stream": True})[0] for _ in range(100)]
        ttft_p = [stream_timings(through, v1, {**BODY, "stream": True})[0] for _ in range(100)]
        print("\n[streaming time to first token, concurrency 1]")
        first_d, first_p = statistics.median(ttft_d), statistics.median(ttft_p)
        print(
            f"  direct {first_d:.2f} ms, via /v1 {first_p:.2f} ms, added {first_p - first_d:.2f} ms"
        )
        answered = through.answered.total
    total = runs_logged()  # the server has stopped: whatever it had queued is written
    print(
        f"\n[after a graceful stop] {answered} answers through /v1 in all, {total} runs logged "
        f"({'exactly one each' if total == answered else 'MISMATCH'})"
    )

    with (
        fake_upstream(chunk_delay=0.02) as slow,
        octoplay(slow) as (site, token, _env),
    ):
        direct, through = session("sk-bench"), session(token)
        through.answered = Answered()
        earlier = runs_logged()  # the first server's, all written when it stopped
        v1 = f"{site}/v1"
        _, gaps_d, n_d = stream_timings(direct, slow, STREAM_64)
        _, gaps_p, n_p = stream_timings(through, v1, STREAM_64)
        print("\n[64 chunks, 20 ms apart]")
        for label, count, gaps in (("direct  ", n_d, gaps_d), ("via /v1 ", n_p, gaps_p)):
            print(
                f"  {label} : {count} chunks, gap p50 {statistics.median(gaps):.2f} ms "
                f"p99 {percentile(gaps, 99):.2f} ms"
            )
        print(
            f"  added gap p99: {percentile(gaps_p, 99) - percentile(gaps_d, 99):.2f} ms; "
            f"smallest gap via /v1 {min(gaps_p):.2f} ms (bunching would show ~0)"
        )

        print("\n[200 concurrent streams of 64 chunks, 20 ms apart]")
        direct_complete, direct_gap, elapsed = concurrent_streams(direct, slow, 200)
        print(
            f"  direct   : {direct_complete}/200 complete in {elapsed:.1f} s; "
            f"worst gap {direct_gap:.0f} ms (this client's own limit)"
        )
        before, _ = runs_settled(earlier + through.answered.total)
        complete, worst_gap, elapsed = concurrent_streams(through, v1, 200)
        logged, _ = runs_settled(before + 200)
        print(
            f"  via /v1  : {complete}/200 complete in {elapsed:.1f} s; worst gap "
            f"{worst_gap:.0f} ms; {logged - before} runs logged"
        )

        with through.post(
            f"{v1}/chat/completions", json=STREAM_64, stream=True, timeout=60
        ) as response:
            for count, _line in enumerate(response.iter_lines()):
                if count > 10:
                    break
        runs_settled(logged + 1)
        time.sleep(1)  # room for a second row, which would be a bug, to show up
        with psycopg.connect(DB.replace("postgres://", "postgresql://")) as conn:
            newest = conn.execute(
                "SELECT status FROM completions_run ORDER BY started_at DESC LIMIT 1"
            ).fetchone()[0]
        print(
            f"\n[client disconnects mid-stream] runs logged: {runs_logged() - logged}, "
            f"status: {newest}"
        )


if __name__ == "__main__":
    main()
