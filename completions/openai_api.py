"""The OpenAI-compatible endpoint: /v1/chat/completions and /v1/models on Octoplay itself.

Scripts and SDKs use a personal API token as their API key; Octoplay validates the request,
applies rate limits and budgets, calls the upstream with the server-held key, logs the run
(source "openai") and answers with the upstream's own bodies — streams relayed chunk by chunk,
errors in OpenAI's shape with the matching HTTP status, so the SDK raises its usual exceptions.
"""

import json
import logging
from collections.abc import AsyncIterator
from functools import wraps

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.authentication import bearer_authenticate
from accounts.models import Scope
from accounts.services import request_team_resolve
from accounts.throttles import Throttled
from budgets.limits import LimitExceeded

from .database_steps import database_step
from .errors import upstream_error_headers, upstream_error_status
from .input_rules import ROOT, json_parse, too_large_message
from .models import Run
from .providers import models_all
from .services import Prepared, RunFailed, RunStream, run_prepare, run_send
from .sse import HEARTBEAT, sse_response

logger = logging.getLogger(__name__)

TEAM_HEADER = "HTTP_X_OCTOPLAY_TEAM"  # optional: charge another of the token owner's teams


def openai_error(status: int, message: str, *, kind: str, param=None, code=None, headers=None):
    response = JsonResponse(
        {"error": {"message": message, "type": kind, "param": param, "code": code}}, status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _authenticate(request):
    try:
        token = bearer_authenticate(request)
    except Throttled as throttled:
        return None, openai_error(
            429,
            throttled.message,
            kind="rate_limit_error",
            code="too_many_invalid_tokens",
            headers={"Retry-After": str(throttled.retry_after)},
        )
    if token is None:
        return None, openai_error(
            401,
            "Invalid or revoked API token: use a personal token from /accounts/tokens/.",
            kind="invalid_request_error",
            code="invalid_api_key",
        )
    if not token.has_scope(Scope.RUN):
        return None, openai_error(
            403,
            f"This API token lacks the “{Scope.RUN}” scope that /v1 needs.",
            kind="permission_error",
            code="insufficient_scope",
        )
    return token, None


def _team(token, request):
    """The token's team, or another of its owner's teams named in the header."""
    try:
        return request_team_resolve(
            user=token.user, auth=token, team_id=request.META.get(TEAM_HEADER)
        )
    except ValidationError:
        raise ValidationError({"X-Octoplay-Team": "Not one of your teams."}) from None


def openai_endpoint(method: str):
    """An async /v1 view: token-authenticated (no CSRF), one HTTP method, and every error in
    OpenAI's shape, a bug of ours too, so SDKs raise their usual exceptions."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        async def endpoint(request, *args, **kwargs):
            if request.method != method:
                return openai_error(405, f"Use {method}.", kind="invalid_request_error")
            try:
                return await view(request, *args, **kwargs)
            except Exception:  # logged in full, and still an answer an SDK understands
                logger.exception("Internal error on %s", request.path_info)
                return openai_error(500, "Internal server error.", kind="server_error")

        return endpoint

    return decorate


@openai_endpoint("GET")
async def models(request):
    return await database_step(_models_answer)(request)


def _models_answer(request) -> HttpResponse:
    _token, failure = _authenticate(request)
    if failure:
        return failure
    groups = models_all()
    data = [
        {"id": model["id"], "object": "model", "created": 0, "owned_by": group.provider.slug}
        for group in groups
        for model in group.models
    ]
    if not data and any(group.error for group in groups):
        # An empty list would read as "no models here"; the truth is that none could be asked.
        message = " ".join(group.error for group in groups if group.error)
        return openai_error(502, message, kind="upstream_error", code="upstream_unavailable")
    return JsonResponse({"object": "list", "data": data})


@openai_endpoint("POST")
async def chat_completions(request):
    # One trip to a thread for everything that touches the database before the upstream
    # call, one after it; the call itself waits on the event loop.
    checked = await database_step(_chat_prepare)(request)
    if isinstance(checked, HttpResponse):
        return checked  # refused before anything was sent
    prepared, wants_usage = checked
    try:
        result = await run_send(prepared)
    except RunFailed as failed:
        upstream = failed.error
        return openai_error(
            upstream_error_status(upstream),
            upstream.message,
            kind="upstream_error",
            code=upstream.kind,
            headers=upstream_error_headers(upstream),
        )
    if isinstance(result, RunStream):
        return sse_response(_relay(result, wants_usage))
    return JsonResponse(result.response)


def _chat_prepare(request) -> tuple[Prepared, bool] | HttpResponse:
    """Authenticate, read the body and run every check of the pipeline: the prepared run and
    whether the client asked for a stream's usage chunk, or a refusal in OpenAI's shape."""
    token, failure = _authenticate(request)
    if failure:
        return failure
    try:
        body = json_parse(request.body)
        team = _team(token, request)
        prepared = run_prepare(
            user=token.user, team=team, body=body, source=Run.Source.OPENAI, strict=False
        )
    except RequestDataTooBig:
        return openai_error(
            413, too_large_message(), kind="invalid_request_error", code="request_too_large"
        )
    except ValidationError as error:
        field, messages = next(iter(_errors(error).items()))
        param = None if field == ROOT else field
        message = " ".join(messages)
        return openai_error(
            400,
            f"{field}: {message}" if param else message,
            kind="invalid_request_error",
            param=param,
        )
    except LimitExceeded as limit:
        kind = "insufficient_quota" if limit.code == "budget_exceeded" else "rate_limit_error"
        return openai_error(
            429,
            limit.message,
            kind=kind,
            code=limit.code,
            headers={"Retry-After": str(limit.retry_after)},
        )
    # Checked by now: stream_options, if any, is {"include_usage": bool}.
    return prepared, bool((body.get("stream_options") or {}).get("include_usage"))


def _errors(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {ROOT: error.messages}


async def _relay(stream: RunStream, wants_usage: bool) -> AsyncIterator[bytes]:
    """The upstream's own chunks, as they arrive. Octoplay always asks for usage; the extra
    usage-only chunk is passed on only if the client asked for it too."""
    events = stream.events()
    try:
        async for item in events:
            if item.heartbeat:
                yield HEARTBEAT
            elif wants_usage or item.chunk.get("choices") or "usage" not in item.chunk:
                yield f"data: {item.data}\n\n".encode()
    finally:
        await events.aclose()
    if stream.error is not None:
        error = {
            "message": stream.error.message,
            "type": "upstream_error",
            "param": None,
            "code": stream.error.kind,
        }
        yield f"data: {json.dumps({'error': error})}\n\n".encode()
    yield b"data: [DONE]\n\n"


@csrf_exempt
def not_found(request, path=""):
    return openai_error(404, f"Unknown endpoint {request.path_info}.", kind="invalid_request_error")
