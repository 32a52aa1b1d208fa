"""HTTP to the upstream: keep-alive (finished streams hand their connection back for
reuse), and nothing kept between calls (no cookies)."""

import pytest

from completions.io_loop import blocking
from completions.providers import default_provider

BODY = {
    "model": "octo-demo-small",
    "messages": [{"role": "user", "content": "Hi"}],
    "stream": True,
}


@pytest.fixture
def client(settings, upstream):
    upstream.close_idle_connections()  # none left over from earlier tests to reuse
    assert upstream.wait_until_idle()
    upstream.reset()
    return default_provider().client()


async def read_all(stream) -> list:
    chunks = []
    while (pair := await stream.next(timeout=5)) is not None:
        chunks.append(pair[1])
    return chunks


def test_finished_streams_reuse_one_connection(client, upstream):
    for _ in range(3):
        stream = blocking(client.open_stream(BODY))
        assert blocking(read_all(stream))
        assert stream.finished  # and its connection went back to the pool by itself
    assert upstream.wait_until_idle()  # the server counts a stream once it has sent it all
    assert upstream.connections == 1 and upstream.completed == 3


def test_a_stream_stopped_early_closes_its_connection(client, upstream):
    upstream.chunk_delay = 0.01
    stream = blocking(client.open_stream(BODY))
    assert blocking(stream.next(timeout=5))
    blocking(stream.close())  # e.g. the client went away
    assert upstream.wait_until_idle()
    assert upstream.client_disconnects == 1
    blocking(blocking(client.open_stream(BODY)).close())
    assert upstream.connections == 2


def test_cookies_from_an_upstream_are_never_sent_back(client, upstream):
    from demo.fake_upstream import Behaviour

    upstream.script(Behaviour(headers={"Set-Cookie": "session=abc; Path=/"}))
    blocking(client.create({**BODY, "stream": False}))
    blocking(client.create({**BODY, "stream": False}))
    first, second = upstream.requests[-2:]
    assert "Cookie" not in second.headers and "cookie" not in second.headers
    assert first.headers["User-Agent"] == "Octoplay"
    assert second.headers["Authorization"].startswith("Bearer ")
