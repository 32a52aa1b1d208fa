"""The playground's JSON editors and its newer parameters in headless Chromium: highlighted
JSON with inline errors, n choices side by side, token logprobs on hover, prices in the model
picker."""

import json

import pytest
from playwright.sync_api import expect

from tests.helpers import log_in, resize, screenshots, wait_for

pytestmark = pytest.mark.browser


def retype(editor, text: str) -> None:
    """Replace an editor's text: emptied by CodeMirror's own commands first, as Playwright's
    fill over highlighted text has Chrome keep its colours in style attributes, which the
    CSP refuses (a console error, though CodeMirror redraws the line)."""
    editor.press("Control+a")
    editor.press("Backspace")
    editor.fill(text)


def test_a_tool_is_highlighted_and_its_errors_show_inline_until_fixed(playground):
    page = playground
    page.get_by_role("button", name="+ Add tool").click()
    tool = page.locator("#tools li").first
    editor = tool.get_by_label("Tool definition (JSON)")
    expect(editor).to_have_attribute("contenteditable", "true")
    # Highlighted: the property names and strings are coloured token spans.
    wait_for(lambda: tool.locator(".cm-line span").count() > 10)  # parsed as it is shown
    expect(tool.locator(".cm-lintRange-error")).to_have_count(0)

    retype(editor, '{"type": "function", "function": {"name": "f",}')
    expect(tool.locator(".cm-lintRange-error, .cm-lintPoint-error").first).to_be_attached()
    expect(tool.locator(".cm-lint-marker-error")).to_be_visible()
    expect(tool.locator("[data-error]")).to_contain_text("not valid JSON")
    screenshots(page, "playground-json-error")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out
    page.set_viewport_size({"width": 1280, "height": 860})

    # Valid JSON the API would still refuse: said on the first line, in the API's words.
    retype(editor, '{"type": "function", "function": {"name": "no spaces allowed"}}')
    expect(tool.locator(".cm-lintRange-error")).to_have_count(1)
    expect(tool.locator("[data-error]")).to_contain_text("1-64 letters")

    retype(editor, '{"type": "function", "function": {"name": "lookup"}}')
    expect(tool.locator(".cm-lintRange-error, .cm-lintPoint-error")).to_have_count(0)
    expect(tool.locator(".cm-lint-marker-error")).to_have_count(0)
    expect(tool.locator("[data-error]")).to_have_text("")
    expect(tool.locator(".tool-name")).to_have_text("lookup")
    # The textarea is still what the rest of the page reads, and it is saved.
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#tools li .cm-content")).to_contain_text('"lookup"')


def test_schema_editor_flags_bad_json_and_brackets_match(playground):
    page = playground
    page.get_by_role("radio", name="JSON schema").check()
    editor = page.get_by_label("Schema definition")
    retype(editor, '{"type": "object", "properties": {}}')
    expect(page.locator("#schema-editor .cm-line span").first).to_be_attached()
    editor.press("Control+Home")
    expect(page.locator("#schema-editor .cm-matchingBracket")).to_have_count(2)
    retype(editor, "[1, 2]")
    expect(page.locator("#schema-error")).to_have_text("A schema must be a JSON object.")
    expect(page.locator("#schema-editor .cm-lintRange-error")).to_have_count(1)
    retype(editor, "{}")
    expect(page.locator("#schema-error")).to_have_text("")
    expect(page.locator("#schema-editor .cm-lintRange-error")).to_have_count(0)
    assert json.loads(page.locator("#schema-text").input_value()) == {}


def ask(page, question="Tell me about tides"):
    page.get_by_label("Message content").first.fill(question)
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-status")).to_have_text("done")


