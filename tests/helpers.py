"""Plain helpers the tests share: API clients, request bodies, rows made directly, waiting,
the browser's log-in, and the site served by gunicorn. Fixtures live in tests/conftest.py
(and each tier's conftest.py); sample payloads in tests/samples.py. No test module imports
another test module: what two of them need is here.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import requests
from rest_framework.test import APIClient

from completions.models import Run
from prompts.models import PromptTemplate
from tests.samples import PROMPT

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"
UPSTREAM_KEY = "sk-test-upstream-key-never-shown-0123456789"
MODEL = "octo-demo-small"


# API clients


def api_client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def token_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


# Completions: /api/completions/ and its server-sent events


def chat(**extra) -> dict:
    return {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Tell me about octopuses"},
        ],
        **extra,
    }


def post(client, body):
    return client.post("/api/completions/", body, format="json")


def sse_events(response) -> list[tuple[str, dict]]:
    text = b"".join(response.streaming_content).decode()
    events = []
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        if not lines or lines[0].startswith(":"):
            continue
        name = lines[0].removeprefix("event: ")
        data = json.loads(lines[1].removeprefix("data: "))
        events.append((name, data))
    return events


# Rows


def create_template(api, user, team, name="Explainer", visibility="team", **extra):
    """A template saved through the API, as a person would (`api` is the conftest fixture)."""
    body = {
        **PROMPT,
        "name": name,
        "team_id": str(team.pk),
        "visibility": visibility,
        **extra,
    }
    response = api(user).post("/api/templates/", body, format="json")
    assert response.status_code == 201, response.json()
    return PromptTemplate.objects.get(pk=response.json()["id"])


def make_run(
    user,
    team,
    when,
    *,
    model="m1",
    tokens=(10, 5),
    cost="0.001",
    status="ok",
    latency=100,
    usage="reported",
):
    """A finished run written straight to the database, for reports and history."""
    prompt, completion = tokens if tokens else (None, None)
    return Run.objects.create(
        user=user,
        team=team,
        provider="octopusx",
        model=model,
        source="api",
        request={},
        status=status,
        started_at=when,
        latency_ms=latency,
        usage=usage,
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=None if prompt is None else prompt + completion,
        cost=None if cost is None else Decimal(cost),
    )


# Waiting for other threads and processes


def wait_for(condition, timeout: float = 5.0) -> None:
    """Poll for a condition another thread brings about (e.g. the server finishing a run
    after a client hung up): there is no event to await across the process boundary."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@contextmanager
def server_threads_finish(timeout: float = 10.0):
    """Around a client that hangs up on the live server: afterwards, wait until the request
    threads started meanwhile have finished (they close their database connections last),
    so none outlives the test. Threads kept alive by other clients' keep-alive are left be."""
    before = set(threading.enumerate())
    yield

    def done() -> bool:
        return not any(
            thread not in before
            and thread.is_alive()
            and thread.name.endswith("(process_request_thread)")
            for thread in threading.enumerate()
        )

    wait_for(done, timeout)


# Browser pages (tests/browser/conftest.py holds the browser and page fixtures)

SCREENSHOTS = ROOT / "screenshots"


def screenshot(page, name: str) -> None:
    """Save a picture of the current state for a person to look at (screenshots/ is ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


SCREEN_SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def screenshots(page, name: str) -> None:
    """The current state at a laptop's and a phone's size (screenshots/<name>-desktop.png and
    -phone.png), the viewport restored afterwards."""
    before = page.viewport_size
    for label, (width, height) in SCREEN_SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        screenshot(page, f"{name}-{label}")
    page.set_viewport_size(before)


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


# The site served as in production: its own processes under gunicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(*args: str, env: dict) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=1)
    except requests.RequestException:
        return False
    return True


SERVED_PASSWORD = "served-pass-123"  # served_site's user "served"


@contextmanager
def served_site(
    upstream_base: str,
    *,
    api_key: str,
    database_url: str,
    workers: int = 2,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, str]]:
    """Octoplay under gunicorn with playground/gunicorn.conf.py, as `make run` serves it, on
    a migrated `database_url` with a user "served"; yields (base_url, that user's API token).
    `env` adds or overrides environment variables (settings, GUNICORN_CMD_ARGS).
    Stopped gracefully (SIGTERM) on exit, so what the workers still hold is written first."""
    extra = env or {}
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "OCTOPUSX_BASE_URL": upstream_base,
        "OCTOPUSX_API_KEY": api_key,
        "DEBUG": "false",
        "SECRET_KEY": "served-in-tests-only",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_HTTPS": "false",
        "RATE_LIMIT_PER_MINUTE": "0",
        "WEB_CONCURRENCY": str(workers),
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    _manage("migrate", "--noinput", "-v0", env=env)
    _manage("collectstatic", "--noinput", "-v0", env=env)  # DEBUG off: served from staticfiles/
    _manage(
        "shell",
        "-c",
        "from accounts.services import user_signup; user_signup(username='served', "
        f"email='served@example.com', password='{SERVED_PASSWORD}')",
        env=env,
    )
    token = _manage("create_token", "served", env=env).strip()
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - gunicorn from this venv, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "playground.wsgi",
            "--config",
            "playground/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        assert server.poll() is None, "gunicorn exited before it served"
        return _answers(f"{base}/healthz")

    try:
        wait_for(serving, timeout=30)
        yield base, token
    finally:
        server.terminate()  # graceful: requests in flight finish first
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:  # never leave it running, even when failing
            server.kill()
            server.wait()


def served_login(base: str) -> requests.Session:
    """A browser-like session on a served site, logged in as its user "served" through the
    log-in form; it sends the CSRF token the session API needs."""
    session = requests.Session()
    session.trust_env = False
    session.get(f"{base}/accounts/login/", timeout=10).raise_for_status()
    csrf = session.cookies["csrftoken"]
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": "served", "password": SERVED_PASSWORD, "csrfmiddlewaretoken": csrf},
        timeout=10,
    )
    response.raise_for_status()
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def skip_or_fail(reason: str) -> None:
    """Skip a test that cannot run here, saying why; where OCTOPLAY_NO_SKIP=1 (CI), a test
    that cannot run is a failure instead."""
    if os.environ.get("OCTOPLAY_NO_SKIP") == "1":
        pytest.fail(f"Required here but cannot run: {reason}")
    pytest.skip(reason)


@contextmanager
def served_database(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for a served site, of the suite's own kind: on PostgreSQL (as
    in CI) a database of its own beside the suite's, dropped afterwards; else a SQLite file."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'served.sqlite3'}"
        return
    where = connection.settings_dict
    name = f"octoplay_served_{os.getpid()}"
    admin = dict(
        host=where["HOST"], port=where["PORT"] or 5432, user=where["USER"], dbname="postgres"
    )
    if where["PASSWORD"]:
        admin["password"] = where["PASSWORD"]

    def execute(statement: str) -> None:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(statement)

    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{name}"')
    try:
        credentials = where["USER"] + (f":{where['PASSWORD']}" if where["PASSWORD"] else "")
        yield f"postgres://{credentials}@{admin['host']}:{admin['port']}/{name}"
    finally:
        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def gunicorn_workers(pid_file: Path) -> list[int]:
    """The worker processes of the gunicorn whose master wrote `pid_file` (served_site with
    GUNICORN_CMD_ARGS="--pid <pid_file>")."""
    master = pid_file.read_text().strip()
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if fields[1] == master:  # the field after the state is the parent's pid
            workers.append(int(stat.parent.name))
    return workers
