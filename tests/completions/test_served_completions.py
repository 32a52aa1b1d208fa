"""POST /api/completions/ as the server runs it: beside /v1 in its own ASGI application
(completions/async_endpoints.py), session-authenticated like the playground, in the ASGI live
server of the test process."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from completions.models import Run
from demo.fake_upstream import Behaviour
from tests.helpers import PASSWORD, wait_for
from tests.served import served_login

BODY = {"model": "octo-demo-small", "messages": [{"role": "user", "content": "Hi"}]}
HELD = 12


@pytest.fixture
def browser(live_server, alice):
    session = served_login(live_server.url, "alice", PASSWORD)
    yield session
    session.close()


def _site_threads() -> set[str]:
    # The fake upstream runs in this process too, a thread per request: not the site's.
    return {
        thread.name
        for thread in threading.enumerate()
        if "process_request_thread" not in thread.name and not thread.name.startswith("client")
    }


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a database with real concurrent connections (CI runs it on PostgreSQL); "
    "SQLite's in-memory test database refuses writers at once instead of waiting",
)
def test_calls_waiting_on_the_upstream_hold_no_thread_each(live_server, browser, upstream):
    url = f"{live_server.url}/api/completions/"
    browser.post(url, json=BODY, timeout=10).raise_for_status()  # the step pool is up
    before = _site_threads()
    gate = threading.Event()
    upstream.script(*[Behaviour(hold_until=gate) for _ in range(HELD)])
    with ThreadPoolExecutor(HELD, thread_name_prefix="client") as clients:
        try:
            calls = [clients.submit(browser.post, url, json=BODY, timeout=20) for _ in range(HELD)]
            wait_for(lambda: upstream.in_flight() == HELD)
            waiting = _site_threads() - before
        finally:
            gate.set()
        statuses = [call.result().status_code for call in calls]
    assert statuses == [200] * HELD
    # Django's own handler would keep a thread for each call until its answer was sent.
    assert len(waiting) < 4, waiting
    assert Run.objects.filter(status=Run.Status.OK).count() == HELD + 1


def test_the_session_path_still_checks_csrf(live_server, browser):
    browser.headers.pop("X-CSRFToken")
    refused = browser.post(f"{live_server.url}/api/completions/", json=BODY, timeout=10)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Run.objects.exists()


def test_an_answer_has_its_length_security_headers_and_no_new_cookie(live_server, browser):
    answer = browser.post(f"{live_server.url}/api/completions/", json=BODY, timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert int(answer.headers["Content-Length"]) == len(answer.content)
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in answer.headers


def test_a_body_past_the_limit_is_413_in_drf_shape(live_server, browser, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {**BODY, "messages": [{"role": "user", "content": "x" * 5000}]}
    refused = browser.post(f"{live_server.url}/api/completions/", json=body, timeout=10)
    assert refused.status_code == 413 and "detail" in refused.json()
    assert not Run.objects.exists()


def test_a_player_who_leaves_while_the_upstream_thinks_leaves_one_cancelled_run(
    live_server, browser, upstream
):
    gate = threading.Event()
    upstream.script(Behaviour(hold_until=gate))
    try:
        with pytest.raises(requests.Timeout):
            browser.post(f"{live_server.url}/api/completions/", json=BODY, timeout=0.5)
        wait_for(lambda: Run.objects.filter(status=Run.Status.CANCELLED).exists())
    finally:
        gate.set()
    wait_for(live_server.idle)
    run = Run.objects.get()
    assert (run.status, run.error_kind, run.source) == (
        Run.Status.CANCELLED,
        "cancelled",
        Run.Source.PLAYGROUND,
    )
