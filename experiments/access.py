"""Who may do what with an experiment. Decided here once; views and APIs only ask.

Seeing an experiment follows its dataset (datasets.access: team datasets every member, private
ones their creator), checked on every request, so a removed member loses it at once. Starting,
cancelling and re-evaluating spend or change the team's results: the experiment's creator
(while still a member) and the team's owners/admins. Reviewing answers (a score and a comment
per cell) is for whoever may edit the dataset: every member who sees it (datasets.access: test
cases are everyone's work); a removed member or an outsider reaches nothing.
"""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.sharing import team_standing
from datasets.access import dataset_access

from .models import Experiment


@dataclass(frozen=True)
class ExperimentAccess:
    can_view: bool
    can_manage: bool  # start, cancel, re-evaluate
    can_review: bool = False  # score and comment on cells


def experiment_access(user, experiment: Experiment) -> ExperimentAccess:
    dataset = dataset_access(user, experiment.dataset)
    can_view = dataset.can_view
    standing = team_standing(user, team_id=experiment.team_id, author_id=experiment.created_by_id)
    return ExperimentAccess(
        can_view=can_view,
        can_manage=can_view and (standing.is_author or standing.is_manager),
        can_review=can_view and dataset.can_edit,
    )


def experiment_for_viewer(user, experiment_id) -> tuple[Experiment, ExperimentAccess]:
    """The experiment and what the user may do with it; 404 if they may not even see it."""
    experiment = get_object_or_404(
        Experiment.objects.select_related("team", "dataset", "created_by"), pk=experiment_id
    )
    access = experiment_access(user, experiment)
    if not access.can_view:
        raise Http404("No such experiment.")
    return experiment, access
