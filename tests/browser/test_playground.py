"""The playground page in headless Chromium, against the real local fake upstream."""

import json

import pytest
import requests
from playwright.sync_api import expect

from accounts.services import token_create
from completions.models import Run
from demo.fake_upstream import Behaviour
from tests.helpers import UPSTREAM_KEY, chat, resize, screenshot, wait_for

pytestmark = pytest.mark.browser


def chat_requests(upstream):
    return [r for r in upstream.requests if r.path.endswith("/chat/completions")]


def write_conversation(page, system="You are a poet.", user="Write about the sea"):
    page.get_by_label("System prompt").fill(system)
    page.get_by_label("Message content").first.fill(user)


def set_stream(page, on: bool):
    page.get_by_label("Stream").set_checked(on)


def response_text(page):
    return page.locator("#response-content")


def test_streamed_and_plain_runs_show_the_answer(playground, upstream):
    page = playground
    write_conversation(page)
    set_stream(page, True)
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-status")).to_have_text("done")
    expect(response_text(page)).to_contain_text("Write about the sea")
    expect(page.locator("#response-meta")).to_contain_text("Time to first token")
    expect(page.get_by_role("button", name="Add response to conversation")).to_be_visible()
    expect(page.get_by_role("button", name="Add tool call and results")).to_be_hidden()
    screenshot(page, "playground-streamed")
    page.get_by_role("button", name="Add response to conversation").click()
    roles = page.locator("#messages").get_by_label("Role", exact=True)
    expect(roles).to_have_count(3)
    expect(page.get_by_label("Message content").nth(1)).to_have_value(Run.objects.get().content)
    sent = upstream.requests[-1].body
    assert sent["messages"][0] == {"role": "system", "content": "You are a poet."}
    assert sent["stream"] is True

    set_stream(page, False)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#response-status")).to_have_text("done")
    assert upstream.requests[-1].body["stream"] is False
    assert Run.objects.filter(status="ok").count() == 2


def test_empty_parameters_are_not_sent_and_set_ones_are(playground, upstream):
    page = playground
    write_conversation(page)
    page.get_by_label("Temperature").fill("0.3")
    page.get_by_label("Stop sequences").fill("END\nSTOP")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-status")).to_have_text("done")
    sent = upstream.requests[-1].body
    assert sent["temperature"] == 0.3 and sent["stop"] == ["END", "STOP"]
    assert "top_p" not in sent and "max_tokens" not in sent and "seed" not in sent


def test_tool_call_round_trip(playground, upstream):
    page = playground
    write_conversation(page, user="What's the weather in Lisbon?")
    page.get_by_role("button", name="+ Add tool").click()
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-tools")).to_contain_text("Tool call: get_weather")
    expect(page.get_by_role("button", name="Add response to conversation")).to_be_hidden()
    page.get_by_role("button", name="Add tool call and results").click()
    tool_message = page.locator('#messages li[data-role="tool"]')
    expect(tool_message.get_by_label("Tool call id")).to_have_value(
        json.loads(json.dumps(Run.objects.latest("started_at").tool_calls))[0]["id"]
    )
    tool_message.get_by_label("Message content").fill('{"temp_c": 21, "sky": "clear"}')
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-status")).to_have_text("done")
    expect(response_text(page)).to_contain_text("temp_c")
    messages = upstream.requests[-1].body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool"]
    assert messages[3]["tool_call_id"] == messages[2]["tool_calls"][0]["id"]
    screenshot(page, "playground-tool-round-trip")


def test_json_schema_output_shown_valid(playground):
    page = playground
    write_conversation(page)
    page.get_by_role("radio", name="JSON schema").check()
    page.get_by_role("button", name="Example").click()
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-schema")).to_contain_text("Valid against the JSON schema")
    expect(page.locator("#response-content pre.json")).to_contain_text('"confidence"')
    screenshot(page, "playground-json-schema")


def test_invalid_schema_is_flagged_inline_before_running(playground, upstream):
    page = playground
    page.get_by_role("radio", name="JSON schema").check()
    page.get_by_label("Schema definition").fill("{not json")
    expect(page.locator("#schema-error")).to_contain_text("Not valid JSON")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#request-errors")).to_contain_text("response_format.json_schema.schema")
    assert chat_requests(upstream) == []


def test_hostile_model_output_is_shown_as_text_and_runs_nothing(playground, upstream):
    page = playground
    hostile = (
        'Hi <script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> '
        "[click](javascript:window.pwned=3) ![leak](http://evil.example/leak.png)"
    )
    upstream.script(Behaviour(reply=hostile))
    write_conversation(page)
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-status")).to_have_text("done")
    content = response_text(page)
    expect(content).to_contain_text("<script>window.pwned = 1</script>")
    assert content.locator("script, img").count() == 0
    assert content.locator('a[href^="javascript"]').count() == 0
    assert page.evaluate("window.pwned") is None
    screenshot(page, "playground-hostile-output")


