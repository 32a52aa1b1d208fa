"""Fixtures for the fake upstream's tests: one server for the whole package, reset before
each test, and a client session that sends its API key."""

import pytest
import requests

from demo.fake_upstream import FakeUpstream
from tests.demo.helpers import KEY


@pytest.fixture(scope="package")
def running():
    with FakeUpstream(api_key=KEY) as server:
        yield server


@pytest.fixture
def fake(running):
    # The previous test's last answer may still be counting itself: let it, then start clean.
    assert running.wait_until_idle()
    running.reset()
    return running


@pytest.fixture
def session():
    with requests.Session() as client:
        client.headers["Authorization"] = f"Bearer {KEY}"
        yield client
