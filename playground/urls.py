from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.urls import account_patterns, team_patterns

from . import views

api_patterns: list[URLPattern | URLResolver] = [
    path("", include("accounts.api_urls")),
    path("", include("completions.api_urls")),
    path("", include("prompts.api_urls")),
    path("", include("budgets.api_urls")),
    path("", include("usage.api_urls")),
    path("", include("datasets.api_urls")),
    path("", include("experiments.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "docs/",
        # Swagger UI sets inline styles; scripts stay strict ('self' only) on this page too.
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api_schema")
        ),
        name="api_docs",
    ),
    # Last: any other /api/ URL (ending in a slash, so APPEND_SLASH still redirects to it).
    # [\s\S]: any character, newlines too.
    re_path(r"^[\s\S]*/$", views.api_not_found, name="api_not_found"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("playground/", views.playground_page, name="playground"),
    path("runs/", include("completions.urls")),
    path("templates/", include("prompts.urls")),
    path("datasets/", include("datasets.urls")),
    path("experiments/", include("experiments.urls")),
    path("", include("usage.urls")),
    path("accounts/", include(account_patterns)),
    path("teams/", include(team_patterns)),
    path("teams/", include("budgets.urls")),
    path("api/", include(api_patterns)),
    # The OpenAI-compatible endpoint; AsyncEndpointsMiddleware serves it ahead of the page
    # middleware it has no use for (completions/middleware.py).
    path("v1/", include("completions.openai_urls")),
    path("admin/", admin.site.urls),
]
