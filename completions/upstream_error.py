"""The one exception completions/client.py raises, and the one place an upstream's own words
are made safe to show: every upstream text that reaches a user, a log or Run.error_message
passes through `UpstreamError`, which redacts key material from it."""

import json
import re

REDACTED = "[redacted]"
UPSTREAM_TEXT_LIMIT = 300  # characters of an upstream's own words shown in an error
# Credentials whatever key was configured: an echoed Authorization header's value, and
# OpenAI-style secret keys (sk-..., sk-proj-...).
_CREDENTIALS = re.compile(r"(?i)\b(bearer|basic)\s+[^\s\"',;]+|\bsk-[A-Za-z0-9_-]{8,}")


def redact(text: str, key: str = "") -> str:
    """`text` from an upstream without key material: the key it was sent, and anything shaped
    like a credential (upstreams and gateways sometimes echo the request's headers)."""
    if key:
        text = text.replace(key, REDACTED)
    return _CREDENTIALS.sub(lambda match: f"{match[1]} {REDACTED}" if match[1] else REDACTED, text)


class UpstreamError(Exception):
    """Anything that went wrong talking to the upstream, described for a person.

    `upstream_text`, what the upstream said, is redacted whole and only then cut short and
    shown after `message` (so not even half a key survives the cut); the message is redacted
    too. `key` is the API key the upstream was sent."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        status: int | None = None,
        retry_after: float | None = None,
        upstream_text: str | None = None,
        key: str = "",
    ):
        if upstream_text is not None:
            shown = " ".join(redact(upstream_text, key).split())[:UPSTREAM_TEXT_LIMIT]
            message = f"{message}: {shown}" if shown else f"{message}."
        message = redact(message, key)
        super().__init__(message)
        self.message = message
        self.kind = kind  # auth, not_found, bad_request, rate_limited, upstream_down, timeout,
        # connection, bad_response, dropped_stream, redirect, upstream_error
        self.status = status
        self.retry_after = retry_after


def error_text(text: str) -> str:
    """The human part of an error body: OpenAI's error.message, else the whole text."""
    try:
        body = json.loads(text)
    except ValueError:
        return text
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(message := error.get("message"), str):
            return message
        for key in ("error", "message", "detail"):
            if isinstance(value := body.get(key), str):
                return value
    return text
