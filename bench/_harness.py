"""Shared pieces for benchmarks: start the fake upstream and Octoplay as real processes."""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


# The requests the benchmarks send: a short answer, and a stream of 64 chunks.
BODY = {
    "model": "octo-demo-small",
    "messages": [{"role": "user", "content": "Hi there"}],
    "max_tokens": 16,
}
LONG = " ".join(f"word{i}" for i in range(80))
STREAM_64 = {
    "model": "octo-demo-small",
    "messages": [{"role": "user", "content": LONG}],
    "max_tokens": 64,
    "stream": True,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout} s")


@contextmanager
def fake_upstream(*, chunk_delay: float = 0.0, latency: float = 0.0, api_key: str = "sk-bench"):
    port = free_port()
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "demo.fake_upstream",
            "--port",
            str(port),
            "--api-key",
            api_key,
            "--chunk-delay",
            str(chunk_delay),
            "--latency",
            str(latency),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for(f"{base}/models")
        yield base
    finally:
        process.terminate()
        process.wait()


@contextmanager
def octoplay(
    upstream_base: str,
    *,
    api_key: str = "sk-bench",
    workers: int = 2,
    database_url: str | None = None,
    extra: dict | None = None,
):
    """Octoplay under gunicorn, stopped gracefully (SIGTERM) on exit; yields (base_url,
    bearer_token, env). The database is `database_url`, else DATABASE_URL, else a temporary
    SQLite file. Served as `make run` and production serve it (playground/gunicorn.conf.py)."""
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        if database_url:
            env["DATABASE_URL"] = database_url
        elif "DATABASE_URL" not in env:
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        env.update(
            OCTOPUSX_BASE_URL=upstream_base,
            OCTOPUSX_API_KEY=api_key,
            DEBUG="false",
            SECRET_KEY="bench-only-secret-key",
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_HTTPS="false",
            RATE_LIMIT_PER_MINUTE="0",  # measuring overhead, not the limiter
            WEB_CONCURRENCY=str(workers),
            LOG_LEVEL="WARNING",
        )
        env.update(extra or {})
        manage = [PYTHON, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from accounts.models import User; from accounts.services import user_signup; "
                "User.objects.filter(username='bench').exists() or "
                "user_signup(username='bench', email='bench@example.com', "
                "password='bench-pass-123')",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        token = subprocess.run(
            [*manage, "create_token", "bench"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[0]  # the token comes first; what it may do follows
        with gunicorn("playground.asgi:application", env) as base:
            yield base, token, env


@contextmanager
def gunicorn(app: str, env: dict, *, ready_path: str = "/healthz", args: tuple[str, ...] = ()):
    """`app` under gunicorn with Octoplay's own configuration, as `make run` serves it (more
    `args` override it), stopped gracefully (SIGTERM) on exit; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            app,
            "--config",
            "playground/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}{ready_path}")
        yield base
    finally:
        server.terminate()
        server.wait()


@contextmanager
def floor_proxy(upstream_base: str, *, workers: int = 2):
    """bench/floor_proxy.py (WSGI, `requests`) under gunicorn's threads, as Octoplay was served
    before issue 14; yields its /v1 base URL."""
    env = dict(os.environ, FLOOR_UPSTREAM=upstream_base, WEB_CONCURRENCY=str(workers))
    threads = ("--worker-class", "gthread", "--threads", "128")
    with gunicorn(
        "bench.floor_proxy:application", env, ready_path="/v1/models", args=threads
    ) as base:
        yield f"{base}/v1"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values):7.2f} ms   p99 {percentile(values, 99):7.2f} ms   "
        f"mean {statistics.fmean(values):7.2f} ms"
    )
