"""The fake upstream as a server: keep-alive connections, recorded requests, reset, stop,
and the command line."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from demo.fake_upstream import Behaviour, FakeUpstream
from tests.demo.helpers import KEY, body, completion, post, stream


def test_keep_alive_reuses_one_connection_even_after_a_stream(fake, session):
    completion(fake, session)
    stream(fake, session)
    completion(fake, session)
    session.get(f"{fake.base_url}/models", timeout=5)
    assert fake.connections == 1


def test_requests_are_recorded(fake, session):
    completion(fake, session, temperature=0.2)
    session.post(f"{fake.base_url}/chat/completions", data=b"{oops", timeout=5)
    sent, junk = fake.requests
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.body == body(temperature=0.2)
    assert junk.body is None


def test_nothing_is_recorded_when_recording_is_off():
    with FakeUpstream(record=False) as server:
        assert requests.post(f"{server.base_url}/chat/completions", json=body(), timeout=5).ok
        assert server.wait_until_idle()
        assert server.requests == [] and server.completed == 1


def test_reset_clears_script_requests_counters_and_restores_delays(session):
    with FakeUpstream(api_key=KEY, chunk_delay=0.001) as server:
        post(server, session, body())
        assert server.wait_until_idle()  # counters move once the answer is out
        server.script(Behaviour(status=500))
        server.chunk_delay, server.first_token_delay = 1.0, 1.0
        server.reset()
        assert (server.chunk_delay, server.first_token_delay) == (0.001, 0.0)
        assert server.requests == [] and (server.completed, server.connections) == (0, 0)
        assert post(server, session, body()).status_code == 200


def test_stop_closes_idle_keep_alive_connections(session):
    server = FakeUpstream(api_key=KEY).start()
    base_url = server.base_url
    assert session.get(f"{base_url}/models", timeout=5).ok
    server.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(f"{base_url}/models", timeout=5)


def test_base_url_needs_a_started_server():
    with pytest.raises(RuntimeError):
        _ = FakeUpstream().base_url


def test_command_line_serves_until_interrupted():
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "demo.fake_upstream", "--port", "0", "--api-key", KEY],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        response = requests.get(
            f"{base_url}/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=5
        )
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # never leave it running, even when failing
            process.kill()
            process.wait()
            raise
    assert code == 0
