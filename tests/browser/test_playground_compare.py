"""Compare mode in headless Chromium against the fake upstream: panes side by side (stacked on
a phone), Run all streaming every pane at once with each run logged, per-pane stats, the word
diff, "Use this pane", saving a pane as a template version and un-syncing the conversation."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from budgets.models import ModelPrice
from completions.models import Run
from prompts.models import PromptTemplate
from tests.helpers import playground_open, resize, screenshot, screenshots, wait_for

pytestmark = pytest.mark.browser

# Each pane records when its answer first shows text and when it is done (performance.now()).
WATCH_PANES = """() => {
  window.paneTimes = { first: {}, done: {} };
  const look = () => {
    for (const pane of document.querySelectorAll(".cmp-pane")) {
      const letter = pane.dataset.pane;
      const text = pane.querySelector("[data-content]").textContent.trim();
      if (text && !(letter in paneTimes.first)) paneTimes.first[letter] = performance.now();
      const done = pane.dataset.status === "done";
      if (done && !(letter in paneTimes.done)) paneTimes.done[letter] = performance.now();
    }
  };
  new MutationObserver(look).observe(document.querySelector("#compare-panes"),
    { subtree: true, childList: true, characterData: true, attributes: true });
}"""


@pytest.fixture
def playground(page, alice):
    return playground_open(page, viewport={"width": 1280, "height": 800})


def pane(page, letter):
    return page.locator(f'.cmp-pane[data-pane="{letter}"]')


def enter_compare(page, panes=2):
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.locator("#compare")).to_be_visible()
    for _ in range(panes - 2):
        page.get_by_role("button", name="+ Add pane").click()
    expect(page.locator(".cmp-pane")).to_have_count(panes)
    expect(pane(page, "A").get_by_label("Model")).to_have_value(re.compile("::octo-demo-"))


def run_all_and_wait(page, count):
    page.get_by_role("button", name="Run all").click()
    expect(page.locator('.cmp-pane[data-status="done"]')).to_have_count(count, timeout=20_000)


def logged_runs(live_server, count):
    """The runs, once all are logged, by model and max_tokens (e.g. "octo-demo-small5")."""
    wait_for(lambda: live_server.idle() and Run.objects.count() == count)
    return {
        run.request["model"] + str(run.request.get("max_tokens", "")): run
        for run in Run.objects.all()
    }


def test_run_all_streams_three_panes_at_once_each_a_logged_run(playground, upstream, live_server):
    page = playground
    ModelPrice.objects.create(
        provider="octopusx",
        model="octo-demo-small",
        input_per_million=Decimal("2"),
        output_per_million=Decimal("8"),
    )
    page.get_by_label("Message content").first.fill("Tell me how octopuses change colour")
    enter_compare(page, panes=3)
    expect(page.locator("#compare-heading")).to_have_text("Comparing 3 panes")
    for letter, model in zip("ABC", ["small", "large", "small"], strict=True):
        pane(page, letter).get_by_label("Model").select_option(label=f"octo-demo-{model}")
    pane(page, "C").get_by_label("Max tokens").fill("5")
    page.evaluate(WATCH_PANES)
    upstream.chunk_delay = 0.04  # each answer streams for over a second
    page.get_by_role("button", name="Run all").click()
    expect(page.locator("#stop")).to_be_enabled()
    expect(pane(page, "A").locator(".pg-running")).to_be_visible()
    screenshot(page, "compare-streaming-desktop", full_page=False)
    expect(page.locator('.cmp-pane[data-status="done"]')).to_have_count(3, timeout=20_000)
    times = page.evaluate("paneTimes")
    # Every pane showed text before any of them finished: the three streamed at the same time.
    assert set(times["first"]) == set(times["done"]) == {"A", "B", "C"}
    assert max(times["first"].values()) < min(times["done"].values())
    expect(page.locator("#run")).to_be_enabled()
    expect(page.locator("#stop")).to_be_disabled()

    runs = logged_runs(live_server, 3)
    assert set(runs) == {"octo-demo-small", "octo-demo-large", "octo-demo-small5"}
    assert all(run.stream and run.status == Run.Status.OK for run in runs.values())
    assert runs["octo-demo-small5"].finish_reason == "length"

    # Per-pane stats: latency, first token, tokens and cost (a price is set for the small model).
    small, large = runs["octo-demo-small"], runs["octo-demo-large"]
    stats_a = pane(page, "A").locator(".cmp-stats")
    expect(stats_a).to_contain_text(f"{small.latency_ms} ms")
    expect(stats_a).to_contain_text(f"{small.ttft_ms} ms")
    expect(stats_a).to_contain_text(f"{small.prompt_tokens} → {small.completion_tokens}")
    expect(stats_a).to_contain_text(f"{small.cost:.6f}")  # in USD, as the locale writes it
    expect(pane(page, "B").locator(".cmp-stats")).to_contain_text(f"{large.latency_ms} ms")
    expect(pane(page, "B").locator(".cmp-stats dd").last).to_have_text("—")  # no price known
    expect(pane(page, "B").get_by_role("link", name="Open run")).to_have_attribute(
        "href", f"/runs/{large.pk}/"
    )
    expect(pane(page, "A").locator("[data-content] strong")).to_have_text("demo reply")  # Markdown
    screenshots(page, "compare")

    # The diff: pane C's answer was cut to five words, so it only loses words.
    page.get_by_role("button", name="Diff answers").click()
    page.get_by_label("From", exact=True).select_option("A")
    page.get_by_label("to", exact=True).select_option("C")
    diff = page.locator("#diff-output")
    expect(diff.locator("del.diff-del").first).to_be_visible()
    expect(diff.locator("ins")).to_have_count(0)
    removed = len(small.content.split()) - 5
    expect(page.locator("#diff-counts")).to_have_text(f"{removed} words only in A · 0 only in C")
    assert diff.text_content() == small.content  # every word shown once, deleted ones struck
    screenshots(page, "compare-diff")
    page.get_by_role("button", name="Close").click()


def test_stop_stops_every_pane(playground, upstream, live_server):
    page = playground
    page.get_by_label("Message content").first.fill("A question")
    enter_compare(page)
    upstream.chunk_delay = 0.3
    page.get_by_role("button", name="Run all").click()
    expect(pane(page, "A").locator("[data-content]")).to_contain_text("You said")
    expect(pane(page, "B").locator("[data-content]")).to_contain_text("You said")
    page.locator("#stop").click()
    expect(page.locator('.cmp-pane[data-status="stopped"]')).to_have_count(2)
    wait_for(lambda: live_server.idle() and Run.objects.filter(status="cancelled").count() == 2)
    expect(pane(page, "A").locator(".cmp-stats")).to_contain_text("→")  # logged tokens arrive


def test_panes_sit_side_by_side_and_stack_on_a_phone(playground):
    page = playground
    enter_compare(page, panes=4)
    expect(page.get_by_role("button", name="+ Add pane")).to_be_disabled()  # four at most
    screenshot(page, "compare-four-desktop", full_page=False)
    a, b = pane(page, "A").bounding_box(), pane(page, "B").bounding_box()
    assert b["x"] >= a["x"] + a["width"] and abs(a["y"] - b["y"]) < 1
    pane(page, "D").get_by_role("button", name="Remove pane").click()
    pane(page, "C").get_by_role("button", name="Remove pane").click()
    expect(page.locator(".cmp-pane")).to_have_count(2)
    # Two at least.
    expect(pane(page, "A").get_by_role("button", name="Remove pane")).to_be_disabled()
    resize(page, 390, 844)
    a, b = pane(page, "A").bounding_box(), pane(page, "B").bounding_box()
    assert b["y"] >= a["y"] + a["height"]  # stacked
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sideways
    # The conversation, then the panes.
    assert page.locator("#messages").bounding_box()["y"] < a["y"]
    screenshot(page, "compare-two-phone", full_page=False)
    page.get_by_role("button", name="More actions").click()  # the phone's ⋯ menu has the toggle
    page.get_by_role("button", name="Exit compare").first.click()
    expect(page.locator("#compare")).to_be_hidden()
    expect(page.locator("#model")).to_be_visible()


def test_use_this_pane_makes_it_the_editors_setup(playground):
    page = playground
    page.get_by_label("System prompt").fill("You are helpful.")
    enter_compare(page)
    b = pane(page, "B")
    b.get_by_label("Model").select_option(label="octo-demo-large")
    b.get_by_label("Temperature").fill("0.3")
    b.get_by_text("More settings").click()
    b.get_by_label("Seed").fill("7")
    b.get_by_label("Own system prompt").check()
    b.get_by_label("Pane system prompt").fill("Be brief.")
    expect(b.locator("[data-more-hint]")).to_have_text("· seed, own system prompt")
    screenshot(page, "compare-pane-settings-desktop", full_page=False)
    b.get_by_role("button", name="Use this pane").click()
    expect(page.locator("#compare")).to_be_hidden()
    expect(page.locator("#model")).to_have_value("octopusx::octo-demo-large")
    expect(page.locator("#p-temperature")).to_have_value("0.3")
    expect(page.locator("#p-seed")).to_have_value("7")
    expect(page.get_by_label("System prompt", exact=True)).to_have_value("Be brief.")
    expect(page.get_by_role("button", name="Run", exact=False)).to_have_text("Run Ctrl ⏎")
    page.reload()  # the editor's draft has it
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#p-temperature")).to_have_value("0.3")
    expect(page.locator("#compare")).to_be_hidden()


def test_save_a_pane_as_a_template_then_as_a_new_version(playground):
    page = playground
    page.get_by_label("Message content").first.fill("Explain {{topic}}")
    enter_compare(page)
    # No template loaded: the dialog creates one.
    pane(page, "A").get_by_role("button", name="Save as version…").click()
    expect(page.locator("#save-title")).to_have_text("Save as template: pane A")
    page.get_by_label("Name", exact=True).fill("Explainer")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#save-result")).to_contain_text("Saved as Explainer v1")
    page.locator("#save-close").click()
    template = PromptTemplate.objects.get(name="Explainer")

    b = pane(page, "B")
    b.get_by_label("Model").select_option(label="octo-demo-large")
    b.get_by_label("Max tokens").fill("42")
    b.get_by_text("More settings").click()
    b.get_by_label("Own system prompt").check()
    b.get_by_label("Pane system prompt").fill("Answer like a pirate.")
    b.get_by_role("button", name="Save as version…").click()
    expect(page.locator("#save-title")).to_have_text("Save new version: pane B")
    expect(page.get_by_label("New version of Explainer")).to_be_checked()
    page.get_by_label("Note for this version").fill("pirate, large")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#save-result")).to_contain_text("Saved as Explainer v2")
    version = template.versions.get(number=2)
    assert version.model == "octo-demo-large"
    assert version.params == {"max_tokens": 42}
    assert version.messages == [
        {"role": "system", "content": "Answer like a pirate."},
        {"role": "user", "content": "Explain {{topic}}"},
    ]
    assert version.commit_message == "pirate, large"


def test_unsynced_panes_run_their_own_conversations_and_survive_a_reload(playground, live_server):
    page = playground
    page.get_by_label("Message content").first.fill("Shared question")
    enter_compare(page)
    expect(pane(page, "A").locator(".cmp-conversation")).to_be_hidden()
    page.get_by_label("Shared conversation").uncheck()
    expect(page.locator("#compare-unsynced")).to_be_visible()
    b = pane(page, "B")
    expect(b.get_by_label("Message content")).to_have_value("Shared question")
    b.get_by_label("Message content").fill("Only for B")
    run_all_and_wait(page, 2)
    runs = Run.objects.order_by("started_at")
    wait_for(lambda: live_server.idle() and runs.count() == 2)
    assert sorted(run.request["messages"][-1]["content"] for run in runs) == [
        "Only for B",
        "Shared question",
    ]
    expect(b.locator("[data-content]")).to_contain_text("Only for B")
    b.get_by_role("button", name="Add answer to conversation").click()
    expect(b.get_by_label("Message content")).to_have_count(3)
    expect(b.get_by_label("Message content").last).to_be_focused()
    screenshots(page, "compare-unsynced")

    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#compare")).to_be_visible()
    expect(page.get_by_label("Shared conversation")).not_to_be_checked()
    expect(b.get_by_label("Message content")).to_have_count(3)
    expect(b.get_by_label("Message content").first).to_have_value("Only for B")
    expect(b.locator("[data-content]")).to_contain_text("Only for B")  # the answer too
    expect(b.locator(".cmp-stats")).to_contain_text("ms")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Share again").click()
    expect(b.locator(".cmp-conversation")).to_be_hidden()
    expect(page.get_by_label("Shared conversation")).to_be_checked()


def test_word_diff_marks_what_each_answer_has_alone(playground):
    diff = playground.evaluate(
        """async () => {
          const { wordDiff } = await import("/static/js/playground/compare/worddiff.js");
          const marks = { " ": (t) => t, "-": (t) => `[-${t}]`, "+": (t) => `{+${t}}` };
          const show = (a, b) => wordDiff(a, b).map(({ kind, text }) => marks[kind](text)).join("");
          return [
            show("x y", "x z y"),
            show("the cat sat", "the dog sat"),
            show("same words", "same words"),
            show("", "new"),
            show("<b>bold</b> text", "<b>bold</b>"),
          ];
        }"""
    )
    assert diff == [
        "x {+z} y",
        "the [-cat]{+dog} sat",
        "same words",
        "{+new}",
        "<b>bold</b> [-text]",
    ]
    # Markup in an answer is text: the rendered diff holds no element an answer made.
    playground.evaluate(
        """async () => {
          const { renderWordDiff } = await import("/static/js/playground/compare/worddiff.js");
          const box = document.createElement("div");
          box.id = "diff-probe";
          document.body.append(box);
          renderWordDiff(box, "<img src=x onerror=alert(1)>", "<script>alert(2)</script> hi");
        }"""
    )
    probe = playground.locator("#diff-probe")
    expect(probe.locator("img, script")).to_have_count(0)
    expect(probe.locator("del")).to_have_text("<img src=x onerror=alert(1)>")
    expect(probe.locator("ins")).to_have_text("<script>alert(2)</script> hi")
