"""Plain helpers the tests share: API clients, request bodies, rows made directly, waiting,
the browser's log-in, and the site served by gunicorn. Fixtures live in tests/conftest.py
(and each tier's conftest.py); sample payloads in tests/samples.py. No test module imports
another test module: what two of them need is here.
"""

import base64
import json
import os
import random
import struct
import time
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from rest_framework.test import APIClient

from completions.models import Run
from completions.search import prompt_texts
from datasets.models import Dataset
from prompts.models import PromptTemplate
from tests.samples import PROMPT

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"
UPSTREAM_KEY = "sk-test-upstream-key-never-shown-0123456789"
MODEL = "octo-demo-small"


# API clients


def api_client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def token_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


# Completions: /api/completions/ and its server-sent events


def chat(**extra) -> dict:
    return {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Tell me about octopuses"},
        ],
        **extra,
    }


def post(client, body):
    return client.post("/api/completions/", body, format="json")


# Images: real PNG files made here (no imaging library needed)


def png(
    width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (200, 40, 90), *, noise=False
) -> bytes:
    """A valid PNG of one colour, or of random pixels (which hardly compress) with noise=True."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    pixels = random.Random(width * height).randbytes if noise else (lambda n: bytes(rgb) * (n // 3))
    rows = b"".join(b"\x00" + pixels(3 * width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def image_part(url: str | None = None, **extra) -> dict:
    """An image_url content part (a small PNG unless a URL is given)."""
    return {"type": "image_url", "image_url": {"url": url or data_url(png()), **extra}}


def streamed(response) -> bytes:
    """A streaming response's whole body. The pipeline's streams are async iterators, which
    the test client hands over as they are: read here on a loop of their own."""
    if not response.is_async:
        return b"".join(response.streaming_content)

    async def read() -> bytes:
        return b"".join([part async for part in response.streaming_content])

    return async_to_sync(read)()


def relayed(stream) -> list:
    """Every item of a RunStream (completions.services), relayed to the end."""

    async def read() -> list:
        return [item async for item in stream.events()]

    return async_to_sync(read)()


def sse_events(response) -> list[tuple[str, dict]]:
    text = streamed(response).decode()
    events = []
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        if not lines or lines[0].startswith(":"):
            continue
        name = lines[0].removeprefix("event: ")
        data = json.loads(lines[1].removeprefix("data: "))
        events.append((name, data))
    return events


# Rows


def create_template(api, user, team, name="Explainer", visibility="team", **extra):
    """A template saved through the API, as a person would (`api` is the conftest fixture)."""
    body = {
        **PROMPT,
        "name": name,
        "team_id": str(team.pk),
        "visibility": visibility,
        **extra,
    }
    response = api(user).post("/api/templates/", body, format="json")
    assert response.status_code == 201, response.json()
    return PromptTemplate.objects.get(pk=response.json()["id"])


# The demo upstream echoes the question; three words (max_tokens) cut it before the topic, so
# a version that truncates fails every `contains` its full twin passes.
TRUNCATED = {"max_tokens": 3}


def create_two_versions(api, user, team):
    """The "Explainer" template with a second version that truncates its answers (v2:
    worse than v1 at naming the topic)."""
    template = create_template(api, user, team)
    body = {**PROMPT, "params": TRUNCATED, "commit_message": "Shorter"}
    saved = api(user).post(f"/api/templates/{template.pk}/versions/", body, format="json")
    assert saved.status_code == 201, saved.json()
    return template


def create_dataset(api, user, team, name="Questions", visibility="team", items=()):
    """A dataset made through the API, with `items` (contents) added one by one."""
    body = {"name": name, "team_id": str(team.pk), "visibility": visibility}
    response = api(user).post("/api/datasets/", body, format="json")
    assert response.status_code == 201, response.json()
    dataset = Dataset.objects.get(pk=response.json()["id"])
    for item in items:
        added = api(user).post(f"/api/datasets/{dataset.pk}/items/", item, format="json")
        assert added.status_code == 201, added.json()
    return dataset


def experiment_finished(user, dataset, variants, name="Baseline", evaluators=None):
    """An experiment created, started and run to its end here (the worker's work, in this
    thread), judged by a case-insensitive `contains` of the expected answer unless told."""
    from experiments.cells import cells_run_here
    from experiments.services import experiment_create, experiment_start

    experiment = experiment_create(
        user=user,
        dataset=dataset,
        name=name,
        variants=variants,
        evaluators=evaluators or [{"kind": "contains", "ignore_case": True}],
    )
    experiment_start(user=user, experiment=experiment)
    cells_run_here()
    experiment.refresh_from_db()
    assert experiment.status == "done"
    return experiment


def make_run(
    user,
    team,
    when,
    *,
    model="m1",
    tokens=(10, 5),
    cost="0.001",
    status="ok",
    latency=100,
    usage="reported",
    messages=(),
    content=None,
    **fields,
):
    """A finished run written straight to the database, for reports and history; with
    `messages`, its request holds them (and History's preview and search text, as the
    pipeline keeps them), `fields` any other column (source, visibility, …)."""
    prompt, completion = tokens if tokens else (None, None)
    request = {"model": model, "messages": list(messages)} if messages else {}
    preview, prompt_text = prompt_texts(request)
    fields = {"source": "api", **fields}
    return Run.objects.create(
        user=user,
        team=team,
        provider="octopusx",
        model=model,
        request=request,
        preview=preview,
        prompt_text=prompt_text,
        content=content,
        status=status,
        started_at=when,
        latency_ms=latency,
        usage=usage,
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=None if prompt is None else prompt + completion,
        cost=None if cost is None else Decimal(cost),
        **fields,
    )


# Waiting for other threads and processes


def wait_for(condition, timeout: float = 5.0) -> None:
    """Poll for a condition another thread brings about (e.g. the server finishing a run
    after a client hung up): there is no event to await across the process boundary."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


