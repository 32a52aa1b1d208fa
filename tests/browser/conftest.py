"""Headless Chromium (Debian's package) driven by Playwright against pytest-django's live server.

`playwright install` cannot download here, so the browser is /usr/bin/chromium. Without it the
browser tests skip with a reason, except where OCTOPLAY_NO_SKIP=1 (CI) makes that a failure.
Logging in and screenshots are plain functions in tests/helpers.py.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import playground_open, skip_or_fail

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
# plain synchronous code, which Django would otherwise refuse inside a running loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def browser(live_server):
    """Depends on live_server so it closes first: its keep-alive connections would otherwise
    keep server threads alive until the interpreter exits."""
    reason = _missing_reason()
    if reason:
        skip_or_fail(f"browser tests: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.js_errors = errors
    yield page
    context.close()
    assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


@pytest.fixture
def playground(page, alice):
    """An empty playground, alice logged in."""
    return playground_open(page)
