"""REST endpoints for experiments (reads need the `run` scope, writes `datasets`; the usage by
experiment, `usage`)."""

import csv
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Scope
from accounts.serializers import validated
from datasets.access import dataset_for_viewer
from usage.api import NO_SUCH_TEAM, UsageRangeSerializer, csv_cell, report_scope

from . import selectors, services
from .access import experiment_for_viewer
from .compare import experiments_compare
from .estimate import experiment_estimate
from .exports import WRITERS
from .models import Cell, CellReview, DatasetEvaluators
from .serializers import (
    CompareQuerySerializer,
    DatasetEvaluatorsSerializer,
    DiffQuerySerializer,
    EvaluateSerializer,
    ExperimentCreateSerializer,
    ExperimentSerializer,
    ListQuerySerializer,
    PromoteSerializer,
    ResultsPageSerializer,
    ResultsQuerySerializer,
    ReviewInputSerializer,
    ReviewSerializer,
    StartSerializer,
)

READ, WRITE = Scope.RUN, Scope.DATASETS
AN_OBJECT = OpenApiResponse(OpenApiTypes.OBJECT)


def _shown(experiment) -> dict:
    return ExperimentSerializer(experiment).data


class ExperimentListApi(APIView):
    token_scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(parameters=[ListQuerySerializer], responses=ExperimentSerializer(many=True))
    def get(self, request):
        query = validated(ListQuerySerializer, request.query_params.dict())
        experiments = selectors.experiment_list(request.user, dataset_id=query.get("dataset"))
        return Response(ExperimentSerializer(experiments, many=True).data)

    @extend_schema(request=ExperimentCreateSerializer, responses={201: ExperimentSerializer})
    def post(self, request):
        data = validated(ExperimentCreateSerializer, request.data)
        try:
            dataset, _ = dataset_for_viewer(request.user, data["dataset_id"])
        except Http404:
            missing = ["No such dataset."]
            body = {"detail": f"dataset_id: {missing[0]}", "errors": {"dataset_id": missing}}
            return Response(body, status=400)
        experiment = services.experiment_create(
            user=request.user,
            dataset=dataset,
            name=data["name"],
            variants=data["variants"],
            repetitions=data["repetitions"],
            evaluators=data.get("evaluators"),
        )
        return Response(_shown(experiment), status=201)


class ExperimentDetailApi(APIView):
    token_scopes = {"GET": READ}

    @extend_schema(responses=ExperimentSerializer)
    def get(self, request, experiment_id):
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        return Response(_shown(experiment))


class EstimateApi(APIView):
    token_scopes = {"GET": READ}

    @extend_schema(
        responses=AN_OBJECT,
        description="Calls, and token and cost ranges (null: unknown, e.g. no price or no "
        "max_tokens).",
    )
    def get(self, request, experiment_id):
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        return Response(experiment_estimate(experiment))


class StartApi(APIView):
    token_scopes = {"POST": WRITE}

    @extend_schema(
        request=StartSerializer,
        responses={200: ExperimentSerializer},
        description="Start with `confirm: true`; without it, a 400 whose `estimate` says what "
        "it would cost.",
    )
    def post(self, request, experiment_id):
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        if not validated(StartSerializer, request.data)["confirm"]:
            problem = "Confirm the estimate: send confirm: true."
            return Response(
                {
                    "detail": f"confirm: {problem}",
                    "errors": {"confirm": [problem]},
                    "estimate": experiment_estimate(experiment),
                },
                status=400,
            )
        experiment = services.experiment_start(user=request.user, experiment=experiment)
        return Response(_shown(experiment))


class CancelApi(APIView):
    token_scopes = {"POST": WRITE}

    @extend_schema(request=None, responses=ExperimentSerializer)
    def post(self, request, experiment_id):
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        experiment = services.experiment_cancel(user=request.user, experiment=experiment)
        return Response(_shown(experiment))


class ProgressApi(APIView):
    token_scopes = {"GET": READ}

    @extend_schema(
        responses=AN_OBJECT,
        description="Cells done, failed, remaining; elapsed and ETA in seconds; tokens, cost.",
    )
    def get(self, request, experiment_id):
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        return Response(selectors.experiment_progress(experiment))


