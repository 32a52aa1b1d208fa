import pytest
from playwright.sync_api import expect

from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser


def test_team_usage_page_shows_chart_and_tables(page, acme, alice, history):
    log_in(page, "alice")
    page.goto(f"/teams/{acme.pk}/usage/?start=2026-11-10&end=2026-11-11")
    expect(page.get_by_role("heading", name="Usage — Acme")).to_be_visible()
    expect(page.get_by_role("img", name="Tokens per day, stacked by model")).to_be_visible()
    expect(page.get_by_role("heading", name="Top users")).to_be_visible()
    screenshot(page, "usage-team")
