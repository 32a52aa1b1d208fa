"""The OpenAPI schema says which token scope each operation needs (accounts/permissions.py).

Apart from the permission class: drf-spectacular imports DRF's views, which import the
permission classes named in settings, so one module holding both would import itself.
"""

from drf_spectacular.openapi import AutoSchema

from .permissions import TokenScope, token_scope_needed


class ScopedAutoSchema(AutoSchema):
    """Each operation gets `x-token-scope`, a line saying it in its description, and the 403
    a token without that scope gets."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        checked = any(isinstance(p, TokenScope) for p in self.view.get_permissions())
        needed = token_scope_needed(self.view, self.method)
        if operation is None or not checked or needed is None:
            return operation
        note = f"API tokens need the `{needed}` scope."
        operation["description"] = f"{operation.get('description', '')}\n\n{note}".strip()
        operation["x-token-scope"] = needed
        operation["responses"].setdefault(
            "403",
            {"description": f"Not allowed: beyond your role, or a token without `{needed}`."},
        )
        return operation
