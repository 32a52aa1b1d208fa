"""A thousand calls in flight: /v1 against the upstream directly, side by side.

Starts fake upstreams (a 2 s one, a streaming one and a zero-latency one) and Octoplay as
`make run` serves it (production settings, PostgreSQL: BENCH_DATABASE_URL, default a fresh
octoplay_bench_1000 database), then measures in alternating blocks, since this machine's
speed drifts:

  1. slow upstream (2 s), CLIENTS clients at once (default 1,000), 3 blocks of 10 s each side:
     throughput, p50/p90/p99 and errors, directly and through /v1; run rows counted;
  2. 500 simultaneous streams of 64 chunks sent 20 ms apart: completed, first token p99,
     the worst gap between two chunks of one stream, the smallest gap (bunching);
  3. zero-latency upstream: added p50 at concurrency 1 for /v1 and /api/completions/ (the
     playground's path), and throughput at concurrency 32 with Redis off and on (rate limits
     enforced), each on its own server.

    .venv/bin/python bench/thousand_calls.py [--clients 1000] [--block 10] [--blocks 3]

The load generator is asyncio + aiohttp in this process: it shares the 2 cores with the
servers, the upstreams and PostgreSQL, as everything does in these benchmarks.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import aiohttp
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._harness import BODY, STREAM_64, fake_upstream, octoplay, percentile  # noqa: E402
from bench._trees import cpu_seconds  # noqa: E402

DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/octoplay_bench_1000")
UPSTREAM_KEY = "sk-bench"


def fresh_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def rows(url: str) -> int:
    with psycopg.connect(url) as db:
        return db.execute("SELECT count(*) FROM completions_run").fetchone()[0]


class Target:
    def __init__(self, name: str, url: str, key: str, body: dict = BODY):
        self.name, self.url, self.key, self.body = name, url, key, body
        self.answered = 0  # 200s over the whole run, to compare with run rows


def _session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)
    return aiohttp.ClientSession(connector=connector, timeout=timeout)


async def _call(session, target: Target) -> tuple[float, bool]:
    started = time.perf_counter()
    try:
        async with session.post(
            target.url, json=target.body, headers={"Authorization": f"Bearer {target.key}"}
        ) as response:
            await response.read()
            ok = response.status == 200
    except (TimeoutError, aiohttp.ClientError):
        ok = False
    if ok:
        target.answered += 1
    return (time.perf_counter() - started) * 1000, ok


class CpuMeter:
    """CPU spent by each party of a block, from /proc: this process (the load client), the
    upstream, Octoplay's gunicorn (master and workers) and PostgreSQL's backends on the
    benchmark's database. Wall-clock throughput on 2 shared cores is bounded by their sum."""

    def __init__(self, upstream: str, site: str, database: str):
        self.parties = {
            "client": lambda: [os.getpid()],
            "upstream": lambda: _pids(f"demo.fake_upstream --port {_port(upstream)}"),
            "octoplay": lambda: _pids(f"--bind 127.0.0.1:{_port(site)}"),
            "postgres": lambda: _backends(database),
        }

    def snapshot(self) -> dict[str, dict[int, float]]:
        return {
            name: {pid: cpu_seconds(pid) for pid in pids()} for name, pids in self.parties.items()
        }

    @staticmethod
    def used(start: dict, end: dict) -> dict[str, float]:
        return {
            name: sum(seconds - start[name].get(pid, 0.0) for pid, seconds in end[name].items())
            for name in end
        }


