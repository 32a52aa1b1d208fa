"""Static files as `make run` serves them (gunicorn, after collectstatic), DEBUG off and on:
compressed, hashed names cached for ever, and the playground's first load under 200 KB on
the wire. Prints the figure measured (pytest -s)."""

import pytest
from playwright.sync_api import expect

from tests.helpers import log_in
from tests.served import SERVED_PASSWORD, served_database, served_site

pytestmark = pytest.mark.browser

FIRST_LOAD_BUDGET = 200 * 1024  # bytes transferred, headers included
FOREVER = "max-age=315360000, public, immutable"


def first_load(browser, base: str) -> list[dict]:
    """Every response of the playground's first load in a browser with an empty cache (the
    session comes from a log-in in another context), with its transfer size."""
    with browser.new_context(base_url=base) as login_context:
        log_in(login_context.new_page(), "served", SERVED_PASSWORD)
        session = login_context.storage_state()
    with browser.new_context(base_url=base, storage_state=session) as context:
        page = context.new_page()
        finished = []
        page.on("requestfinished", lambda request: finished.append(request))
        page.goto("/playground/")
        expect(page.locator("body[data-ready=true]")).to_be_attached()
        page.wait_for_load_state("networkidle")
        loads = []
        for request in finished:
            sizes = request.sizes()
            headers = request.response().all_headers()
            loads.append(
                {
                    "url": request.url.removeprefix(base),
                    "bytes": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                    "encoding": headers.get("content-encoding", ""),
                    "cache": headers.get("cache-control", ""),
                }
            )
        return loads


@pytest.mark.parametrize("debug", ["false", "true"])
@pytest.mark.usefixtures("served_ready")
def test_playground_first_load_is_compressed_cached_and_small(browser, upstream, tmp_path, debug):
    with (
        served_database(tmp_path) as database,
        served_site(
            upstream.base_url, api_key="sk-x", database_url=database, env={"DEBUG": debug}
        ) as (base, _),
    ):
        loads = first_load(browser, base)
    total = sum(load["bytes"] for load in loads)
    print(f"\nDEBUG={debug}: playground first load {total / 1024:.1f} KB in {len(loads)} responses")
    for load in sorted(loads, key=lambda load: -load["bytes"]):
        print(f"  {load['bytes']:>8}  {load['encoding'] or '-':>4}  {load['url']}")
    static = [load for load in loads if load["url"].startswith("/static/")]
    assert len(static) >= 10
    for load in static:
        if not load["url"].endswith(".svg") or load["bytes"] > 1024:
            assert load["encoding"] in ("br", "gzip"), load
        assert load["cache"] == FOREVER, load
    assert total < FIRST_LOAD_BUDGET
