"""REST endpoints for datasets and their items (reads need the `run` scope, writes `datasets`)."""

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Scope
from accounts.serializers import validated
from accounts.services import request_team_resolve
from completions.models import Run

from . import selectors, services
from .access import dataset_for_viewer, item_for_viewer
from .exports import WRITERS
from .from_runs import item_add_from_run
from .imports import file_read, format_choose
from .serializers import (
    DatasetCreateSerializer,
    DatasetQuerySerializer,
    DatasetSerializer,
    DatasetUpdateSerializer,
    FromRunSerializer,
    ImportResultSerializer,
    ImportSerializer,
    ItemPageSerializer,
    ItemPatchSerializer,
    ItemQuerySerializer,
    ItemSerializer,
    ItemWriteSerializer,
    RevisionSerializer,
)

READ, WRITE = Scope.RUN, Scope.DATASETS
NO_SUCH_PAGE = OpenApiResponse(description="No such page.")


def _detail(dataset, access) -> dict:
    summarised = selectors.dataset_summary_get(dataset.pk)
    return DatasetSerializer(summarised, context={"access": access}).data


class DatasetListApi(APIView):
    token_scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(parameters=[DatasetQuerySerializer], responses=DatasetSerializer(many=True))
    def get(self, request):
        query = validated(DatasetQuerySerializer, request.query_params.dict())
        datasets = selectors.dataset_list(request.user, team_id=query.get("team"))
        return Response(DatasetSerializer(datasets, many=True).data)

    @extend_schema(request=DatasetCreateSerializer, responses={201: DatasetSerializer})
    def post(self, request):
        data = validated(DatasetCreateSerializer, request.data)
        team = request_team_resolve(
            user=request.user, auth=request.auth, team_id=data.get("team_id")
        )
        dataset = services.dataset_create(
            user=request.user,
            team=team,
            name=data["name"],
            description=data["description"],
            visibility=data["visibility"],
        )
        return Response(_detail(*dataset_for_viewer(request.user, dataset.pk)), status=201)


class DatasetDetailApi(APIView):
    token_scopes = {"GET": READ, "PATCH": WRITE, "DELETE": WRITE}

    @extend_schema(responses=DatasetSerializer)
    def get(self, request, dataset_id):
        return Response(_detail(*dataset_for_viewer(request.user, dataset_id)))

    @extend_schema(request=DatasetUpdateSerializer, responses=DatasetSerializer)
    def patch(self, request, dataset_id):
        dataset, access = dataset_for_viewer(request.user, dataset_id)
        changes = validated(DatasetUpdateSerializer, request.data)
        dataset = services.dataset_update(user=request.user, dataset=dataset, **changes)
        return Response(_detail(dataset, access))

    @extend_schema(responses={204: None})
    def delete(self, request, dataset_id):
        dataset, _ = dataset_for_viewer(request.user, dataset_id)
        services.dataset_delete(user=request.user, dataset=dataset)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ItemPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = ItemQuerySerializer.MAX_PAGE_SIZE


class ItemListApi(APIView):
    token_scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(
        operation_id="datasets_items_list",
        parameters=[ItemQuerySerializer],
        responses={200: ItemPageSerializer, 404: NO_SUCH_PAGE},
        description="The dataset's current items (each its latest revision), in order.",
    )
    def get(self, request, dataset_id):
        dataset, _ = dataset_for_viewer(request.user, dataset_id)
        validated(ItemQuerySerializer, request.query_params.dict())  # a bad one is a 400
        paginator = ItemPagination()
        page = paginator.paginate_queryset(selectors.items_current(dataset), request, view=self)
        return paginator.get_paginated_response(ItemSerializer(page, many=True).data)

    @extend_schema(request=ItemWriteSerializer, responses={201: ItemSerializer})
    def post(self, request, dataset_id):
        dataset, _ = dataset_for_viewer(request.user, dataset_id)
        data = validated(ItemWriteSerializer, request.data)
        item = services.item_add(user=request.user, dataset=dataset, data=data)
        return Response(ItemSerializer(item).data, status=201)


