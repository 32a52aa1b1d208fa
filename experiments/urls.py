from django.urls import path

from . import views

urlpatterns = [
    path("compare/", views.experiments_compare_page, name="experiments_compare"),
    path("dataset/<uuid:dataset_id>/", views.dataset_experiments, name="dataset_experiments"),
    path("dataset/<uuid:dataset_id>/new/", views.experiment_new, name="experiment_new"),
    path("<uuid:experiment_id>/", views.experiment_detail, name="experiment_detail"),
    path("<uuid:experiment_id>/start/", views.experiment_start, name="experiment_start"),
    path(
        "<uuid:experiment_id>/variants/<int:position>/promote/",
        views.variant_promote,
        name="experiment_variant_promote",
    ),
]
