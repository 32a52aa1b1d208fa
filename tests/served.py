"""Serving the site for tests: over ASGI in this process (the `live_server` fixture), or in
processes of its own under gunicorn as production runs it."""

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests

from tests.helpers import ROOT, wait_for


class LiveSite:
    """The site over ASGI for tests that need a real server in this process, on the test
    database: uvicorn in a thread, as production serves it (streams relayed as they come, a
    client that leaves noticed at once). It replaces pytest-django's WSGI live server under
    the same fixture name, `live_server`. No lifespan: upstream calls run on the test
    process's own I/O loop, and no lease keeper starts (tests run the leases themselves)."""

    def __init__(self) -> None:
        import uvicorn
        from django.test.utils import modify_settings

        from playground.asgi import application

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(application, lifespan="off", log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, name="live-site", daemon=True
        )
        self.thread.start()
        wait_for(lambda: self.server.started, timeout=10)
        # pytest-django's _live_server_helper turns this on for each test that uses it.
        self._live_server_modified_settings = modify_settings(ALLOWED_HOSTS={"append": "127.0.0.1"})

    def idle(self) -> bool:
        """No request in flight (each finishes its run, and its database work, first)."""
        return not self.server.server_state.tasks

    def stop(self) -> None:
        from completions.database_steps import steps_pool_close

        self.server.should_exit = True
        self.thread.join(timeout=10)
        steps_pool_close()  # /v1's database connections, before the test database goes


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
# The served site's database (migrations are quick on a copy of a migrated one), its user
# "served" and a token with the "run" scope (printed last).
SERVED_SETUP = f"""
from django.core.management import call_command
from accounts.services import token_create, user_signup
call_command("migrate", interactive=False, verbosity=0)
user = user_signup(username="served", email="served@example.com", password="{SERVED_PASSWORD}")
print(token_create(user=user, name="served")[1])
"""
# What every served site of this test session shares, made once: the collected static files
# (compressing them all takes seconds) and a migrated SQLite database to copy.
_made_once: dict[str, Path] = {}


def served_prepare() -> None:
    """What every served site of a test session shares, made once before the first (the
    `served_ready` fixture): the collected static files (DEBUG off serves them from
    staticfiles/; compressing them takes seconds) and a migrated database to copy."""
    from django.db import connection

    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "served-in-tests-only",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    if "static" not in _made_once:
        _manage("collectstatic", "--noinput", "-v0", env=env)
        _made_once["static"] = ROOT / "staticfiles"
    if connection.vendor == "postgresql":
        _postgresql_template()
    if "sqlite" not in _made_once:  # some tests serve a SQLite file whatever the suite's
        template = Path(tempfile.mkdtemp(prefix="octoplay-served-")) / "migrated.sqlite3"
        atexit.register(shutil.rmtree, template.parent, True)
        _manage("migrate", "--noinput", "-v0", env={**env, "DATABASE_URL": f"sqlite:///{template}"})
        _made_once["sqlite"] = template


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
    served_prepare()  # done already where the test uses the served_ready fixture
    sqlite_file = Path(database_url.removeprefix("sqlite:///"))
    if database_url.startswith("sqlite:///") and not sqlite_file.exists():
        shutil.copyfile(_made_once["sqlite"], sqlite_file)
    # One Django start-up for the whole set-up, not one per command (each costs ~1 s).
    token = _manage("shell", "-c", SERVED_SETUP, env=env).strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - gunicorn from this venv, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "playground.asgi:application",
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


def served_login(
    base: str, username: str = "served", password: str = SERVED_PASSWORD
) -> requests.Session:
    """A browser-like session on a served site, logged in (by default as its user "served")
    through the log-in form; it sends the CSRF token the session API needs."""
    session = requests.Session()
    session.trust_env = False
    session.get(f"{base}/accounts/login/", timeout=10).raise_for_status()
    csrf = session.cookies["csrftoken"]
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
        timeout=10,
    )
    response.raise_for_status()
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def _postgresql_admin() -> tuple[dict, str]:
    """Connection arguments to the suite's PostgreSQL server, and the URL prefix for it."""
    from django.db import connection

    where = connection.settings_dict
    admin = dict(
        host=where["HOST"], port=where["PORT"] or 5432, user=where["USER"], dbname="postgres"
    )
    if where["PASSWORD"]:
        admin["password"] = where["PASSWORD"]
    credentials = where["USER"] + (f":{where['PASSWORD']}" if where["PASSWORD"] else "")
    return admin, f"postgres://{credentials}@{admin['host']}:{admin['port']}/"


def _postgresql_execute(statement: str) -> None:
    with psycopg.connect(**_postgresql_admin()[0], autocommit=True) as conn:
        conn.execute(statement)


def _postgresql_template() -> str:
    """A migrated database, made once per session, that served databases are copies of."""
    template = f"octoplay_served_template_{os.getpid()}"
    if "postgresql" not in _made_once:
        _postgresql_execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        _postgresql_execute(f'CREATE DATABASE "{template}"')
        atexit.register(_postgresql_execute, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        url = _postgresql_admin()[1] + template
        _manage("migrate", "--noinput", "-v0", env={**os.environ, "DATABASE_URL": url})
        _made_once["postgresql"] = Path(template)
    return template


@contextmanager
def served_database(tmp_path: Path) -> Iterator[str]:
    """A fresh database for a served site, of the suite's own kind, migrated: on PostgreSQL
    (as in CI) a database of its own beside the suite's, made from a migrated template (made
    once per session) and dropped afterwards; else a SQLite file (served_site copies one)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'served.sqlite3'}"
        return
    template = _postgresql_template()
    name = f"octoplay_served_{os.getpid()}"
    _postgresql_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _postgresql_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _postgresql_admin()[1] + name
    finally:
        _postgresql_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
