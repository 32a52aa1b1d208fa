from collections.abc import Mapping
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import User

from .models import Run


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


def runs_filtered(user: User, params: Mapping[str, str]) -> QuerySet[Run]:
    """The user's runs, newest first, narrowed by model, status, source and time."""
    runs = Run.objects.for_user(user).defer("request", "response")
    if params.get("model"):
        runs = runs.filter(model=params["model"])
    if params.get("status"):
        if params["status"] not in Run.Status.values:
            raise ValidationError({"status": f"One of: {', '.join(Run.Status.values)}."})
        runs = runs.filter(status=params["status"])
    if params.get("source"):
        runs = runs.filter(source=params["source"])
    if params.get("since"):
        runs = runs.filter(started_at__gte=_moment(params["since"], "since"))
    if params.get("until"):
        runs = runs.filter(started_at__lt=_moment(params["until"], "until"))
    return runs.order_by("-started_at")
