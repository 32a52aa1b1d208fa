"""Behaviours a test scripts on the fake upstream: errors, raw bodies, replies, delays;
first in, first out, one shot each."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from demo.fake_upstream import Behaviour
from tests.demo.helpers import WEATHER, assert_error, body, completion, post


def test_scripted_429_with_retry_after_then_success(fake, session):
    fake.script(Behaviour(status=429, headers={"Retry-After": "1"}, error_message="slow down"))
    limited = post(fake, session, body())
    error = assert_error(limited, 429, kind="rate_limit_error", code="rate_limit_exceeded")
    assert error["message"] == "slow down" and limited.headers["Retry-After"] == "1"
    assert post(fake, session, body()).status_code == 200
    assert len(fake.requests) == 2


@pytest.mark.parametrize(("status", "message"), [(500, "The server had an error"), (503, None)])
def test_scripted_server_error(fake, session, status, message):
    fake.script(Behaviour(status=status, error_message=message))
    error = assert_error(post(fake, session, body()), status, kind="server_error")
    assert error["message"] == (message or "Service Unavailable")


def test_scripted_errors_skip_the_key_check_like_a_failing_gateway(fake):
    fake.script(Behaviour(status=502))
    response = requests.post(f"{fake.base_url}/chat/completions", json=body(), timeout=5)
    assert_error(response, 502, kind="server_error")


@pytest.mark.parametrize("status", [200, 502])
def test_scripted_raw_body_is_sent_as_is(fake, session, status):
    fake.script(Behaviour(status=status, raw_body=b"<html>not json"))
    response = post(fake, session, body(stream=True))
    assert response.status_code == status and response.content == b"<html>not json"
    assert response.headers["Content-Type"].startswith("text/html")


def test_script_is_first_in_first_out_and_one_shot(fake, session):
    fake.script(Behaviour(status=500), Behaviour(reply="second"))
    fake.script(Behaviour(status=400))
    statuses = [post(fake, session, body()).status_code for _ in range(4)]
    assert statuses == [500, 200, 400, 200]
    assert len(fake.requests) == 4


def test_scripted_reply_replaces_the_content(fake, session):
    fake.script(Behaviour(reply="<script>alert(1)</script> hi"))
    message = completion(fake, session, tools=[WEATHER])["choices"][0]["message"]
    assert message["content"] == "<script>alert(1)</script> hi" and "tool_calls" not in message


def test_delay_trips_the_client_read_timeout_and_the_server_carries_on(fake, session):
    fake.script(Behaviour(delay=1.0))
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.post(f"{fake.base_url}/chat/completions", json=body(), timeout=0.2)
    assert completion(fake, session)["choices"][0]["finish_reason"] == "stop"
    assert len(fake.requests) == 2


def test_concurrent_requests_each_take_one_scripted_behaviour(fake, session):
    fake.script(*[Behaviour(status=500)] * 10)
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda _: post(fake, session, body()).status_code, range(30)))
    assert sorted(statuses) == [200] * 20 + [500] * 10
    assert len(fake.requests) == 30
