"""Site-level pages: home, the playground page and the health check."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.selectors import teams_with_role
from accounts.services import active_team_get
from completions.demo import demo_mode_on
from completions.models import Provider
from completions.providers import DEFAULT_SLUG, DEMO_SLUG


def home(request):
    return render(request, "home.html")


@login_required
def playground_page(request):
    # Base URLs for "View code": they are public addresses, never keys.
    upstreams = {DEFAULT_SLUG: settings.OCTOPUSX_BASE_URL, DEMO_SLUG: settings.OCTOPUSX_BASE_URL}
    upstreams.update(Provider.objects.filter(is_active=True).values_list("slug", "base_url"))
    config = {
        "demo": demo_mode_on(),
        "upstreams": upstreams,
        "teams": [{"id": str(t.pk), "name": str(t)} for t in teams_with_role(request.user)],
        "activeTeam": str(active_team_get(request.user).pk),
    }
    return render(request, "playground/page.html", {"config": config})


@never_cache
def healthz(request):
    """200 when the app can reach its database, 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse(
            {"status": "error", "database": f"unavailable: {type(error).__name__}"}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})
