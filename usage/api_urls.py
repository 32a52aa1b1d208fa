from django.urls import path

from . import api

urlpatterns = [
    path("usage/", api.UsageApi.as_view(), name="api_usage"),
    path("usage/csv/", api.UsageCsvApi.as_view(), name="api_usage_csv"),
]