@pytest.mark.parametrize("stream", [True, False])
def test_n_choices_show_side_by_side(playground, upstream, stream):
    page = playground
    page.get_by_label("Stream").set_checked(stream)
    page.get_by_label("Choices (n)").fill("3")
    ask(page)
    assert upstream.requests[-1].body["n"] == 3
    choices = page.locator("#response-choices .pg-choice")
    expect(choices).to_have_count(3)
    expect(choices.nth(2)).to_contain_text("Choice 3")
    expect(choices.nth(2)).to_contain_text("Tell me about tides")
    expect(page.locator("#response-content")).to_be_hidden()
    boxes = [choices.nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"]  # one row
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    if stream:
        screenshots(page, "playground-n-choices")
        resize(page, 390, 844)
        stacked = [choices.nth(i).bounding_box() for i in range(3)]
        assert stacked[0]["y"] < stacked[1]["y"] < stacked[2]["y"]  # a column on a phone


def test_logprobs_show_alternatives_on_hover(playground, upstream):
    page = playground
    expect(page.get_by_label("Top logprobs")).to_be_disabled()
    page.get_by_label("Logprobs", exact=True).check()
    page.get_by_label("Top logprobs").fill("3")
    ask(page)
    sent = upstream.requests[-1].body
    assert sent["logprobs"] is True and sent["top_logprobs"] == 3
    tokens = page.locator("#response-choices .pg-token")
    expect(tokens.first).to_be_visible()
    assert tokens.count() > 10
    tokens.nth(2).hover()
    tip = page.get_by_role("tooltip")
    expect(tip).to_be_visible()
    expect(tip.locator("li")).to_have_count(3)
    expect(tip).to_contain_text("%")
    expect(tip.locator("li").first).to_contain_text(tokens.nth(2).inner_text().strip())
    screenshots(page, "playground-logprobs")
    page.mouse.move(0, 0)
    expect(tip).to_be_hidden()
    # From the keyboard: one tab stop, the arrow keys walk the tokens.
    tokens.first.focus()
    page.keyboard.press("ArrowRight")
    expect(tokens.nth(1)).to_be_focused()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(tokens.nth(1).inner_text().strip())
    # The raw view is the plain answer; off again, the answer is Markdown as before.
    page.get_by_label("Logprobs", exact=True).uncheck()
    expect(page.get_by_label("Top logprobs")).to_be_disabled()
    ask(page)
    assert "logprobs" not in upstream.requests[-1].body
    assert "top_logprobs" not in upstream.requests[-1].body
    expect(page.locator("#response-content")).to_be_visible()
    expect(page.locator("#response-choices")).to_be_hidden()


def test_model_picker_shows_prices_and_context_window_where_known(page, alice, upstream):
    from decimal import Decimal

    from budgets.models import ModelPrice

    ModelPrice.objects.create(
        provider="octopusx",
        model="octo-demo-small",
        input_per_million=Decimal("1.25"),
        output_per_million=Decimal("5"),
    )
    upstream.model_details = {"octo-demo-small": {"context_length": 32768}}
    log_in(page, "alice")
    page.goto("/playground/")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    page.get_by_label("Model", exact=True).select_option(label="octo-demo-small")
    details = page.locator("#model-details")
    expect(details).to_have_text("$1.25 in · $5.00 out per 1M tokens · 32,768-token context")
    screenshots(page, "playground-model-prices")
    page.get_by_label("Model", exact=True).select_option(label="octo-demo-large")
    expect(details).to_have_text("")


def test_the_servers_objection_to_a_tool_shows_in_its_editor_until_edited(playground, upstream):
    page = playground
    page.get_by_label("Message content").first.fill("Weather?")
    page.get_by_role("button", name="+ Add tool").click()
    tool = page.locator("#tools li").first
    editor = tool.get_by_label("Tool definition (JSON)")
    expect(editor).to_have_attribute("contenteditable", "true")
    bad = {"type": "function", "function": {"name": "f", "parameters": {"type": "nonsense"}}}
    retype(editor, json.dumps(bad))
    expect(tool.locator("[data-error]")).to_have_text("")  # fine as far as the page can tell
    page.get_by_role("button", name="Run").click()
    expect(tool.locator("[data-error]")).to_contain_text("tools[0].function.parameters")
    expect(tool.locator(".cm-lintRange-error")).to_have_count(1)
    expect(tool.locator(".cm-lint-marker-error")).to_be_visible()
    assert [r for r in upstream.requests if r.path.endswith("/chat/completions")] == []
    bad["function"]["parameters"]["type"] = "object"
    retype(editor, json.dumps(bad))
    expect(tool.locator(".cm-lintRange-error")).to_have_count(0)
    expect(tool.locator("[data-error]")).to_have_text("")


def test_tool_calls_editor_checks_calls_and_tab_leaves_it(playground):
    page = playground
    page.get_by_label("Message content").first.fill("Hi")
    page.get_by_role("button", name="+ Add message").click()
    assistant = page.locator('#messages li[data-role="assistant"]')
    assistant.get_by_role("button", name="+ Tool calls").click()
    editor = assistant.get_by_label("Tool calls (JSON array)")
    expect(editor).to_have_attribute("contenteditable", "true")
    expect(editor).to_be_focused()
    retype(editor, '[{"id": "c1", "type": "function", "function": {"name": "f"}}]')
    expect(assistant.locator(".cm-lintRange-error")).to_have_count(1)
    retype(
        editor, '[{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]'
    )
    expect(assistant.locator(".cm-lintRange-error")).to_have_count(0)
    screenshots(page, "playground-tool-calls-editor")
    editor.press("Tab")
    expect(editor).not_to_be_focused()


def test_without_codemirror_the_plain_textarea_still_works(page, alice, upstream):
    page.route("**/codemirror*.js", lambda route: route.abort())
    log_in(page, "alice")
    page.goto("/playground/")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    page.get_by_label("Message content").first.fill("Weather in Lisbon?")
    page.get_by_role("button", name="+ Add tool").click()
    area = page.locator("#tools li textarea")
    expect(area).to_be_visible()
    area.fill('{"type": "function", "function": {"name": "lookup"}}')
    expect(page.locator("#tools .tool-name")).to_have_text("lookup")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#response-tools")).to_contain_text("Tool call: lookup")
    assert page.locator(".cm-editor").count() == 0