def test_stop_cancels_the_stream_and_the_run_is_logged_cancelled(playground, upstream):
    page = playground
    upstream.chunk_delay = 0.2
    write_conversation(page)
    page.get_by_role("button", name="Run").click()
    expect(response_text(page)).to_contain_text("You")
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#response-status")).to_have_text("stopped")
    run = Run.objects.get()
    # The server learns of the hang-up at its next write (~0.5 s); a loaded machine (the
    # whole suite at once) has been seen to need over 5.
    wait_for(lambda: Run.objects.get(pk=run.pk).status != "running", timeout=15)
    run.refresh_from_db()
    assert run.status == "cancelled" and run.content


def test_reload_keeps_the_whole_state(playground):
    page = playground
    write_conversation(page, system="Keep me", user="And me")
    page.get_by_role("button", name="+ Add message").click()
    page.get_by_label("Message content").nth(1).fill("Assistant said")
    page.get_by_label("Max tokens").fill("77")
    page.get_by_role("button", name="+ Add tool").click()
    page.get_by_label("JSON object").check()
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.get_by_label("System prompt")).to_have_value("Keep me")
    expect(page.get_by_label("Message content").nth(1)).to_have_value("Assistant said")
    expect(page.get_by_label("Max tokens")).to_have_value("77")
    expect(page.locator(".tool-name")).to_have_text("get_weather")
    expect(page.get_by_label("JSON object")).to_be_checked()


def test_upstream_error_shows_the_upstreams_message(playground, upstream, settings):
    settings.UPSTREAM_MAX_RETRIES = 0
    upstream.script(Behaviour(status=503, error_message="Model overloaded, try later"))
    page = playground
    write_conversation(page)
    set_stream(page, False)
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-error")).to_contain_text("Model overloaded, try later")
    expect(page.locator("#response-status")).to_have_text("error")
    screenshot(page, "playground-upstream-error")


def test_field_errors_from_the_server_point_at_the_message(playground, upstream):
    page = playground
    page.locator("#messages").get_by_label("Role", exact=True).first.select_option("tool")
    page.get_by_label("Message content").first.fill("42")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#messages [data-error]").first).to_contain_text("tool_call_id")
    assert chat_requests(upstream) == []


def test_view_code_shows_placeholder_never_the_key(playground):
    page = playground
    write_conversation(page)
    page.get_by_role("button", name="View code").click()
    code = page.locator("#code-text")
    expect(code).to_contain_text("$OCTOPLAY_API_KEY")
    for tab, placeholder in [
        ("Python (requests)", "os.environ['OCTOPLAY_API_KEY']"),
        ("Python (openai SDK)", 'os.environ["OCTOPLAY_API_KEY"]'),
        ("JavaScript (fetch)", "process.env.OCTOPLAY_API_KEY"),
    ]:
        page.get_by_role("tab", name=tab).click()
        expect(code).to_contain_text(placeholder)
    assert UPSTREAM_KEY not in page.content()
    screenshot(page, "playground-view-code")


def test_history_reopens_a_run_in_the_playground(playground, live_server, alice):
    # Over HTTP: this thread runs Playwright's event loop, so the test client cannot call
    # the pipeline from it.
    _, secret = token_create(user=alice, name="script")
    answer = requests.post(
        f"{live_server.url}/api/completions/",
        json=chat(seed=42, max_tokens=33, temperature=1.1),
        headers={"Authorization": f"Bearer {secret}"},
        timeout=10,
    )
    assert answer.status_code == 200
    page = playground
    page.goto("/runs/")
    page.get_by_role("link", name="Open in playground").first.click()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.get_by_label("System prompt")).to_have_value("You are terse.")
    expect(page.get_by_label("Seed")).to_have_value("42")
    expect(page.get_by_label("Max tokens")).to_have_value("33")
    expect(page.get_by_label("Temperature")).to_have_value("1.1")


def test_playground_works_on_a_phone(playground):
    page = playground
    resize(page, 390, 840)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "playground-phone")


def test_demo_mode_works_end_to_end(playground, settings):
    settings.OCTOPUSX_API_KEY = ""  # no key: the built-in offline provider answers
    page = playground
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.get_by_role("note")).to_contain_text("Demo mode")
    expect(page.locator("#model optgroup").first).to_have_attribute(
        "label", "Demo (offline) — demo mode"
    )
    write_conversation(page)
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-status")).to_have_text("done")
    expect(response_text(page)).to_contain_text("demo")
    assert Run.objects.get().provider == "demo"
    screenshot(page, "playground-demo-mode")


def test_variables_panel_fills_placeholders(playground, upstream):
    page = playground
    write_conversation(page, system="", user="Explain {{ topic }} to {{who}}.")
    card = page.locator("#variables-card")
    expect(card).to_be_visible()
    expect(card.locator(".var-name")).to_have_text(["topic", "who"])
    page.get_by_label("topic", exact=True).fill("tides")
    set_stream(page, False)
    page.get_by_role("button", name="Run").click()
    expect(card.locator('[data-variable="who"] [data-error]')).to_contain_text("Missing value")
    assert chat_requests(upstream) == []

    card.locator('[data-variable="who"] summary').click()
    card.get_by_label("Default value").nth(1).fill("children")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-status")).to_have_text("done")
    assert (
        chat_requests(upstream)[-1].body["messages"][0]["content"] == "Explain tides to children."
    )
    screenshot(page, "playground-variables")
    expect(card).to_contain_text("Values for the {{name}} placeholders")
