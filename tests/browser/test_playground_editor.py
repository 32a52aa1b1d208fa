"""The playground's editors in headless Chromium: what each message and the parameters show."""

import pytest
from playwright.sync_api import expect

from tests.helpers import screenshots

pytestmark = pytest.mark.browser


def test_assistant_messages_show_a_tool_calls_box_only_when_asked(playground, upstream):
    page = playground
    page.get_by_label("Message content").first.fill("Hi")
    page.get_by_role("button", name="+ Add message").click()
    assistant = page.locator('#messages li[data-role="assistant"]')
    expect(assistant.get_by_label("Tool calls (JSON array)")).to_be_hidden()
    screenshots(page, "playground-assistant-message")

    assistant.get_by_role("button", name="+ Tool calls").click()
    box = assistant.get_by_label("Tool calls (JSON array)")
    expect(box).to_be_visible()
    expect(box).to_be_focused()
    expect(assistant.get_by_role("button", name="+ Tool calls")).to_be_hidden()
    # A message that has calls keeps its box after a reload; one without gets none.
    box.fill('[{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]')
    page.get_by_role("button", name="+ Add message").click()  # user
    page.get_by_role("button", name="+ Add message").click()  # assistant, no calls
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    messages = page.locator("#messages li")
    expect(messages.nth(1).get_by_label("Tool calls (JSON array)")).to_be_visible()
    expect(messages.nth(3)).to_have_attribute("data-role", "assistant")
    expect(messages.nth(3).get_by_label("Tool calls (JSON array)")).to_be_hidden()
    expect(messages.nth(3).get_by_role("button", name="+ Tool calls")).to_be_visible()


def test_parameters_say_upstream_default_once(playground):
    page = playground
    params = page.locator(".param-grid")
    assert params.locator("[placeholder='upstream default']").count() == 0
    hint = page.locator("#params-hint")
    expect(hint).to_have_text(
        "Leave a field empty to use the upstream's default: empty fields are not sent."
    )
    expect(page.get_by_label("Temperature")).to_have_accessible_description(hint.inner_text())
    assert page.get_by_text("upstream's default").count() == 1


def test_reasoning_effort_is_sent_kept_and_left_out_when_default(playground, upstream):
    page = playground
    page.get_by_label("Message content").first.fill("Think about tides")
    page.get_by_label("Stream").set_checked(False)
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-status")).to_have_text("done")
    assert "reasoning_effort" not in upstream.requests[-1].body

    page.get_by_label("Reasoning effort").select_option("low")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-status")).to_have_text("done")
    assert upstream.requests[-1].body["reasoning_effort"] == "low"
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.get_by_label("Reasoning effort")).to_have_value("low")
