"""The playground's JSON editors and its newer parameters in headless Chromium: highlighted
JSON with inline errors, n choices side by side, token logprobs on hover, prices in the model
picker."""

import json

import pytest
from playwright.sync_api import expect

from tests.helpers import log_in, screenshots, wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def playground(page, alice):
    log_in(page, "alice")
    page.evaluate("localStorage.clear()")
    page.goto("/playground/")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    return page


def test_a_tool_is_highlighted_and_its_errors_show_inline_until_fixed(playground):
    page = playground
    page.get_by_role("button", name="+ Add tool").click()
    tool = page.locator("#tools li").first
    editor = tool.get_by_label("Tool definition (JSON)")
    expect(editor).to_have_attribute("contenteditable", "true")
    # Highlighted: the property names and strings are coloured token spans.
    wait_for(lambda: tool.locator(".cm-line span").count() > 10)  # parsed as it is shown
    expect(tool.locator(".cm-lintRange-error")).to_have_count(0)

    editor.fill('{"type": "function", "function": {"name": "f",}')
    expect(tool.locator(".cm-lintRange-error, .cm-lintPoint-error").first).to_be_attached()
    expect(tool.locator(".cm-lint-marker-error")).to_be_visible()
    expect(tool.locator("[data-error]")).to_contain_text("not valid JSON")
    screenshots(page, "playground-json-error")

    # Valid JSON the API would still refuse: said on the first line, in the API's words.
    editor.fill('{"type": "function", "function": {"name": "no spaces allowed"}}')
    expect(tool.locator(".cm-lintRange-error")).to_have_count(1)
    expect(tool.locator("[data-error]")).to_contain_text("1-64 letters")

    editor.fill('{"type": "function", "function": {"name": "lookup"}}')
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
    editor.fill('{"type": "object", "properties": {}}')
    expect(page.locator("#schema-editor .cm-line span").first).to_be_attached()
    editor.press("Control+Home")
    expect(page.locator("#schema-editor .cm-matchingBracket")).to_have_count(2)
    editor.fill("[1, 2]")
    expect(page.locator("#schema-error")).to_have_text("A schema must be a JSON object.")
    expect(page.locator("#schema-editor .cm-lintRange-error")).to_have_count(1)
    editor.fill("{}")
    expect(page.locator("#schema-error")).to_have_text("")
    expect(page.locator("#schema-editor .cm-lintRange-error")).to_have_count(0)
    assert json.loads(page.locator("#schema-text").input_value()) == {}
