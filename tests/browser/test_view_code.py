""" "View code" in headless Chromium: the code shown is taken from the page and run, as a
person would paste it, against the served test site's /v1 with a real personal token."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from accounts.services import token_create
from completions.models import Run
from tests.helpers import UPSTREAM_KEY, log_in, screenshots, skip_or_fail

pytestmark = pytest.mark.browser

QUESTION = "Tell me about {{animal}} in {{ place }}."
FILLED = "Tell me about octopuses in Lisbon."


@pytest.fixture
def playground(playground):
    """The empty playground with a question whose variables are filled in."""
    page = playground
    page.get_by_label("Message content").first.fill(QUESTION)
    page.get_by_label("animal", exact=True).fill("octopuses")
    page.get_by_label("place", exact=True).fill("Lisbon")
    return page


def code_for(page, tab: str, *, stream: bool) -> str:
    page.get_by_label("Stream").set_checked(stream)
    page.get_by_role("button", name="View code").click()
    page.get_by_role("tab", name=tab).click()
    code = page.locator("#code-text").inner_text()
    page.get_by_role("button", name="Close").click()
    return code


def run(command: list[str], secret: str, stdin: str | None = None) -> str:
    env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    env["OCTOPLAY_API_KEY"] = secret
    done = subprocess.run(  # noqa: S603 - the page's own code, run as its reader would
        command, input=stdin, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_code_shown_runs_against_the_site_with_a_personal_token(
    playground, alice, live_server, upstream, tmp_path
):
    page = playground
    _, secret = token_create(user=alice, name="view code")
    model = page.locator("#model").input_value().split("::")[1]

    page.get_by_role("button", name="View code").click()
    code = page.locator("#code-text")
    expect(code).to_contain_text(f"{live_server.url}/v1/chat/completions")
    expect(code).to_contain_text("$OCTOPLAY_API_KEY")
    expect(code).to_contain_text(FILLED)
    expect(code).to_contain_text(f'"model": "{model}"')
    expect(page.get_by_role("link", name="make a token")).to_have_attribute(
        "href", "/accounts/tokens/"
    )
    expect(code).not_to_contain_text("octopusx.ai")
    expect(code).not_to_contain_text("OCTOPUSX_API_KEY")
    screenshots(page, "playground-view-code")
    page.get_by_role("button", name="Close").click()
    assert UPSTREAM_KEY not in page.content()

    curl = code_for(page, "curl", stream=False)
    answer = json.loads(run(["bash", "-c", curl], secret))
    assert FILLED in answer["choices"][0]["message"]["content"]

    streamed_curl = code_for(page, "curl", stream=True)
    assert "data: [DONE]" in run(["bash", "-c", streamed_curl], secret)

    for tab in ("Python (requests)", "Python (openai SDK)"):
        for stream in (False, True):
            python = code_for(page, tab, stream=stream)
            assert FILLED in run([sys.executable, "-"], secret, stdin=python), (tab, stream)

    node = shutil.which("node")
    if node is None:
        skip_or_fail("the JavaScript (fetch) code needs Node 18+ to run")
    for stream in (False, True):
        script = tmp_path / f"request-{stream}.mjs"
        script.write_text(code_for(page, "JavaScript (fetch)", stream=stream))
        assert FILLED in run([node, str(script)], secret), stream

    runs = Run.objects.filter(source="openai")
    assert runs.count() == 8
    assert {run.model for run in runs} == {model}
    assert all(run.request["messages"][-1]["content"] == FILLED for run in runs)


def test_a_variable_without_a_value_is_named_and_left_as_written(page, alice):
    log_in(page, "alice")
    page.evaluate("localStorage.clear()")
    page.goto("/playground/")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    page.get_by_label("Message content").first.fill("Hi {{who}}, literal \\{{braces}}")
    page.get_by_role("button", name="View code").click()
    expect(page.locator("#code-missing")).to_contain_text("No value for who")
    expect(page.locator("#code-text")).to_contain_text("Hi {{who}}, literal {{braces}}")


def test_in_demo_mode_the_code_calls_the_demo_model_through_this_site(page, alice, settings):
    settings.OCTOPUSX_API_KEY = ""  # no key: the built-in offline provider answers
    _, secret = token_create(user=alice, name="demo code")
    log_in(page, "alice")
    page.evaluate("localStorage.clear()")
    page.goto("/playground/")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    page.get_by_label("Message content").first.fill("Hello demo")
    model = page.locator("#model").input_value().split("::")[1]
    answer = json.loads(run(["bash", "-c", code_for(page, "curl", stream=False)], secret))
    assert answer["model"] == model and "Hello demo" in answer["choices"][0]["message"]["content"]
    assert Run.objects.get(source="openai").provider == "demo"
