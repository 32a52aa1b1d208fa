"""Dataset lists and item pages cost the same number of queries for 3 rows as for 12 (and an
item page the same for 3 revisions an item as for 1)."""

import pytest

from datasets import services
from datasets.models import Item

pytestmark = pytest.mark.django_db


def add_datasets(user, team, first: int, count: int) -> None:
    for number in range(first, first + count):
        dataset = services.dataset_create(user=user, team=team, name=f"Set {number}")
        add_items(user, dataset, 2)


def add_items(user, dataset, count: int) -> None:
    contents = [
        {"variables": {"q": str(n)}, "expected": None, "tags": ["t"], "metadata": {}}
        for n in range(count)
    ]
    services.items_add(user=user, dataset=dataset, contents=contents)


def edit_all(user, dataset) -> None:
    for item in Item.objects.filter(dataset=dataset).select_related("current", "dataset"):
        services.item_edit(user=user, item=item, data={"expected": f"edited {item.pk}"})


@pytest.fixture
def dataset(alice, acme):
    created = services.dataset_create(user=alice, team=acme, name="Questions")
    add_items(alice, created, 3)
    return created


def test_dataset_list_api(api, alice, bob, acme, queries_do_not_grow):
    add_datasets(alice, acme, 0, 3)
    client = api(bob)
    response = queries_do_not_grow(
        lambda: client.get("/api/datasets/"), lambda: add_datasets(alice, acme, 3, 9), at_most=4
    )
    assert [row["item_count"] for row in response.json()] == [2] * 12


def test_item_page_api(api, alice, dataset, queries_do_not_grow):
    client = api(alice)
    url = f"/api/datasets/{dataset.pk}/items/"
    response = queries_do_not_grow(
        lambda: client.get(url),
        lambda: (add_items(alice, dataset, 9), edit_all(alice, dataset)),
        at_most=6,
    )
    assert [row["revision_number"] for row in response.json()["results"]] == [2] * 12


def test_dataset_list_page(client, alice, acme, queries_do_not_grow):
    add_datasets(alice, acme, 0, 3)
    client.force_login(alice)
    page = queries_do_not_grow(
        lambda: client.get("/datasets/"), lambda: add_datasets(alice, acme, 3, 9), at_most=10
    )
    assert page.content.decode().count("<td>2</td>") == 12


def test_dataset_page(client, alice, dataset, queries_do_not_grow):
    client.force_login(alice)
    page = queries_do_not_grow(
        lambda: client.get(f"/datasets/{dataset.pk}/"),
        lambda: (add_items(alice, dataset, 9), edit_all(alice, dataset)),
        at_most=12,
    )
    assert page.content.decode().count('data-revision="2"') == 12