class ItemDetailApi(APIView):
    token_scopes = {"GET": READ, "PATCH": WRITE, "DELETE": WRITE}

    @extend_schema(responses=ItemSerializer)
    def get(self, request, dataset_id, item_id):
        item, _ = item_for_viewer(request.user, dataset_id, item_id)
        return Response(ItemSerializer(item).data)

    @extend_schema(
        request=ItemPatchSerializer,
        responses=ItemSerializer,
        description="Writes a new revision (same item id); fields left out stay as they are.",
    )
    def patch(self, request, dataset_id, item_id):
        item, _ = item_for_viewer(request.user, dataset_id, item_id)
        data = validated(ItemPatchSerializer, request.data)
        item = services.item_edit(user=request.user, item=item, data=data)
        return Response(ItemSerializer(item).data)

    @extend_schema(
        responses={204: None}, description="Marks the item deleted; its revisions are kept."
    )
    def delete(self, request, dataset_id, item_id):
        item, _ = item_for_viewer(request.user, dataset_id, item_id)
        services.item_delete(user=request.user, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ItemRevisionsApi(APIView):
    token_scopes = {"GET": READ}

    @extend_schema(responses=RevisionSerializer(many=True), description="Newest first.")
    def get(self, request, dataset_id, item_id):
        item, _ = item_for_viewer(request.user, dataset_id, item_id)
        return Response(RevisionSerializer(selectors.item_revisions(item), many=True).data)


class ItemDuplicateApi(APIView):
    token_scopes = {"POST": WRITE}

    @extend_schema(request=None, responses={201: ItemSerializer}, description="Added last.")
    def post(self, request, dataset_id, item_id):
        item, _ = item_for_viewer(request.user, dataset_id, item_id)
        copy = services.item_duplicate(user=request.user, item=item)
        return Response(ItemSerializer(copy).data, status=201)


class ItemFromRunApi(APIView):
    token_scopes = {"POST": WRITE}

    @extend_schema(
        request=FromRunSerializer,
        responses={201: ItemSerializer},
        description="Adds a run of the dataset's team as an item: its template variables (else "
        "its last user message as `input`) and its answer as `expected`.",
    )
    def post(self, request, dataset_id):
        dataset, _ = dataset_for_viewer(request.user, dataset_id)
        data = validated(FromRunSerializer, request.data)
        run = get_object_or_404(
            Run.objects.for_user(request.user).select_related("template_version"),
            pk=data["run_id"],
        )
        item = item_add_from_run(user=request.user, dataset=dataset, run=run)
        return Response(ItemSerializer(item).data, status=201)


class ImportApi(APIView):
    token_scopes = {"POST": WRITE}
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={201: ImportResultSerializer},
        description="Adds every item of a CSV or JSON Lines file, or none: a 400 lists each "
        "problem with its line and column.",
    )
    def post(self, request, dataset_id):
        dataset, _ = dataset_for_viewer(request.user, dataset_id)
        data = validated(ImportSerializer, request.data)
        file_format = format_choose(data.get("format", ""), data["file"].name or "")
        items = services.items_import(
            user=request.user,
            dataset=dataset,
            data=file_read(data["file"]),
            file_format=file_format,
        )
        return Response({"added": len(items)}, status=201)


class ExportApi(APIView):
    token_scopes = {"GET": READ}

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/x-ndjson"): OpenApiTypes.STR,
        },
        description="The current items, streamed: CSV (a column per variable, then expected, "
        "tags, metadata) or JSON Lines (with each item's id and revision id).",
    )
    def get(self, request, dataset_id, file_format):
        dataset, _ = dataset_for_viewer(request.user, dataset_id)
        return export_response(dataset, file_format)


def export_response(dataset, file_format: str) -> StreamingHttpResponse:
    """The streamed file, named after the dataset (the page's export links use it too)."""
    lines, content_type = WRITERS[file_format]
    response = StreamingHttpResponse(lines(dataset), content_type=content_type)
    filename = "".join(c if c.isalnum() or c in "-_" else "-" for c in dataset.name)[:60]
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response
