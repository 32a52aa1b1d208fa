"""Reviewing an experiment in the browser: cells scored and commented from the keyboard (kept
after a reload), the grid narrowed to items where variants disagree, two answers diffed, two
experiments compared and the winner's version promoted to a label that the template page then
shows. Screenshots at desktop and phone sizes."""

import pytest
from playwright.sync_api import expect

from experiments.models import CellReview
from prompts.models import TemplateLabel
from tests.helpers import (
    create_dataset,
    create_two_versions,
    experiment_finished,
    log_in,
    screenshots,
)

pytestmark = pytest.mark.browser

ITEMS = [
    {"variables": {"topic": "tides"}, "expected": "tides"},
    {"variables": {"topic": "<img src=x onerror=alert(1)>"}, "expected": "onerror"},
    {"variables": {"topic": "volcanoes"}, "expected": {"answer": "lava"}},
]


@pytest.fixture
def setup(api, alice, acme):
    """The template (v1 full answers, v2 truncated) and the dataset."""
    return create_two_versions(api, alice, acme), create_dataset(api, alice, acme, items=ITEMS)


def both_versions(template):
    return [
        {"template_id": template.pk, "version": 1},
        {"template_id": template.pk, "version": 2},
    ]


def test_review_cells_by_keyboard_and_filter_diff(page, setup, alice):
    template, dataset = setup
    experiment = experiment_finished(alice, dataset, both_versions(template), name="Two")
    log_in(page, "bob")  # a plain member reviews
    page.goto(f"/experiments/{experiment.pk}/")
    cells = page.locator("#ex-grid td[data-cell-id]")
    expect(cells).to_have_count(6)
    status = page.locator("#ex-review-status")

    cells.nth(0).click()
    expect(cells.nth(0)).to_be_focused()
    page.keyboard.press("5")
    expect(status).to_have_text("Saved: 5/5.")
    page.keyboard.press("j")  # next cell: item 1, variant 2
    expect(cells.nth(1)).to_be_focused()
    page.keyboard.press("1")
    expect(cells.nth(1)).to_contain_text("1/5")
    page.keyboard.press("ArrowDown")  # variant 2 of item 2
    expect(cells.nth(3)).to_be_focused()
    page.keyboard.press("2")
    expect(cells.nth(3)).to_contain_text("2/5")
    page.keyboard.press("c")
    comment = page.get_by_label("Comment")
    expect(comment).to_be_focused()
    comment.fill("Cut off <b>mid-sentence</b>")
    comment.press("Enter")
    expect(cells.nth(3)).to_be_focused()
    expect(cells.nth(3).locator(".ex-comment")).to_have_text("Cut off <b>mid-sentence</b>")
    page.keyboard.press("k")
    page.keyboard.press("c")
    page.get_by_label("Comment").fill("never saved")
    page.keyboard.press("Escape")  # cancels the comment
    expect(page.get_by_label("Comment")).to_have_count(0)
    expect(cells.nth(2)).to_be_focused()
    page.keyboard.press("Enter")  # Enter comments too; a click elsewhere drops the box
    expect(page.get_by_label("Comment")).to_be_focused()
    page.get_by_role("heading", name="Results").click()
    expect(page.get_by_label("Comment")).to_have_count(0)
    expect(page.locator("#ex-summary")).to_contain_text("5.0 / 5 (1)")
    screenshots(page, "experiment-review-keyboard")

    page.reload()
    expect(cells.nth(0)).to_contain_text("5/5")
    expect(cells.nth(1)).to_contain_text("1/5")
    expect(cells.nth(3)).to_contain_text("2/5")
    expect(cells.nth(3)).to_contain_text("Cut off <b>mid-sentence</b>")
    expect(cells.nth(2)).to_contain_text("Not reviewed")
    expect(page.locator("#ex-grid b")).to_have_count(0)  # comments are text
    reviews = CellReview.objects.filter(cell__experiment=experiment)
    assert sorted(reviews.values_list("score", flat=True)) == [1, 2, 5]
    assert set(reviews.values_list("reviewed_by__username", flat=True)) == {"bob"}
    expect(page.locator("#ex-summary tbody tr").nth(1)).to_contain_text("1.5 / 5 (2)")
    # Without a keyboard (a phone): the focused cell's buttons do the same.
    cells.nth(4).click()
    cells.nth(4).get_by_role("button", name="Score 3 of 5").click()
    expect(cells.nth(4)).to_contain_text("3/5")
    expect(cells.nth(4)).to_be_focused()
    expect(cells.nth(4).get_by_role("button", name="Comment")).to_be_visible()
    screenshots(page, "experiment-review-buttons")

    # Only the items where one variant passed and the other failed: tides and the img item.
    page.get_by_label("Variants").select_option("verdicts")
    expect(page.locator("#ex-grid tbody tr")).to_have_count(2)
    expect(page.locator("#ex-grid")).not_to_contain_text("volcanoes")
    page.get_by_label("Sort").select_option("score")
    expect(page.locator("#ex-grid tbody tr").first).to_contain_text("<img src=x onerror=alert(1)>")

    # Two answers diffed: picked with d, shown as words kept, removed and added.
    first = page.locator("#ex-grid td[data-cell-id]")
    first.nth(0).click()
    page.keyboard.press("d")
    page.keyboard.press("j")
    page.keyboard.press("d")
    diff = page.locator("#ex-diff")
    expect(diff).to_be_visible()
    expect(diff.locator("del").first).to_be_visible()
    expect(diff.locator("#ex-diff-body img")).to_have_count(0)
    screenshots(page, "experiment-review-diff")
    page.keyboard.press("Escape")
    expect(diff).to_be_hidden()


