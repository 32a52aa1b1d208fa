"""History pages: the runs a user sees (theirs, or shared with their teams), one run in full,
the same run read through its share link, and the form that shares it."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from accounts.sharing import Visibility

from . import selectors
from .access import run_for_link, run_for_viewer
from .models import Run
from .sharing import run_share

SHARED_SAYS: dict[str, str] = {
    Visibility.PRIVATE: "This run is private: only its author sees it.",
    Visibility.TEAM: "Shared with {team}.",
    Visibility.LINK: "Shared by link: anyone holding the link below reads this run.",
}
FILTERS = ("scope", "q", "model", "template", "status", "source", "since", "to")


def _until(day: str) -> str:
    """The form's last day, inclusive, as the selector's exclusive bound."""
    parsed = parse_date(day) if day else None
    return (parsed + timedelta(days=1)).isoformat() if parsed else day


@login_required
def run_list(request):
    filters = {key: request.GET.get(key, "").strip() for key in FILTERS}
    try:
        runs = selectors.runs_filtered(request.user, {**filters, "until": _until(filters["to"])})
        problem = ""
    except ValidationError as error:
        runs, problem = Run.objects.none(), " ".join(error.messages)
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "filtered": any(value for key, value in filters.items() if key != "scope"),
        "problem": problem,
        "query": request.GET.copy(),
        **selectors.runs_choices(request.user, filters["scope"]),
        "statuses": Run.Status.choices,
        "sources": Run.Source.choices,
    }
    context["query"].pop("page", None)
    return render(request, "completions/run_list.html", context)


def _run_page(request, run, access):
    context = {"run": run, "access": access, "visibilities": Visibility.choices}
    return render(request, "completions/run_detail.html", context)


@login_required
def run_detail(request, run_id):
    run, access = run_for_viewer(request.user, run_id)
    return _run_page(request, run, access)


def run_shared(request, token):
    """Anyone holding the link reads the run, signed in or not, while it is shared by link."""
    run, access = run_for_link(request.user, token)
    return _run_page(request, run, access)


@require_POST
@login_required
def run_sharing(request, run_id):
    run, _ = run_for_viewer(request.user, run_id)
    try:
        run_share(user=request.user, run=run, visibility=request.POST.get("visibility", ""))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, SHARED_SAYS[run.visibility].format(team=run.team))
    return redirect("run_detail", run_id=run.pk)
