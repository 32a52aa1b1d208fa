"""Who may do what with a dataset. Decided here once; views and APIs only ask.

Visibility follows templates' rule (accounts.sharing.TeamStanding.sees): private is
its creator's alone, team is every member's; a removed member, creator or not, keeps nothing.
Unlike a team template, a team dataset is edited by every member (its items, name and
description: test cases are everyone's work). Changing its visibility or deleting it, which
takes it from everyone, is for its creator and the team's owners/admins.
"""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.sharing import team_standing

from .models import Dataset, Item


@dataclass(frozen=True)
class DatasetAccess:
    can_view: bool
    can_edit: bool  # items, name, description
    can_manage: bool  # visibility, delete


def dataset_access(user, dataset: Dataset) -> DatasetAccess:
    standing = team_standing(user, team_id=dataset.team_id, author_id=dataset.created_by_id)
    can_view = standing.sees(dataset.visibility)
    return DatasetAccess(
        can_view=can_view,
        can_edit=can_view,
        can_manage=standing.manages(dataset.visibility),
    )


def dataset_for_viewer(user, dataset_id) -> tuple[Dataset, DatasetAccess]:
    """The dataset and what the user may do with it; 404 if they may not even see it."""
    dataset = get_object_or_404(
        Dataset.objects.select_related("team", "team__personal_owner", "created_by"),
        pk=dataset_id,
    )
    access = dataset_access(user, dataset)
    if not access.can_view:
        raise Http404("No such dataset.")
    return dataset, access


def item_for_viewer(user, dataset_id, item_id) -> tuple[Item, DatasetAccess]:
    """A live item of a dataset the user may see, with its current revision; else 404."""
    dataset, access = dataset_for_viewer(user, dataset_id)
    item = get_object_or_404(
        Item.objects.select_related("current"), dataset=dataset, pk=item_id, deleted_at=None
    )
    item.dataset = dataset
    return item, access
