"""/v1 of two or more source trees side by side: does a tree's speed machinery earn its keep?

    .venv/bin/python bench/compare_trees.py NAME=DIR[:ENV=VAL,...] NAME=DIR ...
    .venv/bin/python bench/compare_trees.py before=/tmp/bench-before \\
        before-nocache=/tmp/bench-before:TOKEN_CACHE_SECONDS=0 after=/tmp/bench-after

(`git worktree add /tmp/bench-before <commit>` gives a tree pinned to a commit.)

One fake upstream (zero latency, from the first tree), then one Octoplay per argument under
gunicorn with that tree's own playground/gunicorn.conf.py (2 workers x 128 threads), cwd and
PYTHONPATH set to the tree so that its code, not the venv's editable install of /work/main,
is imported; each with a fresh PostgreSQL database (127.0.0.1:5432, user postgres; a copy of
one migrated once per tree) and a token of its own. Before measuring, every server is
checked to serve its own tree's code. DATABASE_POOL_MAX is 12 for all (see POOL_MAX); any
other setting can be given per server, as ENV=VAL.

The machine's speed drifts (a shared VM), so everything is measured in alternating blocks,
the order rotating from block to block, never one server's whole series after another's:
  1. non-streaming /v1/chat/completions latency at concurrency 1, the upstream called
     directly as well: p50/p99, the p50 added over direct, and how far the blocks' own p50s
     spread;
  2. requests per second at concurrency 32 (the direct upstream too, as the client's and
     upstream's ceiling), and errors;
  3. run rows in each server's database against the calls it answered, while it runs
     (waiting, bounded, for runs written behind the answers) and after a graceful stop;
  4. CPU per answered call, the server's and its PostgreSQL backends', over 1 and 2: on a
     shared machine it swings far less with other people's load than wall-clock time does.
Ratios are against the first named server. Calls go over plain http.client keep-alive
connections, fresh ones for each block (none idles past gunicorn's 5 s keep-alive), so the
client costs the 2-core machine as little as it can.
"""

import argparse
import http.client
import os
import signal
import statistics
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._harness import percentile  # noqa: E402
from bench._trees import (  # noqa: E402
    CallFailed,
    Client,
    Target,
    _connections,
    cpu_used,
    fake_upstream,
    octoplay,
    runs_in,
    server_cpu,
)

LATENCY_BLOCKS, LATENCY_CALLS = 10, 100
THROUGHPUT_ROUNDS, THROUGHPUT_SECONDS, CONCURRENCY = 4, 5.0, 32
RUNS_WAIT_SECONDS = 15.0


def rotated(items: list, by: int) -> list:
    by %= len(items)
    return items[by:] + items[:by]


def latency_blocks(targets: list[Target]) -> None:
    for block in range(LATENCY_BLOCKS):
        for target in rotated(targets, block):
            client = Client(target)
            client.call()  # the connection's first call, not timed
            times = [client.call() for _ in range(LATENCY_CALLS)]
            client.close()
            target.answered += LATENCY_CALLS + 1
            target.latencies += times
            target.block_p50s.append(statistics.median(times))


def throughput_block(target: Target) -> None:
    stop = time.monotonic() + THROUGHPUT_SECONDS
    done, errors = [0] * CONCURRENCY, [0] * CONCURRENCY

    def worker(i: int) -> None:
        client = Client(target)
        while time.monotonic() < stop:
            try:
                client.call()
                done[i] += 1
            except (OSError, http.client.HTTPException, CallFailed):
                errors[i] += 1
                client.close()
                client = Client(target)
        client.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    target.rates.append(sum(done) / (time.monotonic() - started))
    target.answered += sum(done)
    target.errors += sum(errors)
    if target.database:
        # Runs written behind the answers land before the next block, not inside it.
        _, waited = runs_settled(target)
        target.catch_up_ms.append(waited)


def runs_settled(target: Target) -> tuple[int, float]:
    """The server's run count once it reaches its answered calls (or after a bounded wait),
    and how many ms that took."""
    started = time.monotonic()
    while (count := runs_in(target.database)) < target.answered:
        if time.monotonic() - started > RUNS_WAIT_SECONDS:
            break
        time.sleep(0.01)
    return count, (time.monotonic() - started) * 1000


# Report


def spread(values: list[float], digits: int = 2) -> str:
    return f"{min(values):.{digits}f}-{max(values):.{digits}f}"


def report_latency(direct: Target, servers: list[Target]) -> None:
    base = statistics.median(direct.latencies)
    print(
        f"\n[non-streaming /v1/chat/completions, concurrency 1: {LATENCY_BLOCKS} blocks x "
        f"{LATENCY_CALLS} calls per target, alternating]"
    )
    print(f"  {'target':<16} {'p50 ms':>7} {'p99 ms':>7} {'added p50':>10}   block p50s (min-max)")
    for target in [direct, *servers]:
        p50 = statistics.median(target.latencies)
        added = "" if target is direct else f"{p50 - base:+.3f}"
        print(
            f"  {target.name:<16} {p50:7.3f} {percentile(target.latencies, 99):7.3f} "
            f"{added:>10}   {spread(target.block_p50s, 3)}"
        )


def report_throughput(direct: Target, servers: list[Target]) -> None:
    print(
        f"\n[throughput, concurrency {CONCURRENCY}: {THROUGHPUT_ROUNDS} rounds x "
        f"{THROUGHPUT_SECONDS:g} s per target, alternating]"
    )
    print(f"  {'target':<16} {'req/s':>7} {'errors':>7}   per round (min-max)   runs caught up")
    for target in [direct, *servers]:
        caught = f"within {max(target.catch_up_ms):.0f} ms" if target.catch_up_ms else ""
        print(
            f"  {target.name:<16} {statistics.fmean(target.rates):7.0f} {target.errors:7d}   "
            f"{spread(target.rates, 0):<21} {caught}"
        )


