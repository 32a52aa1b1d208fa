"""Site-level pages: home and the health check. The playground page arrives with its issue."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def home(request):
    return render(request, "home.html")


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
