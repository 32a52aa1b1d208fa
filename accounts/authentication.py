"""`Authorization: Bearer <token>` for the REST API (and the OpenAI-compatible endpoint)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .services import token_authenticate


def bearer_secret(header: str) -> str | None:
    """The token from an Authorization header value, or None if it isn't a Bearer header."""
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates with a personal API token; `request.auth` is the ApiToken.

    Token requests are not subject to CSRF: no browser sends this header on its own.
    """

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        secret = bearer_secret(header)
        if secret is None:
            return None
        token = token_authenticate(secret) if secret else None
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API token."))
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from /accounts/tokens/ (starts with `oct_`).",
        }
