"""Usage pages: mine, a team's, and the whole site's (staff)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone

from accounts.selectors import team_for_user
from accounts.services import active_team_get
from budgets.selectors import budget_status, budgets_for, prices_exist

from .charts import stacked_by_day
from .reports import SUMMED, range_from, usage_rows, usage_scope


def _totals(rows: list[dict]) -> dict:
    totals = {key: sum(row[key] or 0 for row in rows) for key in SUMMED}
    # No known cost at all is unknown, not zero (as each row shows it).
    if all(row["cost"] is None for row in rows):
        totals["cost"] = None
    return totals


def _usage_page(request, *, team=None, site=False):
    scope, allowed = usage_scope(viewer=request.user, team=team, site=site)
    params = request.GET
    try:
        span = range_from(params, request.user.time_zone)
        problem = ""
    except ValidationError as error:
        span, problem = range_from({}, request.user.time_zone), " ".join(error.messages)
    by_day_model = usage_rows(scope=scope, span=span, group_by=["day", "model"])
    context = {
        "team": team,
        "site": site,
        "problem": problem,
        "params": params,
        "span": span,
        "totals": _totals(by_day_model),
        "by_model": usage_rows(scope=scope, span=span, group_by=["model"]),
        "by_day": usage_rows(scope=scope, span=span, group_by=["day"]),
        "token_chart": stacked_by_day(by_day_model, span.days, "total_tokens"),
        "cost_chart": stacked_by_day(by_day_model, span.days, "cost"),
        "csv_query": _csv_query(params, team, site),
        "currency": settings.USAGE_CURRENCY,
    }
    if context["totals"]["cost"] is None:
        why = "no prices set" if not prices_exist() else "no price known for these runs"
        context["cost_unknown_why"] = why
        context["cost_chart_empty"] = f"No cost to chart: {why}."
    if "user" in allowed:
        by_user = usage_rows(scope=scope, span=span, group_by=["user"])
        context["top_users"] = sorted(by_user, key=lambda r: -(r["total_tokens"] or 0))
    if "template" in allowed:
        context["by_template"] = [
            row
            for row in usage_rows(scope=scope, span=span, group_by=["template"])
            if row["template"]
        ]
    budget_team = team or (None if site else active_team_get(request.user))
    if budget_team is not None:
        now = timezone.now()
        context["budgets"] = [
            budget_status(b, now) for b in budgets_for(user=request.user, team=budget_team)
        ]
    # A bad range is explained above the default report, and answered as the 400 it is.
    return render(request, "usage/usage.html", context, status=400 if problem else 200)


def _csv_query(params, team, site) -> str:
    """The page's own filters, for CSV links that export exactly what is shown."""
    query = params.copy()
    query.pop("group_by", None)
    if team is not None:
        query["team"] = str(team.pk)
    if site:
        query["site"] = "1"
    return query.urlencode()


@login_required
def usage_mine(request):
    return _usage_page(request)


@login_required
def usage_team(request, team_id):
    return _usage_page(request, team=team_for_user(request.user, team_id))


@login_required
def usage_site(request):
    return _usage_page(request, site=True)
