"""The site as production serves it: gunicorn with playground/gunicorn.conf.py and
playground/wsgi.py, in its own processes."""

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests
from django.db import connection

from accounts.token_cache import LISTENER_NAME
from tests.helpers import UPSTREAM_KEY, wait_for
from tests.served import served_database, served_site

BODY = {"model": "octo-demo-small", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.mark.usefixtures("served_ready")
def test_every_v1_answer_is_logged_once_even_across_a_graceful_stop(tmp_path, upstream):
    database = tmp_path / "served.sqlite3"
    with served_site(
        upstream.base_url, api_key=UPSTREAM_KEY, database_url=f"sqlite:///{database}"
    ) as (site, token):
        with requests.Session() as session:
            session.trust_env = False
            session.headers["Authorization"] = f"Bearer {token}"

            def ask(number: int) -> int:
                stream = number % 4 == 0
                response = session.post(
                    f"{site}/v1/chat/completions", json={**BODY, "stream": stream}, timeout=30
                )
                response.content  # noqa: B018 - read streams to their end
                return response.status_code

            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(ask, range(40)))
        assert statuses == [200] * 40
    # The server has stopped (SIGTERM): every answered call has its row.
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT status, source FROM completions_run").fetchall()
    assert rows == [("ok", "openai")] * 40


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="served processes keep tokens in memory only on PostgreSQL (CI runs this)",
)
@pytest.mark.usefixtures("served_ready")
def test_a_token_revoked_anywhere_is_refused_by_every_served_process(tmp_path, upstream):
    """Two gunicorn workers keep checked tokens in memory; a revocation committed by another
    process (here: this test, in SQL) reaches them through PostgreSQL's notifications."""
    with (
        served_database(tmp_path) as url,
        served_site(
            upstream.base_url,
            api_key=UPSTREAM_KEY,
            database_url=url,
            env={"TOKEN_CACHE_SECONDS": "3600"},  # only a notification can explain a 401
        ) as (site, token),
        requests.Session() as session,
    ):
        session.trust_env = False
        session.headers["Authorization"] = f"Bearer {token}"
        session.headers["Connection"] = "close"  # a new connection each time: either worker
        with psycopg.connect(url, autocommit=True) as psql:

            def both_workers_listen() -> bool:
                # Calls until both workers have checked the token (and so started listening).
                assert session.get(f"{site}/v1/models").status_code == 200
                listeners = psql.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE application_name = %s AND datname = current_database()",
                    [LISTENER_NAME],
                ).fetchone()[0]
                return listeners == 2

            wait_for(both_workers_listen, timeout=30)
            psql.execute("UPDATE accounts_apitoken SET revoked_at = now()")

        def refused_everywhere() -> bool:
            codes = {session.get(f"{site}/v1/models").status_code for _ in range(20)}
            return codes == {401}

        wait_for(refused_everywhere, timeout=15)
