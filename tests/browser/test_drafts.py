"""One browser, two accounts: a playground draft belongs to the user who wrote it, and
logging out forgets it (static/js/playground/state.js, static/js/base.js)."""

import json

import pytest
from playwright.sync_api import expect

from tests.helpers import log_in

pytestmark = pytest.mark.browser

DRAFT_KEYS = "Object.keys(localStorage).filter((k) => k.startsWith('octoplay:playground:'))"


def open_playground(page):
    page.goto("/playground/")
    expect(page.locator("body[data-ready=true]")).to_be_attached()


def write_draft(page):
    page.get_by_label("System prompt").fill("Alice's secret plan")
    page.get_by_label("Message content").first.fill("Tell {{ target }} nothing")
    expect(page.get_by_label("Message content").first).to_have_value("Tell {{ target }} nothing")


def expect_empty_draft(page):
    expect(page.get_by_label("System prompt")).to_have_value("")
    expect(page.get_by_label("Message content").first).to_have_value("")
    expect(page.locator("#template-badge")).to_be_hidden()


def test_after_alice_logs_out_bob_starts_with_an_empty_draft(page, alice, bob):
    log_in(page, "alice")
    open_playground(page)
    write_draft(page)
    page.reload()  # kept for Alice across reloads
    expect(page.get_by_label("System prompt")).to_have_value("Alice's secret plan")

    page.get_by_label("Account menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    assert page.evaluate(DRAFT_KEYS) == []

    # A draft from before drafts had owners is nobody's: not shown either.
    unowned = {"messages": [{"role": "user", "content": "whose?"}], "system": "old"}
    page.evaluate(
        f"localStorage.setItem('octoplay:playground:v1', {json.dumps(json.dumps(unowned))})"
    )
    log_in(page, "bob")
    open_playground(page)
    expect_empty_draft(page)


def test_without_a_log_out_each_user_still_sees_only_their_own(page, alice, bob):
    log_in(page, "alice")
    open_playground(page)
    write_draft(page)

    page.context.clear_cookies()  # the session ended without a log-out (expired, say)
    log_in(page, "bob")
    open_playground(page)
    expect_empty_draft(page)

    page.context.clear_cookies()
    log_in(page, "alice")
    open_playground(page)
    expect(page.get_by_label("System prompt")).to_have_value("Alice's secret plan")
