"""What an API token may do: each API view says which scope a token needs for each method,
as `token_scopes = {"GET": Scope.RUN, "POST": Scope.TEMPLATES}`; a method it doesn't name
needs `manage`, so an endpoint nobody thought about is closed to ordinary tokens.

A browser session is its user and needs no scope. OPTIONS needs none either: it only
describes the endpoint (and DRF lists there only the actions the token may take).
"""

from typing import Any

from rest_framework.permissions import BasePermission

from .models import ApiToken, Scope


def token_scope_needed(view: Any, method: str) -> str | None:
    if method == "OPTIONS":
        return None
    declared = getattr(view, "token_scopes", {})
    return declared.get("GET" if method == "HEAD" else method, Scope.MANAGE)


class TokenScope(BasePermission):
    """A 403 naming the scope when an API token lacks the one the view needs."""

    code = "insufficient_scope"

    def has_permission(self, request: Any, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        needed = token_scope_needed(view, request.method)
        if needed is None or token.has_scope(needed):
            return True
        self.message = (
            f"This API token lacks the “{needed}” scope this request needs. Make a token with "
            "it on /accounts/tokens/, or use the site while logged in."
        )
        return False