class SummaryApi(APIView):
    token_scopes = {"GET": READ}

    @extend_schema(
        responses=AN_OBJECT,
        description="Per variant: pass rate per evaluator, p50/p95 latency, tokens, cost, errors.",
    )
    def get(self, request, experiment_id):
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        return Response({"variants": selectors.experiment_summary(experiment)})


class ResultsApi(APIView):
    token_scopes = {"GET": READ}

    @extend_schema(
        parameters=[ResultsQuerySerializer],
        responses={200: ResultsPageSerializer, 404: OpenApiResponse(description="No such page.")},
        description="The grid: items in order, each with its cells (one per variant and "
        "repetition).",
    )
    def get(self, request, experiment_id):
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        query = validated(ResultsQuerySerializer, request.query_params.dict())
        try:
            page, rows = selectors.results_page(
                experiment,
                page=query["page"],
                page_size=query["page_size"],
                failures_only=query["failures"],
                disagree=query["disagree"],
                sort=query["sort"],
            )
        except EmptyPage:
            raise Http404("No such page.") from None
        data = {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "results": rows,
        }
        return Response(ResultsPageSerializer(data).data)


class EvaluateApi(APIView):
    token_scopes = {"POST": WRITE}

    @extend_schema(
        request=EvaluateSerializer,
        responses=ExperimentSerializer,
        description="Run the evaluators again (new ones if given) on the answers the cells "
        "already have, without calling the model.",
    )
    def post(self, request, experiment_id):
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        evaluators = validated(EvaluateSerializer, request.data).get("evaluators")
        experiment = services.experiment_reevaluate(
            user=request.user, experiment=experiment, evaluators=evaluators
        )
        return Response(_shown(experiment))


class ExportApi(APIView):
    token_scopes = {"GET": READ}

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/x-ndjson"): OpenApiTypes.STR,
        },
        description="One line per cell: item, variant, repetition, status, answer, verdicts.",
    )
    def get(self, request, experiment_id, file_format):
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        lines, content_type = WRITERS[file_format]
        response = StreamingHttpResponse(lines(experiment), content_type=content_type)
        name = f"experiment-{experiment.pk}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class DatasetEvaluatorsApi(APIView):
    token_scopes = {"GET": READ, "PUT": WRITE}

    @extend_schema(responses=DatasetEvaluatorsSerializer)
    def get(self, request, dataset_id):
        dataset, _ = dataset_for_viewer(request.user, dataset_id)
        defaults = DatasetEvaluators.objects.filter(dataset=dataset).first()
        return Response({"evaluators": defaults.evaluators if defaults else []})

    @extend_schema(request=DatasetEvaluatorsSerializer, responses=DatasetEvaluatorsSerializer)
    def put(self, request, dataset_id):
        dataset, _ = dataset_for_viewer(request.user, dataset_id)
        evaluators = validated(DatasetEvaluatorsSerializer, request.data)["evaluators"]
        defaults = services.dataset_evaluators_set(
            user=request.user, dataset=dataset, evaluators=evaluators
        )
        return Response({"evaluators": defaults.evaluators})


def _usage_by_experiment(request) -> dict:
    scope, _, span = report_scope(request, request.query_params)
    return {
        "range": {"start": span.start, "end": span.end, "time_zone": str(span.zone)},
        "currency": settings.USAGE_CURRENCY,
        "rows": selectors.experiment_usage(scope=scope, span=span),
    }


USAGE_PARAMETERS = [UsageRangeSerializer]


class UsageByExperimentApi(APIView):
    token_scopes = {"GET": Scope.USAGE}

    @extend_schema(
        parameters=USAGE_PARAMETERS,
        responses={200: AN_OBJECT, 404: NO_SUCH_TEAM},
        description="The usage report's runs (same team, range and who-sees-what as "
        "/api/usage/) that experiments made, per experiment: "
        + ", ".join(selectors.USAGE_FIELDS)
        + " (cells' calls and judges' calls; cost null when unknown).",
    )
    def get(self, request):
        return Response(_usage_by_experiment(request))


