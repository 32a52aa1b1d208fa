from django.urls import path

from . import api

urlpatterns = [
    path("templates/", api.TemplateListApi.as_view(), name="api_templates"),
    path("templates/<uuid:template_id>/", api.TemplateDetailApi.as_view(), name="api_template"),
    path(
        "templates/<uuid:template_id>/versions/",
        api.VersionListApi.as_view(),
        name="api_template_versions",
    ),
    path(
        "templates/<uuid:template_id>/versions/<int:number>/",
        api.VersionDetailApi.as_view(),
        name="api_template_version",
    ),
    path(
        "templates/<uuid:template_id>/labels/",
        api.LabelListApi.as_view(),
        name="api_template_labels",
    ),
    path(
        "templates/<uuid:template_id>/labels/<slug:name>/",
        api.LabelDetailApi.as_view(),
        name="api_template_label",
    ),
    path(
        "templates/<uuid:template_id>/policies/",
        api.LabelPolicyListApi.as_view(),
        name="api_template_policies",
    ),
    path(
        "templates/<uuid:template_id>/policies/<slug:name>/",
        api.LabelPolicyDetailApi.as_view(),
        name="api_template_policy",
    ),
    path(
        "templates/<uuid:template_id>/render/", api.RenderApi.as_view(), name="api_template_render"
    ),
    path("templates/<uuid:template_id>/run/", api.RunApi.as_view(), name="api_template_run"),
    path("templates/<uuid:template_id>/fork/", api.ForkApi.as_view(), name="api_template_fork"),
]
