from django.urls import path

from . import api
from .imports import FORMATS

DATASET = "datasets/<uuid:dataset_id>"
ITEM = f"{DATASET}/items/<uuid:item_id>"

urlpatterns = [
    path("datasets/", api.DatasetListApi.as_view(), name="api_datasets"),
    path(f"{DATASET}/", api.DatasetDetailApi.as_view(), name="api_dataset"),
    path(f"{DATASET}/items/", api.ItemListApi.as_view(), name="api_dataset_items"),
    path(
        f"{DATASET}/items/from-run/",
        api.ItemFromRunApi.as_view(),
        name="api_dataset_item_from_run",
    ),
    path(f"{ITEM}/", api.ItemDetailApi.as_view(), name="api_dataset_item"),
    path(f"{ITEM}/revisions/", api.ItemRevisionsApi.as_view(), name="api_dataset_item_revisions"),
    path(f"{ITEM}/duplicate/", api.ItemDuplicateApi.as_view(), name="api_dataset_item_duplicate"),
    path(f"{DATASET}/import/", api.ImportApi.as_view(), name="api_dataset_import"),
    # One address per format (DRF keeps `?format=` for its own content negotiation).
    *(
        path(
            f"{DATASET}/export/{file_format}/",
            api.ExportApi.as_view(),
            {"file_format": file_format},
            name=f"api_dataset_export_{file_format}",
        )
        for file_format in FORMATS
    ),
]
