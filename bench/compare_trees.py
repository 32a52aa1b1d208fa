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
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._harness import PYTHON, free_port, percentile  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432"
UPSTREAM_KEY = "sk-bench"
BODY = json.dumps(
    {
        "model": "octo-demo-small",
        "messages": [{"role": "user", "content": "Hi there"}],
        "max_tokens": 16,
    }
).encode()
LATENCY_BLOCKS, LATENCY_CALLS = 10, 100
THROUGHPUT_ROUNDS, THROUGHPUT_SECONDS, CONCURRENCY = 4, 5.0, 32
RUNS_WAIT_SECONDS = 15.0
LISTENER_NAME = "octoplay-token-cache"  # accounts/token_cache.py's application_name
OWN_NAME = "compare_trees"  # this script's connections, left out of the servers' CPU
# Connections borrowed per query, so 12 a worker is plenty; at the default 20, three servers'
# pools (2 x 20 each) and other people's tests can pass PostgreSQL's max_connections (100).
POOL_MAX = "12"

# Run in each server's tree with its environment: make the user and token, and say where
# the code was imported from.
SETUP = """
import io, json
import accounts, completions, playground
from django.core.management import call_command
from accounts.services import user_signup
user_signup(username="bench", email="bench@example.com", password="bench-pass-123")
out = io.StringIO()
call_command("create_token", "bench", stdout=out)
print(json.dumps({"token": out.getvalue().strip(),
                  "files": [m.__file__ for m in (accounts, completions, playground)]}))
"""


@dataclass
class Target:
    name: str
    port: int
    key: str
    database: str | None = None  # None: the upstream, called directly
    pid: int | None = None  # gunicorn's master
    answered: int = 0  # calls answered 200, all phases
    latencies: list[float] = field(default_factory=list)
    block_p50s: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    errors: int = 0
    catch_up_ms: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # seconds over the measurements


class CallFailed(Exception):
    pass


class Client:
    """One keep-alive connection to a target's /v1/chat/completions."""

    def __init__(self, target: Target):
        self.target = target
        self.conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
        self.headers = {
            "Authorization": f"Bearer {target.key}",
            "Content-Type": "application/json",
        }

    def call(self) -> float:
        """Milliseconds for one whole answer."""
        started = time.perf_counter()
        self.conn.request("POST", "/v1/chat/completions", body=BODY, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise CallFailed(f"{self.target.name}: HTTP {response.status} {body[:200]!r}")
        return elapsed

    def close(self) -> None:
        self.conn.close()


# Processes, each in a process group of its own so that nothing outlives the benchmark


@contextmanager
def process(args: list[str], *, cwd: Path, env: dict, graceful: float):
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        try:
            proc.terminate()  # gunicorn: a graceful stop, the run writer drains its queue
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=graceful)
        finally:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group
            proc.wait()


