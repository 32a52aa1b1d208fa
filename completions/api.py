"""REST endpoints: models, completions (JSON or SSE), and runs (yours, your teams' shared
ones, one shared by link) and their sharing."""

import uuid
from collections.abc import AsyncIterator

from django.core.exceptions import ValidationError
from django.http import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.middleware import user_timezone_activate
from accounts.models import ApiToken, Scope
from accounts.permissions import TokenScope
from accounts.serializers import validated
from accounts.services import request_team_resolve

from . import selectors
from .access import run_access, run_for_link, run_for_viewer
from .database_steps import database_step
from .errors import upstream_error_headers, upstream_error_status
from .models import Run
from .providers import models_all
from .serializers import (
    CompletionRequestSerializer,
    ModelGroupSerializer,
    RunDetailSerializer,
    RunListSerializer,
    RunPageSerializer,
    RunQuerySerializer,
    RunResultSerializer,
    RunSharedSerializer,
    RunShareSerializer,
)
from .services import Prepared, RunFailed, RunStream, run_prepare, run_send
from .sharing import run_share
from .sse import HEARTBEAT, sse_event, sse_response
from .variables import messages_with_values


class ModelListApi(APIView):
    token_scopes = {"GET": Scope.RUN}

    @extend_schema(responses=ModelGroupSerializer(many=True))
    def get(self, request):
        return Response(ModelGroupSerializer(models_all(), many=True).data)


def _source(request) -> str:
    return Run.Source.API if isinstance(request.auth, ApiToken) else Run.Source.PLAYGROUND


def failure_response(failure: RunFailed) -> Response:
    error = failure.error
    return Response(
        {"detail": error.message, **RunResultSerializer(failure.run).data},
        status=upstream_error_status(error),
        headers=upstream_error_headers(error),
    )


# How a failed run is answered (completions.errors), with the run's result beside `detail`.
RUN_FAILURES: dict[int | tuple[int, str], OpenApiResponse] = {
    404: OpenApiResponse(description="The upstream does not know the model; the run is logged."),
    502: OpenApiResponse(description="The upstream failed; the run is logged."),
    504: OpenApiResponse(description="The upstream timed out; the run is logged."),
}
RUN_ANSWERS: dict[int | tuple[int, str], OpenApiResponse] = {
    (200, "application/json"): OpenApiResponse(RunResultSerializer, description="The run."),
    (200, "text/event-stream"): OpenApiResponse(
        OpenApiTypes.OBJECT,  # each event's data: a JSON object
        description="With stream: true, server-sent events `run`, `delta`… and a final "
        "`done` carrying the JSON answer's object.",
    ),
    **RUN_FAILURES,
}
COMPLETION_EXAMPLES = {
    "A question": {
        "model": "octo-demo-small",
        "messages": [{"role": "user", "content": "What is an octopus?"}],
    },
    "Streamed": {
        "model": "octo-demo-small",
        "messages": [{"role": "user", "content": "What is an octopus?"}],
        "stream": True,
    },
}


class CompletionApi(APIView):
    """Documents POST /api/completions/ and checks it with DRF (authentication, scopes,
    throttles, errors); `completion_view` serves it, so that the upstream call waits on the
    event loop, not in a thread."""

    token_scopes = {"POST": Scope.RUN}

    @extend_schema(
        request=CompletionRequestSerializer,
        examples=[
            OpenApiExample(name, value=value, request_only=True)
            for name, value in COMPLETION_EXAMPLES.items()
        ],
        responses={
            **RUN_ANSWERS,
            400: OpenApiResponse(description="Invalid request, with per-field errors."),
        },
    )
    def post(self, request) -> Prepared:
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        body = dict(request.data)
        provider_slug = body.pop("provider", None)
        if "variables" in body:  # {{name}} placeholders filled in, as templates do
            body["messages"] = messages_with_values(body.get("messages"), body.pop("variables"))
        team = request_team_resolve(
            user=request.user, auth=request.auth, team_id=body.pop("team_id", None)
        )
        return run_prepare(
            user=request.user,
            team=team,
            body=body,
            source=_source(request),
            provider_slug=provider_slug,
        )


def _completion_prepare(request) -> tuple[CompletionApi, Request, Prepared | HttpResponseBase]:
    """DRF's dispatch up to the handler's result: a prepared run, or the refusal as DRF
    answers it. One database step, in a thread."""
    api = CompletionApi()
    api.setup(request)
    api.args, api.kwargs = (), {}
    drf_request = api.initialize_request(request)
    api.request, api.headers = drf_request, api.default_response_headers
    try:
        api.initial(drf_request)
        # As UserTimezoneMiddleware would, which runs after the endpoint (AsyncEndpointsMiddleware)
        user_timezone_activate(drf_request.user)
        if request.method != "POST":
            raise MethodNotAllowed(request.method)
        outcome: Prepared | HttpResponseBase = api.post(drf_request)
    except Exception as error:
        outcome = api.handle_exception(error)
    return api, drf_request, outcome


