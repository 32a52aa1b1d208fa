"""Usage reports: requests, tokens, cost, errors and median latency, grouped by day (in the
viewer's time zone), model, user and/or template, over a time range.

`errors` counts runs that failed: an upstream error, or interrupted (the process serving it
stopped). Runs with unknown usage are counted (`unknown_usage`, interrupted runs among them:
the upstream may have billed them), never added as zero tokens; cost sums only runs whose
cost is known. Everyone's report comes from this one function; who may see
which rows is decided by the caller's scope (see usage_scope).
"""

import statistics
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Membership, Team, User, role_can_manage
from completions.models import Run

GROUPS = {
    "day": "day",
    "model": "model",
    "user": "user__username",
    "template": "template_version__template__name",
    "team": "team__name",
}
PRESETS = ("today", "7d", "30d", "month", "custom")
# What a report row counts: these add up across rows; the median does not.
SUMMED = (
    "requests",
    "errors",
    "unknown_usage",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cost",
)
METRICS = (*SUMMED, "median_latency_ms")


class Median(Aggregate):
    """PostgreSQL's exact median; other databases get it computed in Python."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class Range:
    start: datetime  # inclusive, aware
    end: datetime  # exclusive, aware
    zone: zoneinfo.ZoneInfo

    @property
    def days(self) -> list[date]:
        first = self.start.astimezone(self.zone).date()
        last = (self.end - timedelta(microseconds=1)).astimezone(self.zone).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def range_from(params, zone_name: str, now: datetime | None = None) -> Range:
    """today / 7d / 30d / month, or custom start and end dates (inclusive), in the zone."""
    zone = zoneinfo.ZoneInfo(zone_name)
    today = (now or timezone.now()).astimezone(zone).date()
    preset = params.get("range") or ("custom" if params.get("start") else "30d")
    if preset not in PRESETS:
        raise ValidationError({"range": f"One of: {', '.join(PRESETS)}."})
    if preset == "custom":
        try:
            first = date.fromisoformat(params.get("start", ""))
            last = date.fromisoformat(params.get("end") or params.get("start", ""))
        except ValueError:
            message = "Use dates like 2026-11-01 for start and end."
            raise ValidationError({"start": message}) from None
        if last < first:
            raise ValidationError({"end": "The end date is before the start date."})
        days = (last - first).days + 1
        if days > settings.USAGE_MAX_RANGE_DAYS:
            most = settings.USAGE_MAX_RANGE_DAYS
            raise ValidationError({"end": f"At most {most} days at a time (this is {days})."})
    else:
        last = today
        first = {
            "today": today,
            "7d": today - timedelta(days=6),
            "30d": today - timedelta(days=29),
            "month": today.replace(day=1),
        }[preset]
    start = _midnight(first, zone, field="start")
    end = _midnight(last, zone, field="end", days_later=1)
    return Range(start, end, zone)


def _midnight(day: date, zone: zoneinfo.ZoneInfo, *, field: str, days_later: int = 0) -> datetime:
    """Midnight, `days_later` days after `day`, in the zone. A day too near the calendar's
    ends to be moved or put in UTC (as the database is asked) is a ValidationError on `field`,
    not an OverflowError."""
    try:
        moment = datetime.combine(day + timedelta(days=days_later), time.min, tzinfo=zone)
        moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError({field: "Pick a date between the years 1 and 9999."}) from None
    return moment


def group_by_from(value: str | None, allowed: tuple[str, ...]) -> list[str]:
    groups = [g.strip() for g in (value or "day").split(",") if g.strip()]
    unknown = [g for g in groups if g not in allowed]
    if unknown:
        raise ValidationError({"group_by": f"Group by any of: {', '.join(allowed)}."})
    return groups


def usage_scope(*, viewer: User, team: Team | None = None, site: bool = False) -> tuple[Q, tuple]:
    """Which runs the viewer's report covers, and which groupings it may use.

    Site staff: everything (site=True). Team owners/admins: the whole team. Members: their own
    runs in the team. No team: the viewer's own runs everywhere."""
    if site:
        if not viewer.is_staff:
            raise PermissionDenied("Only site staff see the site-wide report.")
        return Q(), ("day", "model", "user", "template", "team")
    if team is None:
        return Q(user=viewer), ("day", "model", "template", "team")
    role = Membership.objects.filter(team=team, user=viewer).values_list("role", flat=True).first()
    if role_can_manage(role):
        return Q(team=team), ("day", "model", "user", "template")
    return Q(team=team, user=viewer), ("day", "model", "template")


def usage_rows(*, scope: Q, span: Range, group_by: list[str]) -> list[dict]:
    runs: QuerySet = Run.objects.filter(scope, started_at__gte=span.start, started_at__lt=span.end)
    runs = runs.annotate(day=TruncDate("started_at", tzinfo=span.zone))
    keys = [GROUPS[g] for g in group_by]
    known = Q(usage__in=[Run.Usage.REPORTED, Run.Usage.PARTIAL])
    aggregates = {
        "requests": Count("id"),
        "errors": Count("id", filter=Q(status__in=[Run.Status.ERROR, Run.Status.INTERRUPTED])),
        "unknown_usage": Count("id", filter=~known & ~Q(status=Run.Status.ERROR)),
        "prompt_tokens": Sum("prompt_tokens"),
        "completion_tokens": Sum("completion_tokens"),
        "total_tokens": Sum(F("total_tokens")),
        "cost": Sum("cost"),
    }
    exact_median = connection.vendor == "postgresql"
    if exact_median:
        aggregates["median_latency_ms"] = Median("latency_ms")
    rows = list(runs.values(*keys).annotate(**aggregates).order_by(*keys))
    if not exact_median:
        _add_medians(rows, runs, keys)
    for row in rows:
        for group, key in zip(group_by, keys, strict=True):
            row[group] = row.pop(key) if key != group else row[group]
        row["cost"] = row["cost"] if row["cost"] is None else round(float(row["cost"]), 6)
        latency = row["median_latency_ms"]
        row["median_latency_ms"] = None if latency is None else round(latency, 1)
    return rows


def _add_medians(rows: list[dict], runs: QuerySet, keys: list[str]) -> None:
    latencies: dict[tuple, list[int]] = {}
    for values in runs.exclude(latency_ms=None).values_list(*keys, "latency_ms"):
        latencies.setdefault(tuple(values[:-1]), []).append(values[-1])
    for row in rows:
        found = latencies.get(tuple(row[k] for k in keys))
        row["median_latency_ms"] = statistics.median(found) if found else None