def wait_up(port: int, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", path, headers={"Authorization": f"Bearer {UPSTREAM_KEY}"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)
    raise RuntimeError(f"127.0.0.1:{port}{path} did not come up within {timeout:g} s")


def tree_env(tree: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")}
    env.update(PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
    return env | extra


@contextmanager
def fake_upstream(tree: Path):
    module = "demo.fake_upstream"
    if not (tree / "demo" / "fake_upstream.py").exists():
        module = "completions.fake_upstream"
    port = free_port()
    args = [PYTHON, "-m", module, "--port", str(port), "--api-key", UPSTREAM_KEY]
    with process(args, cwd=tree, env=tree_env(tree, {}), graceful=5):
        wait_up(port, "/v1/models")
        yield Target("direct", port, UPSTREAM_KEY)


_connections: dict[str, psycopg.Connection] = {}


def db(name: str = "postgres") -> psycopg.Connection:
    """This script's connection to a database, opened once: polling with a new connection
    each time could find PostgreSQL's connections all taken."""
    if name not in _connections or _connections[name].closed:
        _connections[name] = psycopg.connect(
            f"{PG}/{name}", autocommit=True, application_name=OWN_NAME
        )
    return _connections[name]


def fresh_database(name: str, *, template: str = "template1") -> None:
    db().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    db().execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def drop_database(name: str) -> None:
    if name in _connections:
        _connections.pop(name).close()
    db().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def runs_in(database: str) -> int:
    return db(database).execute("SELECT count(*) FROM completions_run").fetchone()[0]


def listeners_in(database: str) -> int:
    return (
        db()
        .execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            [database, LISTENER_NAME],
        )
        .fetchone()[0]
    )


def octoplay(
    name: str,
    tree: Path,
    extra: dict[str, str],
    upstream: Target,
    processes: ExitStack,
    databases: ExitStack,
    migrated: dict[Path, str],
) -> Target:
    """Octoplay from `tree` under gunicorn, on a fresh copy of a database migrated once per
    tree (`migrated` maps each tree to its template database)."""
    database = "octoplay_cmp_" + re.sub(r"\W", "_", name.lower())
    env = tree_env(
        tree,
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "OCTOPUSX_BASE_URL": f"http://127.0.0.1:{upstream.port}/v1",
            "OCTOPUSX_API_KEY": UPSTREAM_KEY,
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_HTTPS": "false",
            "RATE_LIMIT_PER_MINUTE": "0",  # measuring overhead, not the limiter
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "128",
            "DATABASE_POOL_MAX": POOL_MAX,
            "LOG_LEVEL": "WARNING",
        }
        | extra,
    )
    manage = [PYTHON, "manage.py"]
    if tree not in migrated:
        template = f"octoplay_cmp_template_{len(migrated)}"
        fresh_database(template)
        databases.callback(drop_database, template)
        template_env = env | {
            "DATABASE_URL": env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + template
        }
        for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run([*manage, *command], cwd=tree, env=template_env, check=True, timeout=120)
        migrated[tree] = template
    fresh_database(database, template=migrated[tree])
    databases.callback(drop_database, database)
    setup = subprocess.run(
        [*manage, "shell", "-c", SETUP],
        cwd=tree,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    found = json.loads(setup.stdout.strip().splitlines()[-1])
    strays = [f for f in found["files"] if not Path(f).resolve().is_relative_to(tree.resolve())]
    if strays:
        raise RuntimeError(f"{name}: imports {strays}, not its tree {tree}")
    port = free_port()
    gunicorn = str(Path(PYTHON).parent / "gunicorn")
    args = [gunicorn, "playground.wsgi", "--config", "playground/gunicorn.conf.py"]
    args += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
    server = processes.enter_context(process(args, cwd=tree, env=env, graceful=40))
    wait_up(port, "/healthz")
    target = Target(name, port, found["token"], database, server.pid)
    served_check(target, tree, env)
    return target


def served_check(target: Target, tree: Path, env: dict[str, str]) -> None:
    """The served code is the tree's: what its settings and files say about /v1 shows in
    the answers and in PostgreSQL. /v1 served by a middleware ahead of the clickjacking one
    answers without X-Frame-Options; a token cache holds a LISTEN connection per worker."""
    settings = (tree / "playground" / "settings.py").read_text()
    v1_middleware = '"completions.middleware.OpenAIEndpointMiddleware"' in settings
    token_cache = (tree / "accounts" / "token_cache.py").exists() and float(
        env.get("TOKEN_CACHE_SECONDS", "60")
    ) > 0
    # Calls on several connections at once, so that both workers serve some.
    clients = [Client(target) for _ in range(4)]
    with ThreadPoolExecutor(len(clients)) as pool:
        for calls in pool.map(lambda c: [c.call() for _ in range(25)], clients):
            target.answered += len(calls)
    for client in clients:
        client.close()
    probe = Client(target)
    probe.conn.request("POST", "/v1/chat/completions", body=BODY, headers=probe.headers)
    response = probe.conn.getresponse()
    response.read()
    probe.close()
    if response.status != 200:
        raise RuntimeError(f"{target.name}: HTTP {response.status} from /v1")
    target.answered += 1
    has_frame_header = response.getheader("X-Frame-Options") is not None
    if has_frame_header == v1_middleware:
        raise RuntimeError(
            f"{target.name}: X-Frame-Options {'present' if has_frame_header else 'absent'} on "
            f"/v1, but {tree}'s settings {'do' if v1_middleware else 'do not'} serve /v1 "
            "from a middleware: the server is not running that tree's code"
        )
    deadline = time.monotonic() + 5
    while (listening := listeners_in(target.database)) == 0 and token_cache:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if bool(listening) != token_cache:
        raise RuntimeError(
            f"{target.name}: {listening} token cache listeners, expected "
            f"{'some' if token_cache else 'none'} from {tree} and its environment"
        )
    print(
        f"  {target.name:<16} serves {tree}: /v1 {'by middleware' if v1_middleware else 'in urls'}"
        f", token cache {'on (' + str(listening) + ' listeners)' if token_cache else 'off'}"
    )


# Measurements


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, all its threads, so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(target: Target) -> dict:
    """CPU used so far by a server's gunicorn (master and workers) and by the PostgreSQL
    backends connected to its database: wall-clock figures swing with the machine's load,
    CPU per call much less."""
    children = Path(f"/proc/{target.pid}/task/{target.pid}/children").read_text().split()
    backends = (
        db()
        .execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name <> %s",
            [target.database, OWN_NAME],
        )
        .fetchall()
    )
    return {
        "gunicorn": sum(cpu_seconds(int(pid)) for pid in [target.pid, *children]),
        "postgres": {pid: cpu_seconds(pid) for (pid,) in backends},
        "answered": target.answered,
    }


def cpu_used(target: Target, start: dict, end: dict) -> None:
    """Per answered call between two snapshots; backends count from their first snapshot
    (one that closed in between is lost: Django's pool keeps them open)."""
    postgres = sum(
        seconds - start["postgres"].get(pid, 0.0) for pid, seconds in end["postgres"].items()
    )
    target.cpu = {
        "gunicorn": end["gunicorn"] - start["gunicorn"],
        "postgres": postgres,
        "calls": end["answered"] - start["answered"],
    }


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
