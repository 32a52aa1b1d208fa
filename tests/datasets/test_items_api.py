"""Datasets and items over the API: create, list, page, edit (a new revision each time, the
item id kept), delete (marked, revisions kept), duplicate; bad input is a 400 naming the field."""

import pytest

from datasets.models import Item, ItemRevision
from tests.helpers import create_dataset

pytestmark = pytest.mark.django_db

QUESTION = {"variables": {"topic": "tides"}, "expected": "The moon.", "tags": ["sea"]}


def items_url(dataset, *rest):
    return "/".join([f"/api/datasets/{dataset.pk}/items", *rest]) + "/"


def test_create_list_and_read_a_dataset(api, alice, acme):
    dataset = create_dataset(api, alice, acme, items=[QUESTION])
    listed = api(alice).get("/api/datasets/").json()
    assert [(row["name"], row["item_count"], row["team"]["name"]) for row in listed] == [
        ("Questions", 1, "Acme")
    ]
    detail = api(alice).get(f"/api/datasets/{dataset.pk}/").json()
    assert detail["permissions"] == {"can_edit": True, "can_manage": True}
    assert api(alice).get(f"/api/datasets/?team={acme.pk}").json()[0]["id"] == str(dataset.pk)


def test_name_is_unique_per_team(api, alice, acme):
    create_dataset(api, alice, acme)
    again = api(alice).post(
        "/api/datasets/", {"name": "Questions", "team_id": str(acme.pk)}, format="json"
    )
    assert again.status_code == 400 and "name" in again.json()["errors"]
    elsewhere = api(alice).post("/api/datasets/", {"name": "Questions"}, format="json")
    assert elsewhere.status_code == 201  # her personal team


def test_items_are_paged_in_order(api, alice, acme):
    dataset = create_dataset(
        api, alice, acme, items=[{"variables": {"n": str(n)}} for n in range(7)]
    )
    page = api(alice).get(items_url(dataset) + "?page_size=3&page=2").json()
    assert page["count"] == 7
    assert [row["variables"]["n"] for row in page["results"]] == ["3", "4", "5"]
    assert [row["position"] for row in page["results"]] == [4, 5, 6]
    assert api(alice).get(items_url(dataset) + "?page=9").status_code == 404
    too_big = api(alice).get(items_url(dataset) + "?page_size=501")
    assert too_big.status_code == 400 and "page_size" in too_big.json()["errors"]


def test_editing_writes_a_revision_and_keeps_the_item_id(api, alice, acme):
    dataset = create_dataset(api, alice, acme, items=[QUESTION])
    item = Item.objects.get()
    first = item.current_id
    edited = api(alice).patch(
        items_url(dataset, str(item.pk)), {"expected": "Gravity."}, format="json"
    )
    assert edited.status_code == 200, edited.json()
    body = edited.json()
    assert (body["id"], body["revision_number"], body["expected"]) == (str(item.pk), 2, "Gravity.")
    assert body["variables"] == {"topic": "tides"}  # left out: kept
    assert body["revision"] != str(first)
    old = ItemRevision.objects.get(pk=first)
    assert (old.number, old.expected) == (1, "The moon.")  # never rewritten
    history = api(alice).get(items_url(dataset, str(item.pk), "revisions")).json()
    assert [(r["number"], r["expected"]) for r in history] == [(2, "Gravity."), (1, "The moon.")]


def test_an_edit_that_changes_nothing_writes_nothing(api, alice, acme):
    dataset = create_dataset(api, alice, acme, items=[QUESTION])
    item = Item.objects.get()
    api(alice).patch(items_url(dataset, str(item.pk)), QUESTION, format="json")
    assert ItemRevision.objects.count() == 1


def test_deleting_marks_the_item_and_keeps_its_revisions(api, alice, acme):
    dataset = create_dataset(api, alice, acme, items=[QUESTION, {"variables": {"topic": "waves"}}])
    item = Item.objects.get(position=1)
    api(alice).patch(items_url(dataset, str(item.pk)), {"tags": ["sea", "moon"]}, format="json")
    assert api(alice).delete(items_url(dataset, str(item.pk))).status_code == 204
    page = api(alice).get(items_url(dataset)).json()
    assert [row["variables"]["topic"] for row in page["results"]] == ["waves"]
    assert ItemRevision.objects.filter(item=item).count() == 2
    item.refresh_from_db()
    assert item.deleted_at is not None and item.deleted_by == alice
    assert api(alice).get(items_url(dataset, str(item.pk))).status_code == 404
    edited = api(alice).patch(items_url(dataset, str(item.pk)), QUESTION, format="json")
    assert edited.status_code == 404


def test_duplicate_adds_a_copy_at_the_end(api, alice, acme):
    dataset = create_dataset(api, alice, acme, items=[QUESTION, {"variables": {"topic": "waves"}}])
    item = Item.objects.get(position=1)
    copy = api(alice).post(items_url(dataset, str(item.pk), "duplicate")).json()
    assert copy["id"] != str(item.pk) and copy["position"] == 3
    assert {k: copy[k] for k in ("variables", "expected", "tags")} == QUESTION


def test_expected_may_be_json_and_metadata_is_kept(api, alice, acme):
    item = {"variables": {"city": "Paris"}, "expected": {"population": 2}, "metadata": {"src": 1}}
    dataset = create_dataset(api, alice, acme, items=[item])
    row = api(alice).get(items_url(dataset)).json()["results"][0]
    assert (row["expected"], row["metadata"], row["tags"]) == ({"population": 2}, {"src": 1}, [])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"variables": "topic"}, "variables"),
        ({"variables": {"": "x"}}, "variables"),
        ({"variables": {"tags": "x"}}, "variables.tags"),
        ({"variables": {"a": 1}, "tags": "sea"}, "tags"),
        ({"variables": {"a": 1}, "tags": [1]}, "tags"),
        ({"variables": {"a": 1}, "tags": ["a,b"]}, "tags"),
        ({"variables": {"a": 1}, "tags": [" a"]}, "tags"),
        ({"variables": {"a": 1}, "tags": ["x" * 41]}, "tags"),
        ({"variables": {"a": 1}, "metadata": []}, "metadata"),
        ('{"variables": {"a": "\\ud800"}}', "variables.a"),  # as sent: JSON's escape
        ({"variables": {"a": 1}, "colour": "red"}, "colour"),
        ({}, "variables"),
    ],
)
def test_bad_items_are_400s_naming_the_field(api, alice, acme, body, field):
    dataset = create_dataset(api, alice, acme)
    if isinstance(body, str):
        response = api(alice).post(items_url(dataset), body, content_type="application/json")
    else:
        response = api(alice).post(items_url(dataset), body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not Item.objects.exists()
