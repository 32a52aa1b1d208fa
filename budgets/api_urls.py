from django.urls import path

from . import api

urlpatterns = [
    path(
        "teams/<uuid:team_id>/budgets/",
        api.TeamBudgetListApi.as_view(),
        name="api_team_budgets",
    ),
    path(
        "teams/<uuid:team_id>/budgets/<int:budget_id>/",
        api.TeamBudgetDetailApi.as_view(),
        name="api_team_budget",
    ),
]
