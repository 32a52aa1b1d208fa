"""A completion holds no database connection while it waits for the upstream: a served site
with a small connection pool serves more slow calls at once than it has connections, and
answers its health check meanwhile."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from demo.fake_upstream import Behaviour
from tests.helpers import MODEL, UPSTREAM_KEY, skip_or_fail, wait_for
from tests.served import served_database, served_login, served_site

BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]}
POOL = 4


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        skip_or_fail(
            "needs PostgreSQL, whose connection pool is what is tested (CI runs the suite "
            "with DATABASE_URL=postgres://...); SQLite has no pool"
        )


@pytest.mark.usefixtures("served_ready")
def test_slow_calls_beyond_the_pool_size_all_succeed_and_healthz_answers(
    postgresql, tmp_path, upstream
):
    calls = 3 * POOL  # session and token, streamed and not: more at once than connections
    gate = threading.Event()  # the upstream answers none until the test says so
    upstream.script(*[Behaviour(hold_until=gate)] * calls)
    settings = {"DATABASE_POOL_MAX": str(POOL), "DATABASE_POOL_TIMEOUT": "2"}
    with (
        served_database(tmp_path) as database,
        served_site(
            upstream.base_url,
            api_key=UPSTREAM_KEY,
            database_url=database,
            workers=1,  # one process, so one pool of POOL connections serves every call
            env=settings,
        ) as (site, token),
    ):
        browser = served_login(site)
        script = requests.Session()
        script.trust_env = False
        script.headers["Authorization"] = f"Bearer {token}"

        def call(number: int) -> int:
            stream = number % 2 == 1
            if number % 3 == 0:  # the playground's own API, as a logged-in browser calls it
                response = browser.post(
                    f"{site}/api/completions/", json={**BODY, "stream": stream}, timeout=60
                )
            else:  # /v1 with an API token, as scripts and SDKs call it
                response = script.post(
                    f"{site}/v1/chat/completions", json={**BODY, "stream": stream}, timeout=60
                )
            response.content  # noqa: B018 - read streams to their end
            return response.status_code

        with ThreadPoolExecutor(calls) as pool:
            try:
                answers = pool.map(call, range(calls))
                wait_for(lambda: len(upstream.requests) == calls, timeout=30)
                health = requests.get(f"{site}/healthz", timeout=10)
                assert (health.status_code, health.json()["database"]) == (200, "ok")
            finally:
                gate.set()
            assert list(answers) == [200] * calls
