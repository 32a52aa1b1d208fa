from django.urls import path

from . import api, budget_api, usage_api, views

api_urlpatterns = [
    path("models/", api.ModelListApi.as_view(), name="api_models"),
    path("completions/", api.CompletionApi.as_view(), name="api_completions"),
    path("runs/", api.RunListApi.as_view(), name="api_runs"),
    path("usage/", usage_api.UsageApi.as_view(), name="api_usage"),
    path("usage/csv/", usage_api.UsageCsvApi.as_view(), name="api_usage_csv"),
    path("runs/<uuid:run_id>/", api.RunDetailApi.as_view(), name="api_run"),
    path(
        "teams/<uuid:team_id>/budgets/",
        budget_api.TeamBudgetListApi.as_view(),
        name="api_team_budgets",
    ),
    path(
        "teams/<uuid:team_id>/budgets/<int:budget_id>/",
        budget_api.TeamBudgetDetailApi.as_view(),
        name="api_team_budget",
    ),
]

urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("<uuid:run_id>/", views.run_detail, name="run_detail"),
]
