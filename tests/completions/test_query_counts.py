"""Run history costs the same number of queries for 3 runs as for 12."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import make_run

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def add_runs(user, team, first: int, count: int) -> None:
    """Runs a minute apart, in a model of their own each (the page lists the models too)."""
    for number in range(first, first + count):
        make_run(user, team, START + timedelta(minutes=number), model=f"model-{number}")


def test_runs_page(client, alice, acme, queries_do_not_grow):
    add_runs(alice, acme, 0, 3)
    client.force_login(alice)
    page = queries_do_not_grow(
        lambda: client.get("/runs/"), lambda: add_runs(alice, acme, 3, 9), at_most=8
    )
    assert page.content.decode().count("Open in playground") == 12


def test_runs_api(api, alice, acme, queries_do_not_grow):
    add_runs(alice, acme, 0, 3)
    client = api(alice)
    response = queries_do_not_grow(
        lambda: client.get("/api/runs/"), lambda: add_runs(alice, acme, 3, 9), at_most=4
    )
    assert len(response.json()["results"]) == 12
