"""Shared runs in the browser: alice shares a run by link from its page; bob, her teammate,
finds it under History's "Shared with team" and opens it in his playground; someone signed
out reads it through the link (its answer as safe Markdown), signs in as charlie, an
outsider, and gets it in his own playground; the link dies when alice stops sharing.
History's filters and search, at a laptop's and a phone's width."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from completions.models import Run
from tests.helpers import PASSWORD, create_template, log_in, make_run, screenshot, screenshots

pytestmark = pytest.mark.browser

WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
# Model output is untrusted: Markdown renders, raw HTML and images never do.
ANSWER = (
    "Tides follow the **moon**.\n\n"
    "- two highs a day\n- two lows\n\n"
    "`high - low = range`\n\n"
    '<img src="x" onerror="document.title=\'pwned\'"> ![tracker](https://example.com/t.png)'
)


@pytest.fixture
def people(browser, live_server):
    """Separate browser sessions (no shared cookies), closed before the server stops."""
    contexts = []

    def person():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 800}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: pytest.fail(f"JavaScript error: {error}"))
        return page

    yield person
    for context in contexts:
        context.close()


@pytest.fixture
def alices_run(api, alice, acme):
    template = create_template(api, alice, acme, visibility="team")
    return make_run(
        alice,
        acme,
        WHEN,
        model="octo-demo-small",
        messages=[
            {"role": "system", "content": "You explain the sea."},
            {"role": "user", "content": "Why are there two tides a day?"},
        ],
        content=ANSWER,
        cost="0.00042",
        template_version=template.versions.get(),
    )


def test_share_a_run_with_the_team_and_by_link(people, alices_run, alice, bob, charlie):
    owner = people()
    log_in(owner, "alice")
    owner.goto(f"/runs/{alices_run.pk}/")
    sharing = owner.locator("#sharing")
    expect(sharing.get_by_label("Who can see this run")).to_have_value("private")
    sharing.get_by_label("Who can see this run").select_option("link")
    sharing.get_by_role("button", name="Save sharing").click()
    expect(owner.locator("#share-link")).to_contain_text("/runs/shared/")
    link = owner.locator("#share-link").inner_text().strip()
    token = Run.objects.get(pk=alices_run.pk).share_token
    assert link.endswith(f"/runs/shared/{token}/")
    expect(owner.get_by_text("Shared by link").first).to_be_visible()
    screenshots(owner, "run-shared-owner")

    teammate = people()
    log_in(teammate, "bob")
    teammate.goto("/runs/")
    teammate.get_by_label("Runs", exact=True).select_option("team")
    teammate.get_by_role("button", name="Filter").click()
    expect(teammate.locator(".run-row")).to_have_count(1)
    teammate.get_by_role("link", name="Why are there two tides a day?").click()
    expect(teammate.locator("main")).to_contain_text("alice in Acme")
    expect(teammate.locator("#sharing")).to_have_count(0)  # a plain member reads, no more
    expect(teammate.get_by_role("link", name="Explainer v1")).to_be_visible()
    teammate.get_by_role("link", name="Open in playground").click()
    expect(teammate.locator("body[data-ready=true]")).to_be_attached()
    expect(teammate.get_by_label("System prompt")).to_have_value("You explain the sea.")
    expect(teammate.get_by_label("Message content").first).to_have_value(
        "Why are there two tides a day?"
    )

    stranger = people()
    stranger.goto(link)
    answer = stranger.locator("#answer-rendered")
    expect(answer.locator("strong")).to_have_text("moon")
    expect(answer.locator("li")).to_have_count(2)
    expect(answer.locator("img")).to_have_count(0)
    expect(answer).to_contain_text("[image: tracker]")
    expect(answer).to_contain_text('<img src="x"')  # shown as text, never as an element
    expect(stranger.locator("main")).to_contain_text("0.00042 USD")
    expect(stranger.locator("#prompt")).to_contain_text("You explain the sea.")
    expect(stranger.locator("main")).not_to_contain_text("Acme")
    expect(stranger.get_by_role("link", name="Explainer v1")).to_have_count(0)  # a team template
    assert stranger.title() != "pwned"
    stranger.get_by_role("button", name="Raw").click()
    expect(stranger.locator("#answer-raw")).to_contain_text("**moon**")
    stranger.get_by_role("button", name="Rendered").click()
    screenshots(stranger, "run-shared-link")

    stranger.get_by_role("link", name="Open in playground").click()
    stranger.get_by_label("Username").fill("charlie")
    stranger.get_by_label("Password").fill(PASSWORD)
    stranger.get_by_role("button", name="Log in").click()
    expect(stranger.locator("body[data-ready=true]")).to_be_attached()
    expect(stranger.get_by_label("Message content").first).to_have_value(
        "Why are there two tides a day?"
    )

    owner.goto(f"/runs/{alices_run.pk}/")
    owner.locator("#sharing").get_by_label("Who can see this run").select_option("team")
    owner.locator("#sharing").get_by_role("button", name="Save sharing").click()
    expect(owner.locator("#share-link")).to_have_count(0)
    assert stranger.goto(link).status == 404


def test_history_filters_and_search(page, api, alice, acme, bob):
    template = create_template(api, alice, acme)
    questions = ["How deep is the ocean?", "Name three squid", "What eats krill?"]
    for number, question in enumerate(questions * 3):
        make_run(
            alice,
            acme,
            WHEN - timedelta(hours=number),
            model=["octo-demo-small", "octo-demo-large"][number % 2],
            messages=[{"role": "user", "content": question}],
            content=f"An answer about *{question.split()[-1].rstrip('?')}*, number {number}.",
            status="error" if number == 4 else "ok",
            cost=None if number == 4 else "0.0012",
            template_version=template.versions.get() if number % 3 == 0 else None,
        )
    make_run(bob, acme, WHEN, messages=[{"role": "user", "content": "Bob's own question"}])
    log_in(page, "alice")
    page.goto("/runs/")
    expect(page.locator(".run-row")).to_have_count(9)
    expect(page.locator("main")).not_to_contain_text("Bob's own question")
    screenshots(page, "history")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    page.get_by_label("Search prompts and answers").fill("squid")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".run-row")).to_have_count(3)
    expect(page.locator("#run-count")).to_have_text("3 runs")

    page.get_by_label("Model").select_option("octo-demo-large")  # squid runs 1 and 7, not 4
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".run-row")).to_have_count(2)
    expect(page.get_by_label("Search prompts and answers")).to_have_value("squid")

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Template").select_option(label="Explainer")
    page.get_by_label("Status").select_option("ok")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".run-row")).to_have_count(3)

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Status").select_option("error")
    page.get_by_label("From").fill("2026-11-20")
    page.get_by_label("To").fill("2026-11-20")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".run-row")).to_have_count(1)
    expect(page.locator(".run-row")).to_contain_text("unknown")

    page.get_by_role("link", name="Clear").click()
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()  # a phone opens History with the filters beyond search folded
    expect(page.get_by_label("Model")).to_be_hidden()
    screenshot(page, "history-phone-top", full_page=False)
    page.get_by_text("More filters").click()
    expect(page.get_by_label("Model")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card = page.locator(".run-row").first
    box = card.bounding_box()
    assert box is not None and box["width"] <= 390
    expect(card.get_by_role("link", name="Open in playground")).to_be_visible()
