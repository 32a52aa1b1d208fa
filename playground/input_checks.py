"""Text the whole site refuses at the door (the rules are completions.input_rules): a NUL
or a lone surrogate in the path, the query string or a form field of any page or endpoint is
a 400 naming the parameter, so no view or query ever sees it. JSON bodies get the same check
where they are parsed (playground/parsers.py for /api/, completions/openai_api.py for /v1)."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse

from completions.input_rules import text_problem
from completions.openai_api import openai_error

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _fields(request):
    """(name, value) pairs a request brings as text, the path first."""
    yield "path", request.path_info
    for name, values in request.GET.lists():
        yield from ((name, value) for value in values)
    if request.method == "POST" and request.content_type in FORM_TYPES:
        try:
            form = request.POST
        except (RequestDataTooBig, TooManyFieldsSent):
            return  # the view meets the same error when it reads the form
        for name, values in form.lists():
            yield from ((name, value) for value in values)


def _unstorable(request) -> tuple[str, str] | None:
    for name, value in _fields(request):
        problem = text_problem(name)
        if problem:
            return "query string", f"A parameter name contains {problem}."
        problem = text_problem(value)
        if problem:
            return name, f"Contains {problem}; it cannot be stored."
    return None


class UnstorableInputMiddleware:
    """A 400 naming the parameter, in the shape of the part of the site that was asked:
    OpenAI's under /v1/, the API's JSON under /api/, plain text for pages. Sync and async:
    served over ASGI, /v1 passes through here without a trip to a thread."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        found = _unstorable(request)
        return self.get_response(request) if found is None else _refusal(request, *found)

    async def _acall(self, request):
        if request.method == "POST" and request.content_type in FORM_TYPES:
            found = await sync_to_async(_unstorable)(request)  # parsing a form reads a file
        else:
            found = _unstorable(request)
        if found is None:
            return await self.get_response(request)
        return _refusal(request, *found)


def _refusal(request, field: str, message: str) -> HttpResponse:
    if request.path_info.startswith("/v1/"):
        return openai_error(400, f"{field}: {message}", kind="invalid_request_error", param=field)
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"detail": f"{field}: {message}", "errors": {field: [message]}}, status=400
        )
    return HttpResponseBadRequest(f"{field}: {message}", content_type="text/plain; charset=utf-8")
