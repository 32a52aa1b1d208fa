"""Usage reports cost the same number of queries for 3 runs as for 12: rows are aggregated
in the database, never looked up one by one."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import make_run

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
RANGE = "start=2026-11-10&end=2026-11-11"


def add_runs(users, team, first: int, count: int) -> None:
    """Runs by the users in turn over two days, in a model of their own each."""
    for number in range(first, first + count):
        user = users[number % len(users)]
        make_run(user, team, START + timedelta(hours=3 * number), model=f"model-{number}")


def test_my_usage_page(client, alice, acme, queries_do_not_grow):
    add_runs([alice], acme, 0, 3)
    client.force_login(alice)
    page = queries_do_not_grow(
        lambda: client.get(f"/usage/?{RANGE}"),
        lambda: add_runs([alice], acme, 3, 9),
        at_most=14,
    )
    assert "model-11" in page.content.decode()


def test_team_usage_page_with_top_users(client, alice, bob, acme, queries_do_not_grow):
    add_runs([alice, bob], acme, 0, 3)
    client.force_login(alice)
    page = queries_do_not_grow(
        lambda: client.get(f"/teams/{acme.pk}/usage/?{RANGE}"),
        lambda: add_runs([alice, bob], acme, 3, 9),
        at_most=17,
    )
    assert "Top users" in page.content.decode() and "model-11" in page.content.decode()


def test_usage_api(api, alice, bob, acme, queries_do_not_grow):
    add_runs([alice, bob], acme, 0, 3)
    client = api(alice)
    response = queries_do_not_grow(
        lambda: client.get(f"/api/usage/?team={acme.pk}&{RANGE}&group_by=day,model,user"),
        lambda: add_runs([alice, bob], acme, 3, 9),
        at_most=6,
    )
    assert sum(row["requests"] for row in response.json()["rows"]) == 12