@csrf_exempt  # DRF's session authentication checks CSRF itself, as for every API view
async def completion_view(request) -> HttpResponseBase:
    api, drf_request, outcome = await database_step(_completion_prepare)(request)
    if isinstance(outcome, Prepared):
        try:
            outcome = result_response(await run_send(outcome))
        except RunFailed as failure:
            outcome = failure_response(failure)
    # DRF finalizes any HttpResponseBase (a stream too), whatever its stubs say.
    return api.finalize_response(drf_request, outcome)  # type: ignore[arg-type]


# Found by drf-spectacular as CompletionApi's endpoint, as APIView.as_view() would be.
completion_view.cls = CompletionApi  # type: ignore[attr-defined]
completion_view.initkwargs = {}  # type: ignore[attr-defined]


def result_response(result: Run | RunStream):
    """A finished run as JSON, or a stream as our SSE dialect."""
    if isinstance(result, RunStream):
        return sse_response(relay_stream(result))
    return Response(RunResultSerializer(result).data)


async def relay_stream(stream: RunStream) -> AsyncIterator[bytes]:
    """Our own SSE dialect for the playground: run, delta…, done (with the run summary)."""
    run = stream.run
    events = stream.events()
    try:
        yield sse_event(
            "run", {"run_id": str(run.pk), "model": run.model, "provider": run.provider}
        )
        async for item in events:
            if item.heartbeat:
                yield HEARTBEAT
            for delta in item.deltas:
                yield sse_event("delta", delta)
    finally:
        await events.aclose()  # a client that left makes this a cancelled run, logged
    yield sse_event("done", RunResultSerializer(run).data)


class RunPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


class RunListApi(APIView):
    token_scopes = {"GET": Scope.RUN}

    @extend_schema(
        operation_id="runs_list",
        parameters=[RunQuerySerializer],
        responses={200: RunPageSerializer, 404: OpenApiResponse(description="No such page.")},
    )
    def get(self, request):
        # A plain dict: a QueryDict would let DRF take `?status=` for "not given".
        RunQuerySerializer(data=request.query_params.dict()).is_valid(raise_exception=True)
        runs = selectors.runs_filtered(request.user, request.query_params)
        paginator = RunPagination()
        page = paginator.paginate_queryset(runs, request, view=self)
        return paginator.get_paginated_response(RunListSerializer(page, many=True).data)


class RunDetailApi(APIView):
    # Sharing a run needs no more than reading it: a `run` token reads every run it could share.
    token_scopes = {"GET": Scope.RUN, "PATCH": Scope.RUN}

    def _answer(self, request, run, access) -> Response:
        context = {"access": access, "request": request}
        return Response(RunDetailSerializer(run, context=context).data)

    @extend_schema(responses=RunDetailSerializer)
    def get(self, request, run_id: uuid.UUID):
        """Your run, or one shared with a team you are in."""
        return self._answer(request, *run_for_viewer(request.user, run_id))

    @extend_schema(
        request=RunShareSerializer,
        responses={
            200: RunDetailSerializer,
            400: OpenApiResponse(description="Invalid visibility, with per-field errors."),
            403: OpenApiResponse(description="Not the run's author nor a team owner/admin."),
        },
    )
    def patch(self, request, run_id: uuid.UUID):
        """Who sees the run: private, team, or link (the answer's share_url is the link)."""
        run, _ = run_for_viewer(request.user, run_id)
        data = validated(RunShareSerializer, request.data)
        if "visibility" in data:
            run = run_share(user=request.user, run=run, visibility=data["visibility"])
        return self._answer(request, run, run_access(request.user, run))


class RunSharedApi(APIView):
    permission_classes = [AllowAny, TokenScope]  # the link is the key: signed in or not
    token_scopes = {"GET": Scope.RUN}

    @extend_schema(
        operation_id="runs_shared_retrieve",
        responses={200: RunSharedSerializer, 404: OpenApiResponse(description="Not shared.")},
    )
    def get(self, request, token: str):
        """A run shared by link, read with its link's secret (404 once no longer shared)."""
        run, access = run_for_link(request.user, token)
        return Response(RunSharedSerializer(run, context={"access": access}).data)
