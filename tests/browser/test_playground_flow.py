"""The playground's layout and flow in headless Chromium: the answer stays in view, chat mode,
what Stop keeps, and the phone's one-row toolbar."""

import re

import pytest
from playwright.sync_api import expect

from completions.models import Run
from demo.fake_upstream import Behaviour
from tests.helpers import log_in, screenshot, screenshots

pytestmark = pytest.mark.browser

LONG = "\n".join(f"Line {n} of a long message that makes the conversation tall." for n in range(25))


@pytest.fixture
def phone(browser, live_server, alice):
    """A touch phone, 390 x 844, logged in as alice on an empty playground."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "alice")
    page.evaluate("localStorage.clear()")
    page.goto("/playground/")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def write_three_messages(page):
    page.get_by_label("System prompt").fill("You are a poet.")
    page.get_by_label("Message content").first.fill(LONG)
    page.get_by_role("button", name="+ Add message").click()
    page.get_by_label("Message content").nth(1).fill(LONG)
    page.get_by_role("button", name="+ Add message").click()
    page.get_by_label("Message content").nth(2).fill("Write about the sea")


def expect_in_view(page, selector):
    """Wholly inside the window (clipping by a scrolling pane counts) and not under the toolbar."""
    element = page.locator(selector)
    expect(element).to_be_in_viewport(ratio=1)
    toolbar = page.locator(".pg-toolbar").bounding_box()
    assert element.bounding_box()["y"] >= toolbar["y"] + toolbar["height"] - 1


def run_and_watch(page, upstream, name):
    upstream.chunk_delay = 0.05
    page.locator("#run").click()
    expect(page.locator("#response-running")).to_be_visible()
    expect(page.locator("#response-content")).to_contain_text("You said")
    expect_in_view(page, "#response-content")  # while streaming
    screenshot(page, f"{name}-running", full_page=False)
    expect(page.locator("#response-status")).to_have_text("done")
    expect(page.locator("#response-running")).to_be_hidden()
    expect_in_view(page, "#response-content")
    expect_in_view(page, "#response-meta")


def test_answer_is_beside_the_editor_on_a_laptop(playground, upstream):
    page = playground
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator("#response")).to_contain_text("The answer appears here")
    write_three_messages(page)
    run_and_watch(page, upstream, "playground-flow-desktop")
    editor = page.locator("#editor").bounding_box()
    answer = page.locator("#response").bounding_box()
    assert answer["x"] >= editor["x"] + editor["width"]  # beside, not below
    assert page.evaluate("document.documentElement.scrollHeight") <= 800  # the columns scroll
    screenshot(page, "playground-flow-desktop")


def test_answer_pane_follows_new_text_until_the_reader_scrolls_up(playground, upstream):
    page = playground
    page.set_viewport_size({"width": 1280, "height": 800})
    upstream.script(Behaviour(reply="\n\n".join(f"Paragraph {n}." for n in range(40))))
    upstream.chunk_delay = 0.02
    page.get_by_label("Message content").first.fill("Tell me a lot")
    page.locator("#run").click()
    pane = page.locator("#response")
    expect(pane).to_contain_text("Paragraph 25")
    assert pane.evaluate("(pane) => pane.scrollTop") > 0  # following the newest text
    pane.hover()
    page.mouse.wheel(0, -5000)  # the reader goes back to the start
    # The wheel scrolls smoothly, over frames that come slowly under load: arrived first.
    page.wait_for_function("() => document.querySelector('#response').scrollTop === 0")
    expect(page.locator("#response-status")).to_have_text("done", timeout=20_000)
    assert pane.evaluate("(pane) => pane.scrollTop") == 0  # and is left there
    expect(pane.locator("h2")).to_be_in_viewport()


def test_answer_is_scrolled_into_view_on_a_phone(playground, upstream):
    page = playground
    page.set_viewport_size({"width": 390, "height": 844})
    write_three_messages(page)
    expect(page.locator("#response")).to_be_hidden()  # nothing to show yet
    run_and_watch(page, upstream, "playground-flow-phone")
    # Under the conversation, above the settings.
    assert (
        page.locator("#messages").bounding_box()["y"]
        < page.locator("#response").bounding_box()["y"]
        < page.locator(".pg-settings").bounding_box()["y"]
    )
    screenshot(page, "playground-flow-phone", full_page=False)


def messages(page):
    return page.locator("#messages li")


def test_chat_mode_appends_regenerates_and_reruns_from_a_message(playground, upstream):
    page = playground
    page.get_by_label("Chat mode").check()
    page.get_by_label("Message content").first.fill("First question")
    page.locator("#run").click()
    expect(messages(page)).to_have_count(3)
    first_answer = Run.objects.get().content
    expect(messages(page).nth(1)).to_have_attribute("data-role", "assistant")
    expect(messages(page).nth(1).get_by_label("Message content")).to_have_value(first_answer)
    expect(page.get_by_role("button", name="Add response to conversation")).to_be_hidden()
    reply = messages(page).nth(2).get_by_label("Message content")
    expect(reply).to_be_focused()

    page.keyboard.type("Second question")  # type, run, type
    page.keyboard.press("Control+Enter")
    expect(messages(page)).to_have_count(5)
    expect(messages(page).nth(4).get_by_label("Message content")).to_be_focused()
    second = Run.objects.latest("started_at")
    assert [m["content"] for m in second.request["messages"]] == [
        "First question",
        first_answer,
        "Second question",
    ]
    screenshots(page, "playground-chat-mode")

    upstream.script(Behaviour(reply="Another take on the second question."))
    page.get_by_role("button", name="Regenerate").click()
    expect(messages(page).nth(3).get_by_label("Message content")).to_have_value(
        "Another take on the second question."
    )
    expect(messages(page)).to_have_count(5)
    assert Run.objects.count() == 3
    assert Run.objects.latest("started_at").request["messages"] == second.request["messages"]

    messages(page).first.get_by_label("Message content").fill("First question, edited")
    messages(page).first.get_by_role("button", name="Rerun from here").click()
    expect(page.locator("#response-status")).to_have_text("done")
    expect(messages(page)).to_have_count(3)
    expect(messages(page).nth(1).get_by_label("Message content")).to_have_value(
        Run.objects.latest("started_at").content
    )
    assert Run.objects.count() == 4
    assert Run.objects.latest("started_at").request["messages"] == [
        {"role": "user", "content": "First question, edited"}
    ]

    page.reload()  # the switch is remembered
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.get_by_label("Chat mode")).to_be_checked()


def test_without_chat_mode_answers_are_not_appended(playground, upstream):
    page = playground
    page.get_by_label("Message content").first.fill("Hi")
    page.locator("#run").click()
    expect(page.locator("#response-status")).to_have_text("done")
    expect(messages(page)).to_have_count(1)
    expect(page.get_by_role("button", name="Rerun from here")).to_have_count(0)
    expect(page.get_by_role("button", name="Regenerate")).to_be_hidden()


def test_stop_keeps_the_partial_answer_with_its_run_link_tokens_and_latency(playground, upstream):
    page = playground
    upstream.chunk_delay = 0.2
    page.get_by_label("Message content").first.fill("Write about the sea")
    page.locator("#run").click()
    expect(page.locator("#response-content")).to_contain_text("You")
    run = Run.objects.get()
    link = page.get_by_role("link", name="Open run")
    expect(link).to_have_attribute("href", f"/runs/{run.pk}/")  # from the stream's first event
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#response-status")).to_have_text("stopped")
    meta = page.locator("#response-meta")
    expect(meta).to_contain_text(re.compile(r"Latency\s*\d+ ms"))
    # The server logs the cancelled run at its next write; the page asks for it until then
    # (a loaded machine has been seen to take over 5 s).
    expect(meta).to_contain_text(re.compile(r"\d+ completion"), timeout=20_000)
    run.refresh_from_db()
    assert run.status == "cancelled"
    expect(meta).to_contain_text(f"{run.latency_ms} ms")
    expect(meta).to_contain_text(f"{run.completion_tokens} completion")
    expect(link).to_be_visible()
    expect(page.locator("#response-content")).to_contain_text("You")
    expect(page.get_by_role("button", name="Add response to conversation")).to_be_visible()
    screenshots(page, "playground-stopped")


def test_phone_toolbar_is_one_row_without_shortcut_hints(phone):
    page = phone
    toolbar = page.locator(".pg-toolbar")
    run = page.locator("#run")
    boxes = [
        page.locator(selector).bounding_box()
        for selector in ["#model", "#more-actions", "#stop", "#run"]
    ]
    middles = [box["y"] + box["height"] / 2 for box in boxes]
    assert max(middles) - min(middles) < 4, middles  # one row
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"]  # side by side
    assert toolbar.bounding_box()["height"] < 64
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(run).to_have_accessible_name("Run")
    expect(run).not_to_have_attribute("title", re.compile("."))
    for hint in page.locator(".shortcut-hint").all():
        expect(hint).to_be_hidden()
    expect(page.get_by_role("button", name="View code")).to_be_hidden()
    screenshot(page, "playground-toolbar-phone", full_page=False)

    page.get_by_role("button", name="More actions").click()
    expect(page.get_by_role("button", name="More actions")).to_have_attribute(
        "aria-expanded", "true"
    )
    screenshot(page, "playground-toolbar-phone-menu", full_page=False)
    page.get_by_role("button", name="View code").click()
    expect(page.locator("#code-dialog")).to_be_visible()
    expect(page.get_by_role("button", name="View code")).to_be_hidden()  # the menu closed


def test_laptop_toolbar_shows_every_action_and_the_shortcut(playground):
    page = playground
    expect(page.get_by_role("button", name="More actions")).to_be_hidden()
    for name in ["Save…", "View code", "Reset"]:
        expect(page.get_by_role("button", name=name)).to_be_visible()
    expect(page.locator("#run kbd")).to_be_visible()
    expect(page.locator("#run")).to_have_attribute("title", "Ctrl+Enter / ⌘+Enter")