def _port(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


def _pids(command_part: str) -> list[int]:
    """Processes whose command line holds `command_part` (gunicorn's workers share theirs)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if command_part in cmdline.read_bytes().replace(b"\0", b" ").decode():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue  # gone meanwhile
    return found


def _backends(url: str) -> list[int]:
    with psycopg.connect(url) as db:
        query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        return [pid for (pid,) in db.execute(query).fetchall() if pid != db.info.backend_pid]


async def load_block(
    target: Target, clients: int, seconds: float, meter: CpuMeter | None = None
) -> dict:
    """`clients` loops calling back to back for `seconds`; calls started in time all count."""
    start = meter.snapshot() if meter else None
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(session):
        nonlocal errors
        while time.perf_counter() < deadline:
            latency, ok = await _call(session, target)
            if ok:
                latencies.append(latency)
            else:
                errors += 1

    started = time.perf_counter()
    async with _session() as session:
        await asyncio.gather(*(client(session) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    cpu = CpuMeter.used(start, meter.snapshot()) if meter and start else {}
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed, "cpu": cpu}


def _summary(blocks: list[dict]) -> dict:
    latencies = [v for b in blocks for v in b["latencies"]]
    elapsed = sum(b["elapsed"] for b in blocks)
    return {
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p90": percentile(latencies, 90) if latencies else float("nan"),
        "p99": percentile(latencies, 99) if latencies else float("nan"),
        "errors": sum(b["errors"] for b in blocks),
        "calls": len(latencies),
        "elapsed": elapsed,
        "cpu": {name: sum(b["cpu"].get(name, 0.0) for b in blocks) for name in blocks[0]["cpu"]},
    }


async def alternate(
    targets: list[Target], clients: int, seconds: float, blocks: int, meter: CpuMeter | None = None
) -> dict:
    results: dict[str, list[dict]] = {t.name: [] for t in targets}
    for _ in range(blocks):
        for target in targets:
            results[target.name].append(await load_block(target, clients, seconds, meter))
    return {name: _summary(found) for name, found in results.items()}


async def one_stream(session, target: Target) -> dict:
    started = time.perf_counter()
    arrivals: list[float] = []
    try:
        async with session.post(
            target.url, json=target.body, headers={"Authorization": f"Bearer {target.key}"}
        ) as response:
            buffer = b""
            async for data in response.content.iter_any():
                now = time.perf_counter()
                buffer += data
                while b"\n\n" in buffer:
                    event, buffer = buffer.split(b"\n\n", 1)
                    if event.startswith(b"data: {") and b'"content"' in event:
                        arrivals.append(now)
            ok = response.status == 200
    except (TimeoutError, aiohttp.ClientError):
        ok = False
    gaps = [(b - a) * 1000 for a, b in zip(arrivals, arrivals[1:], strict=False)]
    return {
        "ok": ok and len(arrivals) >= 64,
        "first": (arrivals[0] - started) * 1000 if arrivals else float("nan"),
        "worst_gap": max(gaps) if gaps else float("nan"),
        "least_gap": min(gaps) if gaps else float("nan"),
        "chunks": len(arrivals),
    }


async def streams(target: Target, count: int) -> dict:
    async with _session() as session:
        found = await asyncio.gather(*(one_stream(session, target) for _ in range(count)))
    done = [s for s in found if s["ok"]]
    firsts = [s["first"] for s in done]
    return {
        "complete": len(done),
        "first_p50": statistics.median(firsts) if firsts else float("nan"),
        "first_p99": percentile(firsts, 99) if firsts else float("nan"),
        "worst_gap": max((s["worst_gap"] for s in done), default=float("nan")),
        "least_gap": min((s["least_gap"] for s in done), default=float("nan")),
    }


async def sequential(target: Target, n: int) -> list[float]:
    async with _session() as session:
        return [(await _call(session, target))[0] for _ in range(n)]


async def interleaved(targets: list[Target], n: int, block: int = 50) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {t.name: [] for t in targets}
    for _ in range(n // block):
        for target in targets:
            found[target.name] += await sequential(target, block)
    return found


def print_load(title: str, results: dict, direct: str) -> None:
    print(f"\n{title}")
    print(f"{'':28} {'req/s':>8} {'p50 ms':>9} {'p90 ms':>9} {'p99 ms':>9} {'errors':>7}")
    for name, r in results.items():
        ratio = r["rps"] / results[direct]["rps"] if results[direct]["rps"] else 0
        print(
            f"{name:28} {r['rps']:8.1f} {r['p50']:9.1f} {r['p90']:9.1f} {r['p99']:9.1f} "
            f"{r['errors']:7d}   throughput {ratio:6.1%} of direct"
        )


def print_cpu(results: dict) -> None:
    """Where the two cores went, per answered call: the bound on wall-clock throughput."""
    cores = os.cpu_count() or 1
    print(f"   CPU per answered call (ms), of {cores} cores shared by everything:")
    for name, r in results.items():
        parts = "  ".join(f"{party} {1000 * s / r['calls']:5.2f}" for party, s in r["cpu"].items())
        busy = sum(r["cpu"].values()) / (cores * r["elapsed"])
        print(
            f"   {name:14} {parts}  total {1000 * sum(r['cpu'].values()) / r['calls']:5.2f}"
            f"  (these parties used {busy:.0%} of the machine)"
        )


async def main(args) -> None:
    with ExitStack() as stack:
        slow = stack.enter_context(fake_upstream(latency=2.0, api_key=UPSTREAM_KEY))
        fresh_database(DB)
        site, token, _ = stack.enter_context(octoplay(slow, api_key=UPSTREAM_KEY, database_url=DB))
        # 1. A thousand calls in flight against a 2 s upstream.
        direct = Target("direct", f"{slow}/chat/completions", UPSTREAM_KEY)
        proxied = Target("octoplay /v1", f"{site}/v1/chat/completions", token)
        before = rows(DB)
        meter = CpuMeter(slow, site, DB)
        results = await alternate([direct, proxied], args.clients, args.block, args.blocks, meter)
        print_load(
            f"1. upstream latency 2 s, {args.clients} clients, {args.blocks} x {args.block:g} s "
            "each, alternating",
            results,
            "direct",
        )
        added = results["octoplay /v1"]["p50"] - results["direct"]["p50"]
        print(
            f"   added p50 {added:.0f} ms ({added / 2000:.1%} of the upstream's 2 s); "
            f"p99 {results['octoplay /v1']['p99'] / 2000:.2f}x the upstream's latency"
        )
        print(f"   run rows: {rows(DB) - before} for {proxied.answered} answered calls")
        print_cpu(results)

    # 2. and 3. need servers of their own (another upstream each).
    with ExitStack() as stack:
        paced = stack.enter_context(fake_upstream(chunk_delay=0.02, api_key=UPSTREAM_KEY))
        fresh_database(DB)
        site, token, _ = stack.enter_context(octoplay(paced, api_key=UPSTREAM_KEY, database_url=DB))
        print(f"\n2. {args.streams} simultaneous streams, 64 chunks 20 ms apart (twice each)")
        direct = Target("direct", f"{paced}/chat/completions", UPSTREAM_KEY, STREAM_64)
        proxied = Target("octoplay /v1", f"{site}/v1/chat/completions", token, STREAM_64)
        meter = CpuMeter(paced, site, DB)
        for target in (direct, proxied, direct, proxied):
            start, started = meter.snapshot(), time.perf_counter()
            s = await streams(target, args.streams)
            cpu = CpuMeter.used(start, meter.snapshot())
            elapsed = time.perf_counter() - started
            print(
                f"   {target.name:14} complete {s['complete']:4d}/{args.streams}  first token "
                f"p50 {s['first_p50']:7.1f} p99 {s['first_p99']:7.1f} ms  worst gap "
                f"{s['worst_gap']:6.1f} ms  least gap {s['least_gap']:5.1f} ms"
            )
            print(
                "   "
                + " " * 15
                + "CPU s: "
                + "  ".join(f"{party} {seconds:.2f}" for party, seconds in cpu.items())
                + f"  in {elapsed:.2f} s of wall time"
            )

    with ExitStack() as stack:
        quick = stack.enter_context(fake_upstream(api_key=UPSTREAM_KEY))
        fresh_database(DB)
        site, token, _ = stack.enter_context(octoplay(quick, api_key=UPSTREAM_KEY, database_url=DB))
        redis_db = DB + "_redis"
        fresh_database(redis_db)
        redis_site, redis_token, _ = stack.enter_context(
            octoplay(
                quick,
                api_key=UPSTREAM_KEY,
                database_url=redis_db,
                extra={
                    "REDIS_URL": "redis://127.0.0.1:6379/13",
                    "RATE_LIMIT_PER_MINUTE": "100000000",
                },
            )
        )
        targets = [
            Target("direct", f"{quick}/chat/completions", UPSTREAM_KEY),
            Target("octoplay /v1", f"{site}/v1/chat/completions", token),
            Target("octoplay /api/completions", f"{site}/api/completions/", token),
        ]
        found = await interleaved(targets, args.calls)
        base = statistics.median(found["direct"])
        print(f"\n3. zero-latency upstream, concurrency 1, {args.calls} calls each, alternating")
        for name, values in found.items():
            p50 = statistics.median(values)
            print(f"   {name:28} p50 {p50:6.2f} ms  added {p50 - base:6.2f} ms")
        v1 = statistics.median(found["octoplay /v1"]) - base
        api = statistics.median(found["octoplay /api/completions"]) - base
        print(f"   /api/completions adds {api / v1:.2f}x what /v1 adds")
        off = Target("Redis off", f"{site}/v1/chat/completions", token)
        on = Target("Redis on, limits enforced", f"{redis_site}/v1/chat/completions", redis_token)
        direct = Target("direct", f"{quick}/chat/completions", UPSTREAM_KEY)
        results = await alternate([direct, off, on], 32, 5.0, 3)
        print_load("   concurrency 32, 3 x 5 s each, alternating", results, "direct")
        ratio = results["Redis on, limits enforced"]["rps"] / results["Redis off"]["rps"]
        print(f"   Redis on keeps {ratio:.1%} of the throughput with Redis off")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--block", type=float, default=10.0)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--calls", type=int, default=600)
    asyncio.run(main(parser.parse_args()))
