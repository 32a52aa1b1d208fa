"""/v1 as the server runs it: its own ASGI application (completions/async_endpoints.py) in front
of the site's, here in the ASGI live server of the test process."""

import threading

import pytest
import requests

from accounts.services import token_create
from completions.models import Run
from demo.fake_upstream import Behaviour
from tests.helpers import wait_for

BODY = {"model": "octo-demo-small", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.fixture
def v1(live_server):
    return f"{live_server.url}/v1"


def _post(v1: str, body, *, timeout: float = 10, token: str | None = None):
    headers = {"Authorization": token} if token else None
    return requests.post(f"{v1}/chat/completions", json=body, timeout=timeout, headers=headers)


def test_an_answer_comes_whole_with_its_length_and_security_headers(v1, alice):
    _, secret = token_create(user=alice, name="answer")
    answer = _post(v1, BODY, token=f"Bearer {secret}")
    assert answer.status_code == 200 and answer.json()["object"] == "chat.completion"
    assert int(answer.headers["Content-Length"]) == len(answer.content)
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in answer.headers
    assert Run.objects.get().status == Run.Status.OK


def test_its_database_steps_run_on_the_step_pool_not_a_thread_per_call(v1, alice):
    _, secret = token_create(user=alice, name="pool")
    for _ in range(3):
        assert _post(v1, BODY, token=f"Bearer {secret}").status_code == 200
    names = {thread.name for thread in threading.enumerate()}
    assert any(name.startswith("database-step") for name in names)
    assert Run.objects.count() == 3


def test_a_body_past_the_limit_is_413_in_openai_shape(v1, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    _, secret = token_create(user=alice, name="big")
    body = {**BODY, "messages": [{"role": "user", "content": "x" * 5000}]}
    refused = _post(v1, body, token=f"Bearer {secret}")
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "request_too_large"
    assert not Run.objects.exists()


def test_a_client_that_leaves_while_the_upstream_thinks_leaves_one_cancelled_run(
    v1, alice, upstream, live_server
):
    gate = threading.Event()
    upstream.script(Behaviour(hold_until=gate))
    _, secret = token_create(user=alice, name="impatient")
    try:
        with pytest.raises(requests.Timeout):
            _post(v1, BODY, timeout=0.5, token=f"Bearer {secret}")
        wait_for(lambda: Run.objects.filter(status=Run.Status.CANCELLED).exists())
    finally:
        gate.set()
    wait_for(live_server.idle)
    run = Run.objects.get()
    assert (run.status, run.error_kind) == (Run.Status.CANCELLED, "cancelled")
