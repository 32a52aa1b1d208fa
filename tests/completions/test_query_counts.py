"""Run history costs the same number of queries for 3 runs as for 12, filtered, searched or
listing what teammates shared."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import make_run

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def add_runs(user, team, first: int, count: int, **fields) -> None:
    """Runs a minute apart, in a model of their own each (the page lists the models too),
    each asking about tides and answered."""
    for number in range(first, first + count):
        make_run(
            user,
            team,
            START + timedelta(minutes=number),
            model=f"model-{number}",
            messages=[{"role": "user", "content": f"Tides, question {number}"}],
            content=f"Answer {number}",
            **fields,
        )


def test_runs_page(client, alice, acme, queries_do_not_grow):
    add_runs(alice, acme, 0, 3)
    client.force_login(alice)
    page = queries_do_not_grow(
        lambda: client.get("/runs/"), lambda: add_runs(alice, acme, 3, 9), at_most=9
    )
    assert page.content.decode().count("Open in playground") == 12


def test_runs_api(api, alice, acme, queries_do_not_grow):
    add_runs(alice, acme, 0, 3)
    client = api(alice)
    response = queries_do_not_grow(
        lambda: client.get("/api/runs/"), lambda: add_runs(alice, acme, 3, 9), at_most=4
    )
    assert len(response.json()["results"]) == 12


def test_runs_page_filtered_and_searched(client, alice, acme, queries_do_not_grow):
    add_runs(alice, acme, 0, 3)
    client.force_login(alice)
    page = queries_do_not_grow(
        lambda: client.get("/runs/?q=tides&status=ok&since=2026-11-01&to=2026-11-30"),
        lambda: add_runs(alice, acme, 3, 9),
        at_most=9,
    )
    assert page.content.decode().count("Open in playground") == 12


def test_runs_shared_with_the_team(client, api, alice, bob, acme, queries_do_not_grow):
    add_runs(bob, acme, 0, 3, visibility="team")
    client.force_login(alice)
    page = queries_do_not_grow(
        lambda: client.get("/runs/?scope=team"),
        lambda: add_runs(bob, acme, 3, 9, visibility="link"),
        at_most=9,
    )
    assert page.content.decode().count("Open in playground") == 12
    alices = api(alice)
    response = queries_do_not_grow(
        lambda: alices.get("/api/runs/?scope=team&q=tides"),
        lambda: add_runs(bob, acme, 12, 3, visibility="team"),
        at_most=4,
    )
    assert len(response.json()["results"]) == 15
