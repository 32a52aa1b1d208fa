"""Protected-label policies: a template may require that a label (e.g. production) moves only
to a version with a finished experiment on a chosen dataset at or above a pass rate.

Off unless a template's manager sets one. The one label-move service
(services.template_label_set) asks `label_policy_problem` before every move, so the API, the
template page and promotion from an experiment comparison all obey it.

Prompts may not import experiments (imports run one way), so the experiments app hands in
the evidence at start-up (experiments/apps.py): `pass_rate_source_set(best_pass_rate)`, a
function giving a version's best pass rate over finished experiments on a dataset. Without
one, no policy can be met and every guarded move is refused.
"""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User

from .access import template_access
from .models import LabelPolicy, PromptTemplate, TemplateVersion, seen_by_member

# (version, dataset id) -> the best pass rate (0-1) of a finished experiment, or None.
PassRate = Callable[[TemplateVersion, Any], float | None]
_sources: list[PassRate] = []


def pass_rate_source_set(source: PassRate) -> None:
    """Where pass rates come from (the experiments app, once, when Django starts)."""
    _sources[:] = [source]


def policy_datasets(template: PromptTemplate, user: User) -> QuerySet[Any]:
    """Datasets a policy may name: the template's team's, that the user sees. Reached through
    the policy's foreign key, since prompts may not import datasets."""
    datasets = LabelPolicy._meta.get_field("dataset").related_model._default_manager
    return datasets.filter(seen_by_member(user), team_id=template.team_id).distinct()


def label_policy_problem(template: PromptTemplate, label: str, version: TemplateVersion) -> str:
    """Why `label` may not move to `version` under the template's policy ("" if it may)."""
    policy = template.label_policies.select_related("dataset").filter(label=label).first()
    if policy is None:
        return ""
    best = _sources[0](version, policy.dataset_id) if _sources else None
    bar = f"{policy.min_pass_rate * 100:.0f}%"
    if best is None:
        return (
            f"“{label}” is protected: version {version.number} needs a finished experiment on "
            f"the dataset “{policy.dataset.name}” passing at least {bar}; it has none."
        )
    if Decimal(str(best)) < policy.min_pass_rate:
        return (
            f"“{label}” is protected: version {version.number} needs a finished experiment on "
            f"the dataset “{policy.dataset.name}” passing at least {bar}; its best passed "
            f"{best * 100:.0f}%."
        )
    return ""


def _manager_require(user: User, template: PromptTemplate) -> None:
    if not template_access(user, template).can_set_policies:
        raise PermissionDenied("Only team owners and admins can set label policies.")


def label_policy_set(
    *, user: User, template: PromptTemplate, label: str, dataset_id: Any, min_pass_rate: Any
) -> LabelPolicy:
    """Require `label` to move only to versions proven on the dataset (one policy a label)."""
    from .services import LABEL_NAME  # services imports this module for the check

    _manager_require(user, template)
    if not LABEL_NAME.fullmatch(label or ""):
        raise ValidationError({"label": "A label is 1-40 letters, digits, hyphens or underscores."})
    dataset = policy_datasets(template, user).filter(pk=dataset_id).first()
    if dataset is None:
        raise ValidationError({"dataset_id": "Choose one of this template's team's datasets."})
    try:
        rate = Decimal(str(min_pass_rate))
    except InvalidOperation:
        rate = Decimal(-1)
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
        raise ValidationError({"min_pass_rate": "Give a pass rate from 0 to 1 (e.g. 0.9)."})
    policy, _ = LabelPolicy.objects.update_or_create(
        template=template,
        label=label,
        defaults={
            "dataset": dataset,
            "min_pass_rate": rate,
            "updated_by": user,
            "updated_at": timezone.now(),
        },
    )
    return policy


def label_policy_delete(*, user: User, template: PromptTemplate, label: str) -> bool:
    """Lift the label's policy; False if it had none."""
    _manager_require(user, template)
    deleted, _ = template.label_policies.filter(label=label).delete()
    return bool(deleted)
