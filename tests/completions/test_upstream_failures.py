"""Every way an upstream fails gives the user a clear message and still logs the run."""

import logging

import pytest

from completions.models import Run
from demo.fake_upstream import Behaviour
from tests.helpers import UPSTREAM_KEY, chat, post, sse_events, streamed

pytestmark = pytest.mark.django_db


def assert_logged_error(body, kind):
    run = Run.objects.get(pk=body["run_id"])
    assert run.status == "error" and run.error_kind == kind
    assert run.error_message == body["error"]["message"]
    return run


def test_429_with_retry_after_then_success_is_retried(api, alice, upstream):
    upstream.script(Behaviour(status=429, headers={"Retry-After": "0"}, error_message="slow down"))
    response = post(api(alice), chat())
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert len(upstream.requests) == 2
    assert Run.objects.count() == 1


def test_persistent_429_reports_rate_limit_with_retry_after(api, alice, upstream, settings):
    settings.UPSTREAM_MAX_RETRIES = 1
    upstream.script(
        *[
            Behaviour(
                status=429,
                headers={"Retry-After": "7"},
                error_message="Rate limit reached for requests",
            )
        ]
        * 2
    )
    response = post(api(alice), chat())
    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    body = response.json()
    assert "rate limiting" in body["detail"] and "Rate limit reached for requests" in body["detail"]
    assert assert_logged_error(body, "rate_limited").http_status == 429


def test_500_is_retried_then_reported_as_upstream_down(api, alice, upstream, settings):
    settings.UPSTREAM_MAX_RETRIES = 2
    upstream.script(*[Behaviour(status=500, error_message="The server had an error")] * 3)
    response = post(api(alice), chat())
    assert response.status_code == 502
    body = response.json()
    assert "failed or is unavailable (HTTP 500): The server had an error" in body["detail"]
    assert len(upstream.requests) == 3
    assert_logged_error(body, "upstream_down")


def test_junk_body_is_a_clear_error(api, alice, upstream):
    upstream.script(Behaviour(status=200, raw_body=b"<html>gateway says hi</html>"))
    response = post(api(alice), chat())
    assert response.status_code == 502
    assert (
        "not JSON" in response.json()["detail"] and "gateway says hi" in response.json()["detail"]
    )
    assert_logged_error(response.json(), "bad_response")


def test_json_nested_past_pythons_limit_is_a_clear_error_not_a_crash(api, alice, upstream):
    deep = b"[" * 100_000 + b"]" * 100_000
    upstream.script(
        Behaviour(status=200, raw_body=deep, headers={"Content-Type": "application/json"})
    )
    response = post(api(alice), chat())
    assert response.status_code == 502
    assert "not JSON" in response.json()["detail"]
    assert_logged_error(response.json(), "bad_response")


def test_read_timeout_is_not_retried(api, alice, upstream, settings):
    settings.UPSTREAM_READ_TIMEOUT = 0.2
    upstream.script(Behaviour(delay=1.0))
    response = post(api(alice), chat())
    assert response.status_code == 504
    assert "did not answer within 0.2 s" in response.json()["detail"]
    assert len(upstream.requests) == 1
    assert_logged_error(response.json(), "timeout")


def test_connection_refused_is_retried_then_reported(api, alice, settings):
    settings.OCTOPUSX_BASE_URL = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    response = post(api(alice), chat())
    assert response.status_code == 502
    assert (
        "Could not connect to the upstream at 127.0.0.1:9 (after 3 attempts)"
        in response.json()["detail"]
    )
    assert_logged_error(response.json(), "connection")


def test_bad_key_is_reported_without_leaking_it(api, alice, upstream, settings, caplog):
    settings.OCTOPUSX_API_KEY = "sk-wrong-key-that-must-stay-secret-000"
    with caplog.at_level(logging.DEBUG):
        response = post(api(alice), chat())
    assert response.status_code == 502
    assert "rejected the API key (HTTP 401)" in response.json()["detail"]
    assert "sk-wrong-key" not in response.content.decode()
    assert "sk-wrong-key" not in caplog.text
    assert_logged_error(response.json(), "auth")


def test_upstream_echoing_the_key_is_redacted(api, alice, upstream):
    upstream.script(Behaviour(status=400, error_message=f"Bad request from key {UPSTREAM_KEY}"))
    response = post(api(alice), chat())
    assert UPSTREAM_KEY not in response.content.decode()
    assert "[redacted]" in response.json()["detail"]
    assert UPSTREAM_KEY not in Run.objects.get().error_message


def test_unknown_model_is_404_from_upstream_named_clearly(api, alice):
    # The same status /v1 answers (completions/errors.py maps both).
    response = post(api(alice), chat(model="gpt-imaginary"))
    assert response.status_code == 404
    assert (
        "does not know this model" in response.json()["detail"]
        and "gpt-imaginary" in response.json()["detail"]
    )
    assert_logged_error(response.json(), "not_found")


def test_stream_that_fails_before_starting_is_a_json_error(api, alice, upstream, settings):
    settings.UPSTREAM_MAX_RETRIES = 0
    upstream.script(Behaviour(status=503, error_message="overloaded"))
    response = post(api(alice), chat(stream=True))
    assert response.status_code == 502
    assert response["Content-Type"] == "application/json"
    assert_logged_error(response.json(), "upstream_down")


def test_stream_is_retried_before_first_byte(api, alice, upstream):
    upstream.script(Behaviour(status=502))
    events = sse_events(post(api(alice), chat(stream=True)))
    assert events[-1][1]["status"] == "ok"
    assert len(upstream.requests) == 2


def test_dropped_stream_is_not_retried(api, alice, upstream):
    upstream.script(Behaviour(drop_after_chunks=2))
    events = sse_events(post(api(alice), chat(stream=True)))
    assert events[-1][1]["error"]["kind"] == "dropped_stream"
    assert len(upstream.requests) == 1


def test_redirects_are_not_followed(api, alice, upstream):
    upstream.script(
        Behaviour(status=307, headers={"Location": "http://evil.example/v1/chat/completions"})
    )
    response = post(api(alice), chat())
    assert response.status_code == 502 and "does not follow redirects" in response.json()["detail"]
    assert len(upstream.requests) == 1


def test_the_key_never_reaches_any_response_or_log(api, alice, upstream, caplog):
    with caplog.at_level(logging.DEBUG):
        bodies = [
            post(api(alice), chat()).content,
            streamed(post(api(alice), chat(stream=True))),
            api(alice).get("/api/models/").content,
            api(alice).get("/api/runs/").content,
        ]
        run = Run.objects.first()
        bodies.append(api(alice).get(f"/api/runs/{run.pk}/").content)
    for body in bodies:
        assert UPSTREAM_KEY.encode() not in body
    assert UPSTREAM_KEY not in caplog.text


def test_an_answer_postgresql_cannot_store_is_still_logged(api, alice, upstream):
    """Model output is untrusted text: NUL and lone surrogates in it are stored as U+FFFD
    (on PostgreSQL the row could not be written otherwise), never lost with the run."""
    upstream.script(Behaviour(reply="nul \x00 and \ud800 here"))
    response = post(api(alice), chat())
    assert response.status_code == 200
    run = Run.objects.get(pk=response.json()["run_id"])
    assert run.status == "ok"
    assert run.content == "nul \ufffd and \ufffd here"
    assert run.response["choices"][0]["message"]["content"] == run.content
