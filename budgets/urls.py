from django.urls import path

from . import views

# Mounted under teams/ (the forms live on the team page).
urlpatterns = [
    path("<uuid:team_id>/budgets/", views.team_budget_create, name="team_budget_create"),
    path(
        "<uuid:team_id>/budgets/<int:budget_id>/delete/",
        views.team_budget_delete,
        name="team_budget_delete",
    ),
]
