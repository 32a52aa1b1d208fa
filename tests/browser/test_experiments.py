"""Experiments in the browser: created from a dataset's page, the estimate confirmed, then the
progress bar and the grid following the cells as they finish (polling, no reload), failures
filtered, model output shown as text, and Cancel. Screenshots at desktop and phone sizes."""

import pytest
from playwright.sync_api import expect

from experiments.cells import cells_run_here
from experiments.models import Experiment
from experiments.services import experiment_create, experiment_start
from tests.helpers import create_dataset, create_template, log_in, screenshots

pytestmark = pytest.mark.browser

ITEMS = [
    {"variables": {"topic": "tides"}, "expected": "tides"},
    {"variables": {"topic": "<img src=x onerror=alert(1)>"}, "expected": "onerror"},
    {"variables": {"topic": "volcanoes"}, "expected": {"answer": "lava"}},
]


def test_create_start_and_watch_an_experiment(page, api, alice, acme):
    template = create_template(api, alice, acme)
    dataset = create_dataset(api, alice, acme, items=ITEMS)
    log_in(page, "alice")
    page.goto(f"/datasets/{dataset.pk}/")
    page.get_by_role("link", name="Experiments").click()
    page.get_by_label("Name").fill("Baseline")
    page.locator("#ex-template-1").select_option(str(template.pk))
    page.locator("#ex-template-2").select_option(str(template.pk))
    page.locator("#ex-model-2").fill("octo-demo-large")
    page.get_by_label("Evaluators").fill('[{"kind": "contains", "ignore_case": true}]')
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#estimate")).to_contain_text("6 calls")
    page.get_by_label("I confirm").check()
    page.get_by_role("button", name="Start").click()
    expect(page.locator("#ex-numbers")).to_contain_text("6 remaining")

    cells_run_here(limit=2)  # the worker's work, here: the page must notice by itself
    expect(page.locator("#ex-numbers")).to_contain_text("2 done")
    cells_run_here()
    expect(page.locator("#ex-status")).to_have_text("done")
    expect(page.locator("#ex-grid tbody tr")).to_have_count(3)
    expect(page.locator("#ex-grid")).to_contain_text("<img src=x onerror=alert(1)>")
    expect(page.locator("#ex-grid img")).to_have_count(0)  # model output is text, never HTML
    expect(page.locator("#ex-summary tbody tr")).to_have_count(2)
    expect(page.locator("#ex-summary")).to_contain_text("67%")
    screenshots(page, "experiment-done")

    page.get_by_label("Only failures").check()
    expect(page.locator("#ex-grid tbody tr")).to_have_count(1)
    expect(page.locator("#ex-grid")).to_contain_text("lava")
    screenshots(page, "experiment-failures")


def test_cancel_stops_the_experiment(page, api, alice, acme):
    template = create_template(api, alice, acme)
    dataset = create_dataset(api, alice, acme, items=ITEMS)
    experiment = experiment_create(
        user=alice, dataset=dataset, name="Long", variants=[{"template_id": template.pk}]
    )
    experiment_start(user=alice, experiment=experiment)
    log_in(page, "alice")
    page.goto(f"/experiments/{experiment.pk}/")
    expect(page.locator("#ex-numbers")).to_contain_text("3 remaining")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#ex-status")).to_have_text("cancelled")
    expect(page.locator("#ex-numbers")).to_contain_text("3 cancelled")
    expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
    assert Experiment.objects.get(pk=experiment.pk).status == "cancelled"
