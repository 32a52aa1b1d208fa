from django.urls import path

from . import api

urlpatterns = [
    path("models/", api.ModelListApi.as_view(), name="api_models"),
    path("completions/", api.completion_view, name="api_completions"),
    path("runs/", api.RunListApi.as_view(), name="api_runs"),
    path("runs/<uuid:run_id>/", api.RunDetailApi.as_view(), name="api_run"),
    path("runs/shared/<slug:token>/", api.RunSharedApi.as_view(), name="api_run_shared"),
]
