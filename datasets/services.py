"""Datasets and their items: create, edit, delete, duplicate, add many at once.

Items are immutable revisions (see models.py): every write here adds revisions and moves
`Item.current`, never rewrites one. Permission checks use datasets.access; these functions
raise PermissionDenied or ValidationError.
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, RestrictedError
from django.utils import timezone

from accounts.models import Team, User

from .access import DatasetAccess, dataset_access
from .content import item_content_clean
from .imports import items_read
from .models import Dataset, Item, ItemRevision, Visibility

MANAGED_FIELDS = {"visibility"}  # changed only by those who may also delete the dataset


def _visibility_check(visibility: str) -> None:
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": [f"One of: {', '.join(Visibility.values)}."]})


def _edit_require(user: User, dataset: Dataset) -> DatasetAccess:
    access = dataset_access(user, dataset)
    if not access.can_edit:
        raise PermissionDenied("Only members of the dataset's team who can see it edit it.")
    return access


def dataset_create(
    *,
    user: User,
    team: Team,
    name: str,
    description: str = "",
    visibility: str = Visibility.TEAM,
) -> Dataset:
    if not team.memberships.filter(user=user).exists():
        raise ValidationError({"team_id": "Choose one of your own teams."})
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the dataset a name."})
    _visibility_check(visibility)
    try:
        with transaction.atomic():
            return Dataset.objects.create(
                team=team,
                created_by=user,
                name=name,
                description=description,
                visibility=visibility,
            )
    except IntegrityError:
        raise ValidationError({"name": f"{team} already has a dataset called “{name}”."}) from None


def dataset_update(*, user: User, dataset: Dataset, **changes: Any) -> Dataset:
    access = _edit_require(user, dataset)
    if MANAGED_FIELDS & changes.keys() and not access.can_manage:
        raise PermissionDenied(
            "Only the dataset's creator and the team's owners/admins change its visibility."
        )
    if "visibility" in changes:
        _visibility_check(changes["visibility"])
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if not changes["name"]:
            raise ValidationError({"name": "Give the dataset a name."})
    for field in ("name", "description", "visibility"):
        if field in changes:
            setattr(dataset, field, changes[field])
    dataset.updated_at = timezone.now()
    try:
        with transaction.atomic():
            dataset.save()
    except IntegrityError:
        raise ValidationError({"name": "This team already has a dataset with that name."}) from None
    return dataset


def dataset_delete(*, user: User, dataset: Dataset) -> None:
    if not dataset_access(user, dataset).can_manage:
        raise PermissionDenied("Only the dataset's creator and the team's owners/admins delete it.")
    try:
        dataset.delete()
    except RestrictedError as restricted:  # label policies rest on it (prompts.LabelPolicy)
        policies = ", ".join(sorted(map(str, restricted.restricted_objects)))  # "Name@label policy"
        message = f"Label policies rest on this dataset ({policies}): lift them first."
        raise ValidationError({"dataset": [message]}) from None


def _touch(dataset: Dataset) -> None:
    Dataset.objects.filter(pk=dataset.pk).update(updated_at=timezone.now())


def items_add(*, user: User, dataset: Dataset, contents: Sequence[Mapping[str, Any]]) -> list[Item]:
    """New items at the end of the dataset, each with revision 1: a few queries however many
    (bulk inserts), all or none. `contents` must be cleaned (content.item_content_clean)."""
    _edit_require(user, dataset)
    now = timezone.now()
    with transaction.atomic():
        # Lock the dataset row so two writers can't take the same positions.
        Dataset.objects.select_for_update().filter(pk=dataset.pk).first()
        last = dataset.items.aggregate(last=Max("position"))["last"] or 0
        items, revisions = [], []
        for offset, content in enumerate(contents, start=1):
            item_id, revision_id = uuid.uuid4(), uuid.uuid4()
            # Both ids are known before either row exists, so each row names the other.
            items.append(
                Item(
                    id=item_id,
                    dataset=dataset,
                    position=last + offset,
                    current_id=revision_id,
                    created_at=now,
                )
            )
            revisions.append(
                ItemRevision(
                    id=revision_id,
                    item_id=item_id,
                    number=1,
                    created_by=user,
                    created_at=now,
                    **content,
                )
            )
        Item.objects.bulk_create(items, batch_size=1000)
        ItemRevision.objects.bulk_create(revisions, batch_size=1000)
        _touch(dataset)
    return items


def item_add(*, user: User, dataset: Dataset, data: Mapping[str, Any]) -> Item:
    [item] = items_add(user=user, dataset=dataset, contents=[item_content_clean(data)])
    return Item.objects.select_related("current").get(pk=item.pk)


def item_edit(*, user: User, item: Item, data: Mapping[str, Any]) -> Item:
    """A new revision of the item with `data` merged over its current content (fields not
    given stay as they are); the same item when nothing changes."""
    _edit_require(user, item.dataset)
    content = item_content_clean({**item.current.content(), **data})
    with transaction.atomic():
        locked = Item.objects.select_for_update().select_related("current").get(pk=item.pk)
        if locked.deleted_at is not None:
            raise ValidationError({"non_field_errors": ["This item was deleted."]})
        if locked.current.content() == content:
            return locked
        revision = ItemRevision.objects.create(
            item=locked, number=locked.current.number + 1, created_by=user, **content
        )
        locked.current = revision
        locked.save(update_fields=["current"])
        _touch(item.dataset)
    return locked


def item_delete(*, user: User, item: Item) -> None:
    """Marks the item deleted; its revisions stay, for the experiments that ran them."""
    _edit_require(user, item.dataset)
    Item.objects.filter(pk=item.pk, deleted_at=None).update(
        deleted_at=timezone.now(), deleted_by=user
    )
    _touch(item.dataset)


def item_duplicate(*, user: User, item: Item) -> Item:
    """A new item at the end of the dataset with the item's current content."""
    return item_add(user=user, dataset=item.dataset, data=item.current.content())


def items_import(*, user: User, dataset: Dataset, data: bytes, file_format: str) -> list[Item]:
    """Every item of a CSV or JSON Lines file (datasets.imports), or none."""
    _edit_require(user, dataset)  # before reading a file that could not be used anyway
    return items_add(user=user, dataset=dataset, contents=items_read(data, file_format))
