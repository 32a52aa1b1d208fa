from django.urls import path

from . import api
from .exports import WRITERS

ONE = "experiments/<uuid:experiment_id>"

urlpatterns = [
    path("experiments/", api.ExperimentListApi.as_view(), name="api_experiments"),
    path("experiments/usage/", api.UsageByExperimentApi.as_view(), name="api_experiments_usage"),
    path(
        "experiments/usage/csv/",
        api.UsageByExperimentCsvApi.as_view(),
        name="api_experiments_usage_csv",
    ),
    path("experiments/compare/", api.CompareApi.as_view(), name="api_experiments_compare"),
    path(f"{ONE}/", api.ExperimentDetailApi.as_view(), name="api_experiment"),
    path(f"{ONE}/estimate/", api.EstimateApi.as_view(), name="api_experiment_estimate"),
    path(f"{ONE}/start/", api.StartApi.as_view(), name="api_experiment_start"),
    path(f"{ONE}/cancel/", api.CancelApi.as_view(), name="api_experiment_cancel"),
    path(f"{ONE}/progress/", api.ProgressApi.as_view(), name="api_experiment_progress"),
    path(f"{ONE}/summary/", api.SummaryApi.as_view(), name="api_experiment_summary"),
    path(f"{ONE}/results/", api.ResultsApi.as_view(), name="api_experiment_results"),
    path(f"{ONE}/evaluate/", api.EvaluateApi.as_view(), name="api_experiment_evaluate"),
    path(
        f"{ONE}/cells/<uuid:cell_id>/review/",
        api.CellReviewApi.as_view(),
        name="api_experiment_cell_review",
    ),
    path(f"{ONE}/diff/", api.DiffApi.as_view(), name="api_experiment_diff"),
    path(
        f"{ONE}/variants/<int:position>/promote/",
        api.PromoteApi.as_view(),
        name="api_experiment_promote",
    ),
    *(
        path(
            f"{ONE}/export/{file_format}/",
            api.ExportApi.as_view(),
            {"file_format": file_format},
            name=f"api_experiment_export_{file_format}",
        )
        for file_format in WRITERS
    ),
    path(
        "datasets/<uuid:dataset_id>/evaluators/",
        api.DatasetEvaluatorsApi.as_view(),
        name="api_dataset_evaluators",
    ),
]
