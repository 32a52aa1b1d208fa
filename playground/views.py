"""Site-level pages: home, the playground page, the health check and the API's 404."""

import logging
from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from accounts.selectors import teams_with_role
from accounts.services import active_team_get
from completions.demo import demo_mode_on

from .cache import FailoverRedisCache

logger = logging.getLogger(__name__)


def home(request):
    return render(request, "home.html")


@csrf_exempt  # answers every method alike, changing nothing: a 404, not a CSRF 403
def api_not_found(request):
    """A URL under /api/ that names nothing, a malformed id in it included, answers in the
    API's error shape (playground/api_errors.py) rather than with Django's HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


@login_required
def playground_page(request):
    config = {
        "user": request.user.pk,  # whose draft the page keeps (static/js/playground/state.js)
        "demo": demo_mode_on(),
        # "View code" calls this site's own OpenAI-compatible endpoint with a personal token:
        # the upstream's key and address are the server's business.
        "apiBase": request.build_absolute_uri("/v1"),
        "teams": [{"id": str(t.pk), "name": str(t)} for t in teams_with_role(request.user)],
        "activeTeam": str(active_team_get(request.user).pk),
        # What a user message's images may be (completions/images.py checks them again).
        "images": {
            "maxBytes": settings.COMPLETION_IMAGE_MAX_BYTES,
            "maxImages": settings.COMPLETION_MAX_IMAGES,
        },
        "currency": settings.USAGE_CURRENCY,  # what compare panes' costs are in
    }
    return render(request, "playground/page.html", {"config": config})


@never_cache
def healthz(request):
    """Each dependency's state, for load balancers and people: 503 when the database is
    unreachable (nothing works without it); 200 otherwise, naming what is degraded (without
    Redis each process caches and counts rate limits on its own, see playground/cache.py)."""
    database = _database_state()
    redis = "not configured"
    if settings.REDIS_URL:
        redis = "ok" if cast(FailoverRedisCache, caches["default"]).ping() else "down"
    status = "ok"
    if database != "ok":
        status = "down"
    elif redis == "down":
        status = "degraded"
    return JsonResponse(
        {"status": status, "database": database, "redis": redis},
        status=503 if status == "down" else 200,
    )


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any database failure means unhealthy
        logger.warning("Health check: the database is unreachable: %r", error)
        return "down"
    return "ok"
