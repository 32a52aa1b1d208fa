from django.urls import path

from . import views

urlpatterns = [
    path("", views.template_list, name="template_list"),
    path("<uuid:template_id>/", views.template_detail, name="template_detail"),
    path("<uuid:template_id>/run/", views.template_run, name="template_run"),
    path("<uuid:template_id>/label/", views.template_label, name="template_label"),
    path("<uuid:template_id>/policy/", views.template_policy, name="template_policy"),
    path(
        "<uuid:template_id>/policy/delete/",
        views.template_policy_delete,
        name="template_policy_delete",
    ),
    path("<uuid:template_id>/fork/", views.template_fork, name="template_fork"),
    path("<uuid:template_id>/settings/", views.template_settings, name="template_settings"),
    path("<uuid:template_id>/delete/", views.template_delete, name="template_delete"),
]
