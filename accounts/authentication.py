"""`Authorization: Bearer <token>` for the REST API (and the OpenAI-compatible endpoint)."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken
from .services import token_authenticate
from .throttles import Throttled, client_ip, throttle_check, throttle_count

TOKEN_FAILURE_WINDOW = 300  # seconds


def bearer_secret(header: str) -> str | None:
    """The token from an Authorization header value, or None if it isn't a Bearer header."""
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


def bearer_authenticate(request: HttpRequest) -> ApiToken | None:
    """The active token the request's `Authorization: Bearer` header names, or None.

    A bad token counts against the caller's address: past TOKEN_FAILURE_LIMIT in five minutes
    every token from there is refused (Throttled) until the five minutes are up, good ones
    too, or guessing would go on unhindered. The REST API and /v1 both check tokens here."""
    secret = bearer_secret(request.META.get("HTTP_AUTHORIZATION", ""))
    if secret is None:
        return None
    ip = client_ip(request)
    throttle_check(
        "token-failures",
        ip,
        limit=settings.TOKEN_FAILURE_LIMIT,
        window=TOKEN_FAILURE_WINDOW,
        message="Too many invalid API tokens from your address: try again later.",
    )
    token = token_authenticate(secret) if secret else None
    if token is None:
        throttle_count("token-failures", ip, window=TOKEN_FAILURE_WINDOW)
    return token


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates with a personal API token; `request.auth` is the ApiToken.

    Token requests are not subject to CSRF: no browser sends this header on its own.
    """

    def authenticate(self, request):
        if bearer_secret(request.META.get("HTTP_AUTHORIZATION", "")) is None:
            return None  # not ours: the session may authenticate the request
        try:
            token = bearer_authenticate(request)
        except Throttled as throttled:
            raise exceptions.Throttled(throttled.retry_after, throttled.message) from None
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
            "description": "A personal API token from /accounts/tokens/ (starts with `oct_`). "
            "It may do what its scopes allow: each operation names the one it needs "
            "(`x-token-scope`); without it the answer is a 403.",
        }
