"""GET /api/usage/ (JSON) and /api/usage/csv/ (the same rows as CSV)."""

import csv
import io

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Scope
from accounts.selectors import team_for_user

from .reports import (
    GROUPS,
    METRICS,
    PRESETS,
    Range,
    group_by_from,
    range_from,
    usage_rows,
    usage_scope,
)

GROUP_BY_PATTERN = "^({0})(,({0}))*$".format("|".join(GROUPS))


class UsageRangeSerializer(serializers.Serializer):
    """The report's query, checked here so a wrong value is a 400 naming it; which groupings
    and ranges make sense together is checked where the report is made."""

    team = serializers.UUIDField(
        required=False, help_text="Team id; default: your own runs in every team."
    )
    site = serializers.ChoiceField(
        choices=["true", "false", "1", "0"],
        required=False,
        help_text="Staff only: every run on the site.",
    )
    range = serializers.ChoiceField(
        choices=PRESETS, required=False, help_text="Default 30d; custom with start/end."
    )
    # YYYY-MM-DD only: usage.reports.range_from reads them, in the user's time zone.
    start = serializers.DateField(
        input_formats=["%Y-%m-%d"],
        required=False,
        help_text="First day, YYYY-MM-DD, in your time zone.",
    )
    end = serializers.DateField(
        input_formats=["%Y-%m-%d"], required=False, help_text="Last day (inclusive)."
    )


class UsageQuerySerializer(UsageRangeSerializer):
    group_by = serializers.RegexField(
        GROUP_BY_PATTERN,
        required=False,
        help_text="Comma-separated: " + ", ".join(GROUPS) + " (user: team managers; team: "
        "not with a team).",
    )


def report_scope(request, params) -> tuple[Q, tuple[str, ...], Range]:
    """Which runs and days a request's report covers (within what its user may see), and
    the groupings it may use. The usage by experiment (experiments.api) asks the same."""
    UsageQuerySerializer(data=params.dict()).is_valid(raise_exception=True)
    team = team_for_user(request.user, params["team"]) if params.get("team") else None
    scope, allowed = usage_scope(
        viewer=request.user, team=team, site=params.get("site") in ("1", "true")
    )
    return scope, allowed, range_from(params, request.user.time_zone)


def usage_report(request, params) -> dict:
    """The report a request asks for, within what its user may see."""
    scope, allowed, span = report_scope(request, params)
    group_by = group_by_from(params.get("group_by"), allowed)
    return {
        "range": {"start": span.start, "end": span.end, "time_zone": str(span.zone)},
        "currency": settings.USAGE_CURRENCY,
        "group_by": group_by,
        "rows": usage_rows(scope=scope, span=span, group_by=group_by),
    }


PARAMETERS = [UsageQuerySerializer]
NO_SUCH_TEAM = OpenApiResponse(description="No such team, or not one of yours.")


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
        responses={200: USAGE_REPORT, 404: NO_SUCH_TEAM},
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
        responses={(200, "text/csv"): OpenApiTypes.STR, 404: NO_SUCH_TEAM},
        description="The same rows as /api/usage/, as CSV.",
    )
    def get(self, request):
        report = usage_report(request, request.query_params)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*report["group_by"], *METRICS])
        for row in report["rows"]:
            writer.writerow([csv_cell(row[key]) for key in [*report["group_by"], *METRICS]])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="octoplay-usage.csv"'
        return response


# What makes a spreadsheet read a cell as a formula (and run it, e.g. =HYPERLINK or DDE).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A CSV cell. Text such as a model, user or template name that a spreadsheet would take
    for a formula gets a leading apostrophe, OWASP's advice; numbers are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)
