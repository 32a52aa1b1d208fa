"""Reading datasets: the list a user sees, a dataset's current items and an item's history.

Lists cost a fixed number of queries however many rows; items are read a page at a time or,
for exports, streamed in chunks."""

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet

from accounts.models import User

from .models import Dataset, Item, ItemRevision

EXPORT_CHUNK = 2000


def datasets_summarised(datasets: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """Each dataset with its team and creator, and `item_count` (live items) annotated."""
    return datasets.select_related("team", "team__personal_owner", "created_by").annotate(
        item_count=Count("items", filter=Q(items__deleted_at=None))
    )


def dataset_list(user: User, *, team_id: UUID | None = None) -> QuerySet[Dataset]:
    """The datasets a user may see (Dataset.objects.visible_to), of one team if given."""
    datasets = Dataset.objects.visible_to(user)
    if team_id is not None:
        datasets = datasets.filter(team_id=team_id)
    return datasets_summarised(datasets).order_by("team__name", "name")


def dataset_summary_get(dataset_id: UUID) -> Dataset:
    return datasets_summarised(Dataset.objects.filter(pk=dataset_id)).get()


def items_current(dataset: Dataset) -> QuerySet[Item]:
    """The dataset's live items in order, each with its current revision: one query a page."""
    return (
        Item.objects.filter(dataset=dataset, deleted_at=None)
        .select_related("current")
        .order_by("position")
    )


def item_revisions(item: Item) -> QuerySet[ItemRevision]:
    """Every revision of the item, newest first, with who wrote it."""
    return item.revisions.select_related("created_by").order_by("-number")


def items_exported(dataset: Dataset) -> Iterator[dict[str, Any]]:
    """The current items as plain rows (id, revision id and content), read in chunks so a
    large dataset streams without being held in memory."""
    rows = (
        Item.objects.filter(dataset=dataset, deleted_at=None)
        .order_by("position")
        .values_list(
            "id",
            "current_id",
            "current__variables",
            "current__expected",
            "current__tags",
            "current__metadata",
        )
    )
    for item_id, revision_id, variables, expected, tags, metadata in rows.iterator(EXPORT_CHUNK):
        yield {
            "id": str(item_id),
            "revision": str(revision_id),
            "variables": variables,
            "expected": expected,
            "tags": tags,
            "metadata": metadata,
        }


def variable_names(dataset: Dataset) -> list[str]:
    """Every variable name the current items use, in order of first use (a CSV's columns)."""
    names: dict[str, None] = {}
    for row in items_exported(dataset):
        names.update(dict.fromkeys(row["variables"]))
    return list(names)
