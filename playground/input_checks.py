"""Input the whole site refuses at the door (the rules are completions.input_rules).

`JSONParser` parses every /api/ body and checks it for what cannot be stored (NUL, lone
surrogates, NaN, nesting too deep): a 400 naming the field.
`UnstorableInputMiddleware` does the same for the path, the query string and form fields of
every page and endpoint, so no view or query ever sees them.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from rest_framework import exceptions, parsers

from completions.input_rules import json_parse, text_problem
from completions.openai_api import openai_error

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # DRF hands over the body already read, so it is within DATA_UPLOAD_MAX_MEMORY_SIZE
        # (over it, reading raised RequestDataTooBig: a 413 from playground.api_errors).
        try:
            return json_parse(stream.read())
        except ValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from None


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
    OpenAI's under /v1/, the API's JSON under /api/, plain text for pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = _unstorable(request)
        if found is None:
            return self.get_response(request)
        field, message = found
        if request.path_info.startswith("/v1/"):
            return openai_error(
                400, f"{field}: {message}", kind="invalid_request_error", param=field
            )
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": f"{field}: {message}", "errors": {field: [message]}}, status=400
            )
        return HttpResponseBadRequest(
            f"{field}: {message}", content_type="text/plain; charset=utf-8"
        )
