"""Keep-alive to the upstream: finished streams hand their connection back for reuse."""

import pytest

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


def test_finished_streams_reuse_one_connection(client, upstream):
    for _ in range(3):
        stream = client.open_stream(BODY)
        assert [chunk for _data, chunk in stream]
        assert stream.finished
        stream.release()
    assert upstream.connections == 1 and upstream.completed == 3


def test_a_stream_stopped_early_closes_its_connection(client, upstream):
    upstream.chunk_delay = 0.01
    stream = client.open_stream(BODY)
    next(iter(stream))
    stream.close()  # e.g. the client went away
    assert upstream.wait_until_idle()
    assert upstream.client_disconnects == 1
    client.open_stream(BODY).close()
    assert upstream.connections == 2
