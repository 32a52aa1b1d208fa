"""Team lists and member lists cost the same number of queries for 3 rows as for 12."""

import pytest

from accounts import services
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


def add_teams(user, first: int, count: int) -> None:
    for number in range(first, first + count):
        services.team_create(user=user, name=f"Team {number}")


def add_members(owner, team, first: int, count: int) -> None:
    for number in range(first, first + count):
        username = f"member{number}"
        services.user_signup(username=username, email=f"{username}@example.com", password=PASSWORD)
        services.member_add(actor=owner, team=team, identifier=username)


def test_team_list_page(client, alice, queries_do_not_grow):
    add_teams(alice, 0, 3)
    client.force_login(alice)
    page = queries_do_not_grow(
        lambda: client.get("/teams/"), lambda: add_teams(alice, 3, 9), at_most=7
    )
    assert all(f"Team {number}<" in page.content.decode() for number in range(12))


def test_team_list_api(api, alice, queries_do_not_grow):
    add_teams(alice, 0, 3)
    client = api(alice)
    response = queries_do_not_grow(
        lambda: client.get("/api/teams/"), lambda: add_teams(alice, 3, 9), at_most=4
    )
    assert len(response.json()) == 13  # and alice's personal workspace


def test_team_members_api(api, alice, globex, charlie, queries_do_not_grow):
    add_members(charlie, globex, 0, 3)
    client = api(charlie)
    response = queries_do_not_grow(
        lambda: client.get(f"/api/teams/{globex.pk}/members/"),
        lambda: add_members(charlie, globex, 3, 9),
        at_most=4,
    )
    assert len(response.json()) == 13  # and charlie, the owner


def test_team_page_lists_its_members(client, globex, charlie, queries_do_not_grow):
    add_members(charlie, globex, 0, 3)
    client.force_login(charlie)
    page = queries_do_not_grow(
        lambda: client.get(f"/teams/{globex.pk}/"),
        lambda: add_members(charlie, globex, 3, 9),
        at_most=9,
    )
    assert all(f"<td>member{number}</td>" in page.content.decode() for number in range(12))
