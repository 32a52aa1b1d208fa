from django.urls import path

from . import views

urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("<uuid:run_id>/", views.run_detail, name="run_detail"),
    path("<uuid:run_id>/sharing/", views.run_sharing, name="run_sharing"),
    path("shared/<slug:token>/", views.run_shared, name="run_shared"),
]
