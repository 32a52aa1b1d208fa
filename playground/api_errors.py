"""One error shape for the whole REST API.

Every error is `{"detail": "<what went wrong>"}`; validation errors add
`"errors": {"<field>": ["<message>", ...]}` so a client can point at the field.
Services raise Django's ValidationError; it is translated here rather than in every view.
"""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from budgets.limits import LimitExceeded
from completions.input_rules import too_large_message


def _flatten(detail) -> str:
    if isinstance(detail, dict):
        for field, value in detail.items():
            message = _flatten(value)
            return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(detail, list) and detail:
        return _flatten(detail[0])
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):  # raised when DRF reads the body
        return Response({"detail": too_large_message()}, status=413)
    if isinstance(exc, LimitExceeded):
        limited = Response({"detail": exc.message, "code": exc.code}, status=429)
        limited["Retry-After"] = str(exc.retry_after)
        return limited
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"detail": _flatten(errors), "errors": errors}
    return response