def test_compare_two_experiments_and_promote_the_winner(page, setup, alice):
    template, dataset = setup
    baseline = experiment_finished(
        alice, dataset, [{"template_id": template.pk, "version": 2}], name="Short"
    )
    candidate = experiment_finished(
        alice, dataset, [{"template_id": template.pk, "version": 1}], name="Full"
    )
    log_in(page, "alice")
    page.goto(f"/experiments/{baseline.pk}/")
    page.get_by_role("link", name="Compare…").click()
    expect(page.get_by_label("Baseline")).to_have_value(str(baseline.pk))
    page.get_by_label("Candidate").select_option(str(candidate.pk))
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.locator("#cmp-improvements")).to_contain_text("2")
    expect(page.locator("#cmp-regressions")).to_contain_text("0")
    expect(page.locator("#cmp-items tr.cmp-improvement")).to_have_count(2)
    expect(page.locator("#cmp-rates")).to_contain_text("+67 pts")
    expect(page.locator("#cmp-items img")).to_have_count(0)
    screenshots(page, "experiment-compare")

    page.get_by_role("button", name="Point it at v1").click()
    expect(page.locator(".messages")).to_contain_text("“production” of Explainer now points at v1")
    assert TemplateLabel.objects.get(template=template, name="production").version.number == 1
    page.goto(f"/templates/{template.pk}/")
    labels = page.locator("section", has=page.get_by_role("heading", name="Labels"))
    expect(labels).to_contain_text("production → v1")
    screenshots(page, "experiment-promoted-template")


def test_a_label_policy_refuses_an_unproven_promotion(page, setup, alice):
    template, dataset = setup
    baseline = experiment_finished(
        alice, dataset, [{"template_id": template.pk, "version": 1}], name="Full"
    )
    candidate = experiment_finished(
        alice, dataset, [{"template_id": template.pk, "version": 2}], name="Short"
    )
    log_in(page, "alice")
    page.goto(f"/templates/{template.pk}/")
    page.get_by_label("Pass rate at least (%)").fill("50")
    page.get_by_role("button", name="Set policy").click()
    expect(page.locator("#label-policies")).to_contain_text("passing at least 50%")
    # v2 lost (0%); promote it anyway from the comparison's reverse: the policy refuses.
    page.goto(f"/experiments/compare/?baseline={candidate.pk}&candidate={baseline.pk}")
    expect(page.locator("#cmp-regressions")).to_contain_text("0")
    page.goto(f"/experiments/compare/?baseline={baseline.pk}&candidate={candidate.pk}")
    expect(page.locator("#cmp-regressions")).to_contain_text("2")
    expect(page.get_by_role("button", name="Point it at v1")).to_be_visible()  # the winner
    page.goto(f"/templates/{template.pk}/")
    page.get_by_label("Version").select_option("2")
    page.get_by_role("button", name="Point label").click()
    expect(page.locator(".messages")).to_contain_text("best passed 0%")
    screenshots(page, "template-label-policy")
    assert not TemplateLabel.objects.filter(template=template, name="production").exists()