def report_runs(servers: list[Target], live: dict[str, tuple[int, float]], stopped: dict) -> None:
    print("\n[run rows vs answered calls]")
    print(f"  {'server':<16} {'answered':>8} {'rows live':>10} {'after stop':>10}")
    for target in servers:
        count, waited = live[target.name]
        verdict = "equal" if count == stopped[target.name] == target.answered else "MISMATCH"
        print(
            f"  {target.name:<16} {target.answered:8d} {count:10d} {stopped[target.name]:10d}"
            f"   {verdict} (live count settled in {waited:.0f} ms)"
        )


def report_cpu(servers: list[Target]) -> None:
    print("\n[CPU per answered call, latency and throughput phases together]")
    print(f"  {'server':<16} {'calls':>7} {'gunicorn ms':>12} {'postgres ms':>12} {'total ms':>9}")
    for target in servers:
        calls = target.cpu["calls"]
        gunicorn, postgres = (target.cpu[k] * 1000 / calls for k in ("gunicorn", "postgres"))
        print(
            f"  {target.name:<16} {calls:7d} {gunicorn:12.3f} {postgres:12.3f} "
            f"{gunicorn + postgres:9.3f}"
        )


def cpu_per_call(target: Target) -> float:
    return (target.cpu["gunicorn"] + target.cpu["postgres"]) / target.cpu["calls"]


def report_ratios(direct: Target, servers: list[Target]) -> None:
    first, base = servers[0], statistics.median(direct.latencies)
    paired_added = [
        [s - d for s, d in zip(t.block_p50s, direct.block_p50s, strict=True)] for t in servers
    ]
    print(f"\n[vs {first.name}: ratio other/{first.name}, per-block range in brackets]")
    print(f"  {'server':<16} {'added p50':>22} {'total p50':>22} {'req/s':>22} {'CPU/call':>9}")
    for target, added in zip(servers[1:], paired_added[1:], strict=True):
        ratio_added = (statistics.median(target.latencies) - base) / (
            statistics.median(first.latencies) - base
        )
        blocks_added = [a / b for a, b in zip(added, paired_added[0], strict=True)]
        ratio_total = statistics.median(target.latencies) / statistics.median(first.latencies)
        blocks_total = [a / b for a, b in zip(target.block_p50s, first.block_p50s, strict=True)]
        ratio_rate = statistics.fmean(target.rates) / statistics.fmean(first.rates)
        rounds_rate = [a / b for a, b in zip(target.rates, first.rates, strict=True)]
        cells = [
            f"{ratio:5.3f} [{spread(blocks, 3)}]"
            for ratio, blocks in (
                (ratio_added, blocks_added),
                (ratio_total, blocks_total),
                (ratio_rate, rounds_rate),
            )
        ]
        print(
            f"  {target.name:<16} {cells[0]:>22} {cells[1]:>22} {cells[2]:>22} "
            f"{cpu_per_call(target) / cpu_per_call(first):9.3f}"
        )


def parse(argument: str) -> tuple[str, Path, dict[str, str]]:
    name, _, rest = argument.partition("=")
    directory, _, settings = rest.partition(":")
    extra = dict(pair.split("=", 1) for pair in settings.split(",") if pair)
    tree = Path(directory)
    if not name or not (tree / "manage.py").exists():
        raise argparse.ArgumentTypeError(f"{argument!r}: want NAME=DIR[:ENV=VAL,...]")
    return name, tree, extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("servers", nargs="+", type=parse, metavar="NAME=DIR[:ENV=VAL,...]")
    wanted = parser.parse_args().servers
    # A SIGTERM unwinds like Ctrl-C, through every `finally` that stops a process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("gave up after 10 minutes"))
    signal.alarm(600)  # the whole run is bounded, whatever the machine's load
    started = time.monotonic()
    print("load at start (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    with ExitStack() as databases:
        databases.callback(lambda: [conn.close() for conn in _connections.values()])
        with ExitStack() as processes:
            direct = processes.enter_context(fake_upstream(wanted[0][1]))
            print(f"fake upstream (from {wanted[0][1]}) on 127.0.0.1:{direct.port}")
            migrated: dict[Path, str] = {}
            servers = [
                octoplay(name, tree.resolve(), extra, direct, processes, databases, migrated)
                for name, tree, extra in wanted
            ]
            print(f"set up in {time.monotonic() - started:.0f} s, load {os.getloadavg()[0]:.2f}")
            measuring = time.monotonic()
            cpu_start = {t.name: server_cpu(t) for t in servers}
            latency_blocks([direct, *servers])
            for round_ in range(THROUGHPUT_ROUNDS):
                for target in rotated([direct, *servers], round_):
                    throughput_block(target)
            live = {t.name: runs_settled(t) for t in servers}
            for target in servers:
                cpu_used(target, cpu_start[target.name], server_cpu(target))
            signal.alarm(0)  # stopping is bounded by each server's graceful wait
            print(
                f"measured in {time.monotonic() - measuring:.0f} s, "
                f"load {os.getloadavg()[0]:.2f}; stopping the servers"
            )
        # Stopped gracefully: whatever a writer still held is written by now.
        stopped = {t.name: runs_in(t.database) for t in servers}
    report_latency(direct, servers)
    report_throughput(direct, servers)
    report_runs(servers, live, stopped)
    report_cpu(servers)
    report_ratios(direct, servers)
    print(f"\nwhole run {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
