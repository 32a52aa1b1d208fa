from django.urls import path

from . import views

urlpatterns = [
    path("usage/", views.usage_mine, name="usage_mine"),
    path("usage/site/", views.usage_site, name="usage_site"),
    path("teams/<uuid:team_id>/usage/", views.usage_team, name="usage_team"),
]
