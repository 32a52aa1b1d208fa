from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import User
from accounts.sharing import Visibility

from .models import Run
from .search import runs_searched

SCOPES = ("mine", "team")
ANSWER_PREVIEW_CHARS = 300


def _moment(value: str, field: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise ValidationError({field: "Use an ISO date (2026-11-25) or datetime."})
        parsed = datetime.combine(day, time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _choice(params: Mapping[str, str], field: str, values: Sequence[str]) -> str:
    value = params.get(field) or ""
    if value and value not in values:
        raise ValidationError({field: f"One of: {', '.join(values)}."})
    return value


def runs_in_scope(user: User, scope: str = "mine") -> QuerySet[Run]:
    """mine: the user's own runs (Run.objects.for_user); team: the runs shared with the
    teams they are in now, by anyone in them (them too)."""
    if scope == "team":
        return Run.objects.visible_to(user).exclude(visibility=Visibility.PRIVATE)
    return Run.objects.for_user(user)


def runs_filtered(user: User, params: Mapping[str, str]) -> QuerySet[Run]:
    """The runs of a scope (runs_in_scope), newest first, narrowed by model, template,
    status, source, time and words in the prompt or answer (completions.search); each with
    what a row of History shows, its answer cut short, in one query."""
    runs = runs_in_scope(user, _choice(params, "scope", SCOPES) or "mine")
    runs = runs.select_related("user", "template_version__template")
    runs = runs.annotate(answer_preview=Left("content", ANSWER_PREVIEW_CHARS))
    runs = runs.defer("request", "response", "content", "prompt_text", "holds")
    if params.get("model"):
        runs = runs.filter(model=params["model"])
    if status := _choice(params, "status", Run.Status.values):
        runs = runs.filter(status=status)
    if source := _choice(params, "source", Run.Source.values):
        runs = runs.filter(source=source)
    if params.get("template"):
        try:
            template_id = UUID(params["template"])
        except ValueError:
            raise ValidationError({"template": "A template id."}) from None
        runs = runs.filter(template_version__template_id=template_id)
    if params.get("since"):
        runs = runs.filter(started_at__gte=_moment(params["since"], "since"))
    if params.get("until"):
        runs = runs.filter(started_at__lt=_moment(params["until"], "until"))
    if params.get("q"):
        runs = runs_searched(runs, params["q"])
    return runs.order_by("-started_at")


def runs_choices(user: User, scope: str) -> dict[str, list[Any]]:
    """What History's filters offer: the models and the templates of the runs in a scope."""
    runs = runs_in_scope(user, scope if scope in SCOPES else "mine").order_by()
    templates = (
        runs.filter(template_version__isnull=False)
        .values_list("template_version__template_id", "template_version__template__name")
        .distinct()
    )
    return {
        "models": sorted(set(runs.values_list("model", flat=True).distinct())),
        "templates": sorted(templates, key=lambda row: row[1].lower()),
    }
