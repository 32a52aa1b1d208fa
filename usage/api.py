"""GET /api/usage/ (JSON) and /api/usage/csv/ (the same rows as CSV)."""

import csv
import io

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Scope
from accounts.selectors import team_for_user

from .reports import METRICS, PRESETS, group_by_from, range_from, usage_rows, usage_scope


def usage_report(request, params) -> dict:
    """The report a request asks for, within what its user may see."""
    team = team_for_user(request.user, params["team"]) if params.get("team") else None
    scope, allowed = usage_scope(
        viewer=request.user, team=team, site=params.get("site") in ("1", "true")
    )
    span = range_from(params, request.user.time_zone)
    group_by = group_by_from(params.get("group_by"), allowed)
    return {
        "range": {"start": span.start, "end": span.end, "time_zone": str(span.zone)},
        "currency": settings.USAGE_CURRENCY,
        "group_by": group_by,
        "rows": usage_rows(scope=scope, span=span, group_by=group_by),
    }


PARAMETERS = [
    OpenApiParameter("team", str, description="Team id; default: your own runs in every team."),
    OpenApiParameter("site", bool, description="Staff only: every run on the site."),
    OpenApiParameter("range", str, enum=PRESETS, description="Default 30d; custom with start/end."),
    OpenApiParameter("start", str, description="First day, YYYY-MM-DD, in your time zone."),
    OpenApiParameter("end", str, description="Last day (inclusive)."),
    OpenApiParameter("group_by", str, description="Comma-separated: day, model, user, template."),
]


USAGE_REPORT = inline_serializer(
    "UsageReport",
    fields={
        "range": inline_serializer(
            "UsageRange",
            fields={
                "start": serializers.DateTimeField(),
                "end": serializers.DateTimeField(),
                "time_zone": serializers.CharField(),
            },
        ),
        "currency": serializers.CharField(),
        "group_by": serializers.ListField(child=serializers.CharField()),
        "rows": serializers.ListField(
            child=serializers.DictField(),
            help_text="One object per group: the group_by keys, then " + ", ".join(METRICS),
        ),
    },
)


class UsageApi(APIView):
    token_scopes = {"GET": Scope.USAGE}

    @extend_schema(
        parameters=PARAMETERS,
        responses=USAGE_REPORT,
        description="Usage rows: requests, errors, runs with unknown usage (counted, not summed "
        "as zero), prompt/completion/total tokens, cost, median latency. Members see only their "
        "own runs in a team; owners/admins the whole team.",
    )
    def get(self, request):
        return Response(usage_report(request, request.query_params))


class UsageCsvApi(APIView):
    token_scopes = {"GET": Scope.USAGE}

    @extend_schema(
        parameters=PARAMETERS,
        responses={(200, "text/csv"): OpenApiTypes.STR},
        description="The same rows as /api/usage/, as CSV.",
    )
    def get(self, request):
        report = usage_report(request, request.query_params)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*report["group_by"], *METRICS])
        for row in report["rows"]:
            writer.writerow([_cell(row[key]) for key in [*report["group_by"], *METRICS]])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="octoplay-usage.csv"'
        return response


# What makes a spreadsheet read a cell as a formula (and run it, e.g. =HYPERLINK or DDE).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell. Text such as a model, user or template name that a spreadsheet would take
    for a formula gets a leading apostrophe, OWASP's advice; numbers are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)