class UsageByExperimentCsvApi(APIView):
    token_scopes = {"GET": Scope.USAGE}

    @extend_schema(
        parameters=USAGE_PARAMETERS,
        responses={(200, "text/csv"): OpenApiTypes.STR, 404: NO_SUCH_TEAM},
        description="The same rows as /api/experiments/usage/, as CSV.",
    )
    def get(self, request):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(selectors.USAGE_FIELDS)
        for row in _usage_by_experiment(request)["rows"]:
            writer.writerow([csv_cell(row[key]) for key in selectors.USAGE_FIELDS])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="octoplay-usage-experiments.csv"'
        return response


def _review_shown(review: CellReview | None) -> dict:
    return {"review": ReviewSerializer(review).data if review else None}


REVIEW_ANSWER = inline_serializer(
    "CellReviewAnswer", fields={"review": ReviewSerializer(allow_null=True)}
)


class CellReviewApi(APIView):
    token_scopes = {"GET": READ, "PUT": WRITE}

    def _cell(self, request, experiment_id, cell_id) -> Cell:
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        return get_object_or_404(experiment.cells.select_related("experiment__dataset"), pk=cell_id)

    @extend_schema(responses=REVIEW_ANSWER)
    def get(self, request, experiment_id, cell_id):
        cell = self._cell(request, experiment_id, cell_id)
        return Response(_review_shown(CellReview.objects.filter(cell=cell).first()))

    @extend_schema(
        request=ReviewInputSerializer,
        responses=REVIEW_ANSWER,
        description="A person's score (1-5) and comment on the cell's answer, as the caller; "
        "both empty clears it. Members who may edit the dataset review.",
    )
    def put(self, request, experiment_id, cell_id):
        cell = self._cell(request, experiment_id, cell_id)
        data = validated(ReviewInputSerializer, request.data)
        review = services.cell_review_set(
            user=request.user, cell=cell, score=data["score"], comment=data["comment"]
        )
        return Response(_review_shown(review))


class DiffApi(APIView):
    token_scopes = {"GET": READ}

    @extend_schema(
        parameters=[DiffQuerySerializer],
        responses=AN_OBJECT,
        description="Two cells' answers compared: `lines` and `words`, each a list of "
        "[kind, text] with kind ' ' (kept), '-' (only in a) or '+' (only in b).",
    )
    def get(self, request, experiment_id):
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        query = validated(DiffQuerySerializer, request.query_params.dict())
        return Response(selectors.cells_diff(experiment, query["a"], query["b"]))


def _readable(user, field: str, experiment_id):
    try:
        return experiment_for_viewer(user, experiment_id)[0]
    except Http404:
        raise ValidationError({field: ["No such experiment that you may read."]}) from None


class CompareApi(APIView):
    token_scopes = {"GET": READ}

    @extend_schema(
        parameters=[CompareQuerySerializer],
        responses=AN_OBJECT,
        description="Two experiments of one dataset item by item: each item's baseline and "
        "candidate verdicts and its change (regression, improvement, …), counts, pass rate "
        "per evaluator with the change, and the winner. A 400 if either is not yours to read "
        "or they are of different datasets.",
    )
    def get(self, request):
        query = validated(CompareQuerySerializer, request.query_params.dict())
        baseline = _readable(request.user, "baseline", query["baseline"])
        candidate = _readable(request.user, "candidate", query["candidate"])
        return Response(
            experiments_compare(
                baseline,
                candidate,
                baseline_variant=query["baseline_variant"],
                candidate_variant=query["candidate_variant"],
            )
        )


class PromoteApi(APIView):
    token_scopes = {"POST": Scope.TEMPLATES}  # it moves a template's label

    @extend_schema(
        request=PromoteSerializer,
        responses=AN_OBJECT,
        description="Point the variant's template label at the version the variant ran "
        "(the label-move rules apply: protected labels, policies, history).",
    )
    def post(self, request, experiment_id, position: int):
        experiment, _ = experiment_for_viewer(request.user, experiment_id)
        variant = get_object_or_404(
            experiment.variants.select_related("template", "template_version"), position=position
        )
        label = validated(PromoteSerializer, request.data)["label"]
        moved = services.variant_promote(user=request.user, variant=variant, label=label)
        return Response(
            {"template_id": variant.template_id, "label": label, "version": moved.version.number}
        )
