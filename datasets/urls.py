from django.urls import path

from . import views

urlpatterns = [
    path("", views.dataset_list, name="dataset_list"),
    path("new/", views.dataset_new, name="dataset_new"),
    path("<uuid:dataset_id>/", views.dataset_detail, name="dataset_detail"),
    path("<uuid:dataset_id>/import/", views.dataset_import, name="dataset_import"),
    path("<uuid:dataset_id>/settings/", views.dataset_settings, name="dataset_settings"),
    path("<uuid:dataset_id>/delete/", views.dataset_delete, name="dataset_delete"),
]
