from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.urls import account_patterns, team_patterns
from completions import usage_views
from completions.urls import api_urlpatterns as completions_api

from . import views

api_patterns = [
    path("", include("accounts.api_urls")),
    path("", include(completions_api)),
    path("", include("playground.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "docs/",
        # Swagger UI sets inline styles; scripts stay strict ('self' only) on this page too.
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api_schema")
        ),
        name="api_docs",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("playground/", views.playground_page, name="playground"),
    path("runs/", include("completions.urls")),
    path("templates/", include("playground.template_urls")),
    path("usage/", usage_views.usage_mine, name="usage_mine"),
    path("usage/site/", usage_views.usage_site, name="usage_site"),
    path("teams/<uuid:team_id>/usage/", usage_views.usage_team, name="usage_team"),
    path(
        "teams/<uuid:team_id>/budgets/", usage_views.team_budget_create, name="team_budget_create"
    ),
    path(
        "teams/<uuid:team_id>/budgets/<int:budget_id>/delete/",
        usage_views.team_budget_delete,
        name="team_budget_delete",
    ),
    path("accounts/", include(account_patterns)),
    path("teams/", include(team_patterns)),
    path("api/", include(api_patterns)),
    # /v1/ (the OpenAI-compatible endpoint) is served by OpenAIEndpointMiddleware.
    path("admin/", admin.site.urls),
]
