"""A judged experiment in the browser: each cell's judge score and reason (the judge model's
own words, shown as text), the judge's mean score per variant in the summary, and the usage
page's table by experiment. Screenshots at desktop and phone sizes."""

import pytest
from playwright.sync_api import expect

from demo.behaviour import Behaviour
from experiments.cells import cells_run_here
from experiments.services import experiment_create, experiment_start
from tests.helpers import create_dataset, create_template, log_in, screenshots

pytestmark = pytest.mark.browser

HOSTILE = '{"score": 0.9, "reason": "<img src=x onerror=alert(1)> Clear and right."}'


def test_judge_scores_and_reasons_show_as_text(page, api, alice, acme, upstream):
    template = create_template(api, alice, acme)
    judge = create_template(
        api,
        alice,
        acme,
        name="Judge",
        messages=[{"role": "user", "content": "Rate {{output}} against {{expected}}"}],
        variables={},
    )
    items = [{"variables": {"topic": t}, "expected": t} for t in ("tides", "octopuses")]
    dataset = create_dataset(api, alice, acme, items=items)
    experiment = experiment_create(
        user=alice,
        dataset=dataset,
        name="Judged",
        variants=[{"template_id": template.pk}],
        evaluators=[{"kind": "judge", "template": str(judge.pk), "name": "quality"}],
    )
    experiment_start(user=alice, experiment=experiment)
    cells_run_here(limit=2)  # both cells' model; then the judges
    upstream.script(Behaviour(reply=HOSTILE))
    cells_run_here()
    log_in(page, "alice")
    page.goto(f"/experiments/{experiment.pk}/")
    expect(page.locator("#ex-status")).to_have_text("done")
    grid = page.locator("#ex-grid")
    expect(grid).to_contain_text("quality 0.90 (<img src=x onerror=alert(1)> Clear and right.)")
    expect(grid).to_contain_text("quality 0.50")
    expect(page.locator("#ex-grid img")).to_have_count(0)
    expect(page.locator("#ex-summary")).to_contain_text("quality mean score 0.70")
    expect(page.locator("#ex-numbers")).to_contain_text("judge: 2 calls, cost unknown")
    screenshots(page, "experiment-judged")

    page.goto("/usage/")
    table = page.locator("#by-experiment table")
    expect(table).to_be_visible()
    expect(table.get_by_role("link", name="Judged")).to_have_attribute(
        "href", f"/experiments/{experiment.pk}/"
    )
    expect(table.locator("tbody tr")).to_contain_text("4")  # 2 cells' calls, 2 judges'
    page.locator("#by-experiment").scroll_into_view_if_needed()
    screenshots(page, "usage-by-experiment")
