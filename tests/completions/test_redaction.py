"""Key material an upstream echoes back never reaches a user, a log or Run.error_message,
whichever path the upstream's text takes through completions/client.py."""

import json
import logging

import pytest

from accounts.services import token_create
from completions.models import Run
from completions.upstream_error import redact
from demo.fake_upstream import Behaviour
from tests.helpers import UPSTREAM_KEY, chat, post, streamed

pytestmark = pytest.mark.django_db

# What a misbehaving gateway sends back: the request's own Authorization header.
ECHO = f'{{"received_headers": {{"Authorization": "Bearer {UPSTREAM_KEY}"}}}}'
SSE = {"Content-Type": "text/event-stream"}

ECHOING_UPSTREAMS = {
    # Asked to stream, answers a whole JSON body instead of an event stream.
    "stream answered with json": (
        True,
        Behaviour(raw_body=ECHO.encode(), headers={"Content-Type": "application/json"}),
    ),
    # The same, with the key past the first 300 bytes' cut: half a key is still a leak.
    "stream answered with a long body": (
        True,
        Behaviour(
            raw_body=(" " * 280 + ECHO).encode(), headers={"Content-Type": "application/json"}
        ),
    ),
    "whole answer not json": (False, Behaviour(raw_body=f"<p>{ECHO}</p>".encode())),
    "error status": (False, Behaviour(status=400, error_message=f"Bad key {UPSTREAM_KEY}")),
    "stream event not json": (
        True,
        Behaviour(raw_body=f"data: oops {UPSTREAM_KEY}\n\n".encode(), headers=SSE),
    ),
    "stream error event": (
        True,
        Behaviour(
            raw_body=b"data: " + json.dumps({"error": {"message": ECHO}}).encode() + b"\n\n",
            headers=SSE,
        ),
    ),
}


def assert_no_key_material(text: str) -> None:
    assert UPSTREAM_KEY[:12] not in text  # not even the start of a key cut short


@pytest.mark.parametrize("case", ECHOING_UPSTREAMS)
def test_echoed_key_is_redacted_on_api(case, api, alice, upstream, caplog, settings):
    settings.UPSTREAM_MAX_RETRIES = 0
    stream, behaviour = ECHOING_UPSTREAMS[case]
    upstream.script(behaviour)
    with caplog.at_level(logging.DEBUG):
        response = post(api(alice), chat(stream=stream))
        body = streamed(response) if stream and response.streaming else None
    shown = (body or response.content).decode()
    assert "[redacted]" in shown
    assert_no_key_material(shown)
    assert_no_key_material(Run.objects.get().error_message)
    assert_no_key_material(caplog.text)


@pytest.mark.parametrize("stream", [True, False])
def test_echoed_key_is_redacted_on_v1(stream, client, alice, upstream, settings):
    settings.UPSTREAM_MAX_RETRIES = 0
    _, secret = token_create(user=alice, name="sdk")
    upstream.script(
        Behaviour(raw_body=ECHO.encode(), headers={"Content-Type": "application/json"})
        if stream
        else Behaviour(status=400, error_message=ECHO)
    )
    response = client.post(
        "/v1/chat/completions",
        {
            "model": "octo-demo-small",
            "messages": [{"role": "user", "content": "Hi"}],
            "stream": stream,
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    shown = response.content.decode()
    assert "[redacted]" in response.json()["error"]["message"]
    assert_no_key_material(shown)
    assert_no_key_material(Run.objects.get().error_message)


def test_redact_removes_the_key_and_anything_shaped_like_a_credential():
    text = (
        "key=custom-provider-key-42 Authorization: Bearer eyJhbGciOi.abc-def "
        "basic dXNlcjpwYXNz other sk-proj-0123456789abcdefABCDEF"
    )
    shown = redact(text, "custom-provider-key-42")
    for secret in ("custom-provider-key-42", "eyJhbGciOi", "dXNlcjpwYXNz", "0123456789abcdef"):
        assert secret not in shown
    assert shown.startswith("key=[redacted] Authorization: Bearer [redacted]")
    assert redact("model sk is fine; skipped tasks", "") == "model sk is fine; skipped tasks"
