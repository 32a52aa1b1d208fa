"""History pages: the user's runs and one run in full."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import Run


@login_required
def run_list(request):
    filters = {key: request.GET.get(key, "") for key in ("model", "status")}
    try:
        runs = selectors.runs_filtered(request.user, filters)
    except ValidationError:
        runs = Run.objects.none()
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "models": Run.objects.for_user(request.user)
        .order_by()
        .values_list("model", flat=True)
        .distinct(),
        "statuses": Run.Status.choices,
    }
    return render(request, "completions/run_list.html", context)


@login_required
def run_detail(request, run_id):
    run = get_object_or_404(Run.objects.for_user(request.user).select_related("team"), pk=run_id)
    return render(request, "completions/run_detail.html", {"run": run})
