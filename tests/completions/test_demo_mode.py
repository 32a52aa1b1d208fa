"""No API key configured: the site works end to end against the built-in offline provider."""

import pytest

from completions.models import Run
from tests.helpers import chat, post, sse_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.OCTOPUSX_API_KEY = ""
    settings.DEMO_CHUNK_DELAY = 0


def test_models_come_from_the_demo_provider(api, alice, demo):
    group = api(alice).get("/api/models/").json()[0]
    assert (group["provider"], group["is_demo"]) == ("demo", True)
    assert {m["id"] for m in group["models"]} == {"octo-demo-small", "octo-demo-large"}


def test_completions_stream_and_log_in_demo_mode(api, alice, demo, upstream):
    body = post(api(alice), chat()).json()
    assert body["status"] == "ok" and body["provider"] == "demo"
    summary = sse_events(post(api(alice), chat(stream=True)))[-1][1]
    assert summary["status"] == "ok" and summary["usage"]["source"] == "reported"
    assert Run.objects.filter(provider="demo").count() == 2
    assert upstream.requests == []  # the test upstream saw nothing: demo has its own server


def test_pages_say_demo_mode_is_on_and_how_to_leave_it(client, alice, demo):
    client.force_login(alice)
    page = client.get("/playground/").content.decode()
    assert "Demo mode" in page and "OCTOPUSX_API_KEY" in page


def test_no_demo_banner_with_a_key(client, alice):
    client.force_login(alice)
    assert "Demo mode" not in client.get("/playground/").content.decode()
