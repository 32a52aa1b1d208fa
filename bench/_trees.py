"""Starting one source tree's Octoplay for bench/compare_trees.py and reading what it used:
its fake upstream and database, gunicorn running the tree's own code, the check that it
really serves that tree, and the CPU its processes spent."""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._harness import PYTHON, free_port  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432"
UPSTREAM_KEY = "sk-bench"
BODY = json.dumps(
    {
        "model": "octo-demo-small",
        "messages": [{"role": "user", "content": "Hi there"}],
        "max_tokens": 16,
    }
).encode()
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
    # Each tree served as it serves itself: WSGI threads before issue 14, ASGI after.
    wsgi = (tree / "playground" / "wsgi.py").exists()
    app = "playground.wsgi" if wsgi else "playground.asgi:application"
    args = [gunicorn, app, "--config", "playground/gunicorn.conf.py"]
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
    v1_middleware = (
        '"completions.middleware.OpenAIEndpointMiddleware"' in settings
        or '"completions.middleware.AsyncEndpointsMiddleware"' in settings
    )
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