# Browser pages (tests/browser/conftest.py holds the browser and page fixtures)

SCREENSHOTS = ROOT / "screenshots"


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    """Save a picture of the current state for a person to look at (screenshots/ is ignored);
    full_page=False: only what the window shows."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)


SCREEN_SIZES = {"desktop": (1280, 800), "phone": (390, 844)}

# Two animation frames: media-query change listeners run in the frame's rendering steps, so
# after the second frame starts, whatever they move (the answer, compare's panes) has moved.
_NEXT_FRAMES = """() => new Promise((done) =>
  requestAnimationFrame(() => requestAnimationFrame(done)))"""


def resize(page, width: int, height: int) -> None:
    """Set the window's size and wait until the page's own layout listeners have run, so what
    a test measures next is the new layout, not one half moved."""
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate(_NEXT_FRAMES)


def screenshots(page, name: str) -> None:
    """The current state at a laptop's and a phone's size (screenshots/<name>-desktop.png and
    -phone.png), the viewport restored afterwards."""
    before = page.viewport_size
    for label, (width, height) in SCREEN_SIZES.items():
        resize(page, width, height)
        screenshot(page, f"{name}-{label}")
    resize(page, before["width"], before["height"])


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def playground_open(page, *, viewport: dict | None = None):
    """Log in as alice and open an empty playground (no draft), ready to use; `viewport` set
    before it loads, for tests whose layout must be that size from the start."""
    from playwright.sync_api import expect

    log_in(page, "alice")
    page.evaluate("localStorage.clear()")
    if viewport:
        page.set_viewport_size(viewport)
    page.goto("/playground/")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    return page


def skip_or_fail(reason: str) -> None:
    """Skip a test that cannot run here, saying why; where OCTOPLAY_NO_SKIP=1 (CI), a test
    that cannot run is a failure instead."""
    if os.environ.get("OCTOPLAY_NO_SKIP") == "1":
        pytest.fail(f"Required here but cannot run: {reason}")
    pytest.skip(reason)
