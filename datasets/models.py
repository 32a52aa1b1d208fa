"""Datasets: named collections of test cases (items) owned by a team.

An item is `variables` (what a template is filled with), an optional `expected` answer (text
or any JSON), `tags` and `metadata`. Items are kept as immutable revisions:

- `Item` is the stable identity (the id a URL and a person see) and its place in the
  dataset. It points at its `current` revision and is marked deleted rather than removed.
- `ItemRevision` is one state of an item, never changed once written. Editing an item writes
  revision n+1 and moves `current`; deleting sets `Item.deleted_at` and keeps every revision.

Why: an experiment (next) records the revision ids it ran, so its results keep meaning
exactly what was asked and expected then, however the dataset is edited afterwards, with no
copy of the items per experiment. A dataset's current items are its live items' `current`
revisions: one join, no "latest per group" query, so a 10,000-item dataset pages cheaply.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.sharing import seen_by_member
from prompts.models import Snapshot


class Visibility(models.TextChoices):
    # The values and their rule are templates' (accounts.sharing.TeamStanding.sees).
    PRIVATE = "private", "Private — only its creator"
    TEAM = "team", "Team — every member can view and edit"


class DatasetQuerySet(models.QuerySet["Dataset"]):
    def visible_to(self, user) -> "DatasetQuerySet":
        """What a user may list: the private/team rule (accounts.sharing.seen_by_member)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(seen_by_member(user))


class Dataset(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="datasets")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="datasets"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.TEAM
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DatasetQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="unique_dataset_name_per_team")
        ]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """An item's identity and place; its content is in `current` (see the module's doc)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(help_text="Order in the dataset, from 1.")
    # Set in the same transaction as the revision it names (the constraint is deferred).
    current = models.ForeignKey("ItemRevision", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "position"], name="unique_item_position")
        ]

    def __str__(self) -> str:
        return f"{self.dataset} #{self.position}"


class ItemRevision(Snapshot):
    """One state of an item: an edit writes the next number."""

    CONTENT_FIELDS = ("variables", "expected", "tags", "metadata")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    variables = models.JSONField(default=dict)
    expected = models.JSONField(null=True, blank=True, help_text="Text or JSON; null: none.")
    tags = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="unique_item_revision")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} r{self.number}"
