"""The site as production serves it: gunicorn with playground/gunicorn.conf.py and
playground/wsgi.py, in its own processes."""

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.helpers import UPSTREAM_KEY, served_site

BODY = {"model": "octo-demo-small", "messages": [{"role": "user", "content": "Hi"}]}


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
