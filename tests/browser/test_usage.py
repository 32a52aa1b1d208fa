from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.helpers import log_in, make_run, screenshot, screenshots

pytestmark = pytest.mark.browser

LONG_MODEL = "a-very-long-provider/model-name-that-goes-on-and-on-2026-11-preview"


def test_team_usage_page_shows_chart_and_tables(page, acme, alice, history):
    log_in(page, "alice")
    page.goto(f"/teams/{acme.pk}/usage/?start=2026-11-10&end=2026-11-11")
    expect(page.get_by_role("heading", name="Usage — Acme")).to_be_visible()
    expect(page.get_by_role("img", name="Tokens per day, stacked by model")).to_be_visible()
    expect(page.get_by_role("heading", name="Top users")).to_be_visible()
    screenshot(page, "usage-team")


def test_chart_legend_axis_and_labels_fit(page, acme, alice):
    for day in range(1, 31):
        model = LONG_MODEL if day % 2 else "m1"
        make_run(alice, acme, datetime(2026, 11, day, 12, tzinfo=UTC), model=model, cost=None)
    log_in(page, "alice")
    page.goto("/usage/?start=2026-11-01&end=2026-11-30")
    tokens = page.get_by_role("img", name="Tokens per day, stacked by model")
    expect(tokens).to_be_visible()
    # No prices: the cost is unknown, never 0.
    expect(page.locator(".stat").nth(2)).to_contain_text("—")
    expect(page.locator(".stat").nth(2)).to_contain_text("unknown: no prices set")

    figure = page.locator("figure.chart").first
    chart_box = tokens.bounding_box()
    # A y axis with a few round ticks.
    expect(figure.locator(".chart-axis text")).to_have_text(["0", "5", "10", "15"])
    # The last date label is drawn inside the chart.
    last_label = figure.locator("text.chart-label").last
    expect(last_label).to_have_text("Nov 30")
    label_box = last_label.bounding_box()
    assert label_box["x"] + label_box["width"] <= chart_box["x"] + chart_box["width"]

    # Each swatch sits beside its name; a long name stays on one line, cut, with a tooltip.
    long_item = figure.locator(".legend-item").filter(has_text="a-very-long")
    name = long_item.locator(".legend-name")
    expect(name).to_have_attribute("title", LONG_MODEL)
    swatch_box = long_item.locator(".legend-swatch").bounding_box()
    name_box = name.bounding_box()
    assert 0 <= name_box["x"] - (swatch_box["x"] + swatch_box["width"]) <= 8
    assert swatch_box["width"] == 10
    line_height = page.locator(".legend-item").filter(has_text="m1").bounding_box()["height"]
    assert name_box["height"] <= line_height + 1
    assert name.evaluate("n => n.scrollWidth > n.clientWidth"), "expected an ellipsis"
    screenshots(page, "usage-chart")
    # On a phone the chart scrolls sideways inside its box; the page itself does not.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert figure.locator(".chart-scroll").evaluate("box => box.scrollWidth > box.clientWidth")
