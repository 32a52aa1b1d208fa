"""What the OpenAPI schema says beyond each view's own declarations: the error answers every
operation can give, in the API's one error shape (playground/api_errors.py), and which token
scope each operation needs (accounts/permissions.py).

Apart from the permission class: drf-spectacular imports DRF's views, which import the
permission classes named in settings, so one module holding both would import itself.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from .permissions import TokenScope, token_scope_needed

# Inline: a Serializer subclass cannot declare a field named `errors` (its own attribute).
API_ERROR = inline_serializer(
    "ApiError",
    fields={
        "detail": serializers.CharField(help_text="What went wrong, in a sentence."),
        "errors": serializers.DictField(
            required=False,
            help_text="Validation errors only: each field (or `non_field_errors`) with its "
            "messages.",
        ),
        "code": serializers.CharField(required=False, help_text="Budget and rate limits only."),
    },
)


# Which error answers an operation can give depends on what it takes: every one checks the
# caller (401, 403) and may be throttled (429, e.g. too many bad tokens from one address);
# one with a body or query parameters can refuse them (400); a body can be too large (413)
# or not JSON (415); one whose path names objects can find none the caller may see (404).
ERRORS = {
    "400": "Invalid request: `errors` names each field with its messages.",
    "401": "Not logged in, or an invalid or revoked API token.",
    "403": "Not allowed: beyond your role or, for a session, a missing CSRF token.",
    "404": "No such object, or none you may see.",
    "413": "The request body is too large.",
    "415": "The request body is not JSON.",
    "429": "Too many requests: see Retry-After.",
}


def _error_codes(operation: dict) -> list[str]:
    located = {parameter["in"] for parameter in operation.get("parameters", [])}
    codes = ["401", "403", "429"]
    if "requestBody" in operation or "query" in located:
        codes.append("400")
    if "requestBody" in operation:
        codes += ["413", "415"]
    if "path" in located:
        codes.append("404")
    return codes


class ScopedAutoSchema(AutoSchema):
    """Each operation gets the error answers it can give, `x-token-scope`, a line saying that
    scope in its description, and the 403 a token without that scope gets."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return operation
        self._add_error_responses(operation)
        checked = any(isinstance(p, TokenScope) for p in self.view.get_permissions())
        needed = token_scope_needed(self.view, self.method)
        if not checked or needed is None:
            return operation
        note = f"API tokens need the `{needed}` scope."
        operation["description"] = f"{operation.get('description', '')}\n\n{note}".strip()
        operation["x-token-scope"] = needed
        operation["responses"]["403"]["description"] = (
            f"Not allowed: beyond your role, or a token without `{needed}`."
        )
        return operation

    def _add_error_responses(self, operation: dict) -> None:
        responses = operation["responses"]
        for code in _error_codes(operation) + [c for c in responses if c >= "400"]:
            declared = responses.get(code, {})
            error = self._get_response_for_code(API_ERROR, code)
            error["description"] = declared.get("description") or ERRORS.get(code, "")
            responses[code] = {**error, **{k: v for k, v in declared.items() if k != "description"}}
        operation["responses"] = dict(sorted(responses.items()))
