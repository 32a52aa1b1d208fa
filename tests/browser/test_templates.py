"""Templates in the browser: save from the playground, share with a teammate, who runs it."""

import pytest
from playwright.sync_api import expect

from completions.models import Run
from prompts.models import PromptTemplate, TemplateLabel
from tests.helpers import create_template, log_in, screenshot, screenshots
from tests.samples import PROMPT

pytestmark = pytest.mark.browser


def open_playground(page, username):
    log_in(page, username)
    page.evaluate("localStorage.clear()")
    page.goto("/playground/")
    expect(page.locator("body[data-ready=true]")).to_be_attached()


@pytest.fixture
def two_people(browser, live_server):
    """Two separate browser sessions on the live site, closed before the server stops."""
    contexts = [browser.new_context(base_url=live_server.url) for _ in range(2)]
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def test_save_share_and_teammate_runs_with_variables(two_people, acme, alice, bob, upstream):
    alice_page, bob_page = two_people
    open_playground(alice_page, "alice")
    alice_page.get_by_label("System prompt").fill("You write for {{audience}}.")
    alice_page.get_by_label("Message content").first.fill("Explain {{ topic }} in one line.")
    alice_page.get_by_role("button", name="Save…").click()
    dialog = alice_page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Explainer")
    dialog.get_by_label("Team").select_option(label="Acme")
    dialog.get_by_label("Visibility").select_option("team")
    dialog.get_by_label("Note for this version").fill("first cut")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(alice_page.locator("#save-result")).to_contain_text("Saved as Explainer v1")
    screenshot(alice_page, "template-saved")
    template = PromptTemplate.objects.get(name="Explainer")
    version = template.versions.get()
    assert template.team == acme
    assert [name for name, _ in version.variable_list] == ["audience", "topic"]

    log_in(bob_page, "bob")
    bob_page.goto("/templates/")
    bob_page.get_by_role("link", name="Explainer").click()
    bob_page.get_by_label("audience").fill("sailors")
    bob_page.get_by_label("topic").fill("tides")
    screenshot(bob_page, "template-detail")
    bob_page.get_by_role("button", name="Run version 1").click()
    expect(bob_page.get_by_role("heading", name="Answer")).to_be_visible()
    expect(bob_page.locator("main")).to_contain_text("Explain tides in one line.")
    run = Run.objects.get()
    assert (run.user, run.template_version.template) == (bob, template)
    assert upstream.requests[-1].body["messages"][0]["content"] == "You write for sailors."


def test_open_a_version_in_the_playground_and_save_the_next_one(page, api, alice, acme):
    template = create_template(api, alice, acme)
    log_in(page, "alice")
    page.goto(f"/templates/{template.pk}/")
    page.get_by_role("link", name="Open v1 in playground").click()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#template-badge")).to_have_text("Template: Explainer v1")
    expect(page.get_by_label("System prompt")).to_have_value("You write for {{audience}}.")
    expect(page.get_by_label("Temperature")).to_have_value("0.2")
    page.get_by_label("Temperature").fill("0.9")
    page.get_by_role("button", name="Save…").click()
    expect(page.get_by_role("heading", name="Save new version")).to_be_visible()
    page.get_by_label("Note for this version").fill("warmer")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#save-result")).to_contain_text("Explainer v2")
    assert template.versions.get(number=2).params == {"temperature": 0.9}
    assert template.versions.get(number=1).params == {"temperature": 0.2}


def test_label_name_pattern_compiles_and_the_browser_refuses_a_bad_name(page, api, alice, acme):
    template = create_template(api, alice, acme)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    log_in(page, "alice")
    page.goto(f"/templates/{template.pk}/")
    name = page.get_by_label("Label", exact=True)
    name.fill("bad name!")
    page.get_by_role("button", name="Point label").click()
    # Refused in the browser: the pattern compiled, so the form was never sent.
    assert name.evaluate("input => input.validity.patternMismatch")
    expect(page.locator("#label-name:invalid")).to_have_count(1)
    assert not TemplateLabel.objects.exists()
    screenshots(page, "template-label-refused")

    name.fill("release-candidate_2")
    page.get_by_role("button", name="Point label").click()
    expect(page.get_by_text("“release-candidate_2” now points at version 1.")).to_be_visible()
    assert TemplateLabel.objects.get().name == "release-candidate_2"
    assert console_errors == []


def test_version_diff_is_single_spaced_message_by_message(page, api, alice, acme):
    template = create_template(api, alice, acme)
    messages = [
        {"role": "system", "content": "You write for {{audience}}.\nBe kind."},
        {"role": "user", "content": "Explain {{ topic }} briefly."},
        {"role": "assistant", "content": "Which part?"},
    ]
    body = {**PROMPT, "messages": messages, "params": {"temperature": 0.9}}
    assert (
        api(alice).post(f"/api/templates/{template.pk}/versions/", body, format="json").status_code
        == 201
    )
    log_in(page, "alice")
    page.goto(f"/templates/{template.pk}/")
    page.get_by_role("button", name="Show diff").click()
    diff = page.get_by_role("region", name="Differences between v1 and v2")
    expect(diff.get_by_role("heading", level=4)).to_have_text(
        ["Message 1 · system changed", "Message 3 · assistant added", "Parameters changed"]
    )
    lines = diff.locator(".diff-section").first.locator(".diff-line")
    expect(lines).to_have_text(["role: system", "You write for {{audience}}.", "+ Be kind."])
    boxes = [lines.nth(i).bounding_box() for i in range(3)]
    for above, below in zip(boxes, boxes[1:], strict=False):
        # Single-spaced: each line starts where the one above ends.
        assert abs(below["y"] - (above["y"] + above["height"])) < 1, (above, below)
    screenshots(page, "template-diff")


def test_save_new_version_dialog_radios_note_and_one_outcome(page, api, alice, acme):
    template = create_template(api, alice, acme)
    log_in(page, "alice")
    page.goto(f"/templates/{template.pk}/")
    page.get_by_role("link", name="Open v1 in playground").click()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    page.get_by_role("button", name="Save…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Save new version")).to_be_visible()

    # Each radio sits beside its label, on the label's line, not stretched above it.
    for name in ("New version of Explainer", "New template"):
        radio = dialog.get_by_role("radio", name=name)
        box = radio.bounding_box()
        label = radio.locator("xpath=..").bounding_box()  # the label around it
        assert box["width"] < 30, box
        assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 4
        assert label["height"] < 2 * box["height"] + 8, label
    screenshots(page, "save-version-dialog")

    note = dialog.get_by_label("Note for this version")
    expect(note).to_have_value("")
    note.fill("warmer")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#save-result")).to_contain_text("Explainer v2")
    dialog.get_by_role("button", name="Close").click()

    # Opened again: the note starts empty, not with the last version's.
    page.get_by_role("button", name="Save…").click()
    expect(note).to_have_value("")
    expect(page.locator("#save-result")).to_be_hidden()

    # A failed attempt after a success shows only the failure...
    dialog.get_by_role("radio", name="New template").check()
    dialog.get_by_label("Name").fill("Explainer")
    dialog.get_by_label("Team").select_option(label="Acme")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#save-errors")).to_contain_text("already")
    expect(page.locator("#save-result")).to_be_hidden()
    # ...and a success after a failure only the success.
    dialog.get_by_label("Name").fill("Explainer, warmer")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#save-result")).to_contain_text("Explainer, warmer v1")
    expect(page.locator("#save-errors")).to_have_text("")
    assert template.versions.get(number=2).commit_message == "warmer"
    assert PromptTemplate.objects.get(name="Explainer, warmer").versions.get().commit_message == ""
