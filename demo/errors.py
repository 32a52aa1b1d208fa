"""The fake upstream's error answers, in OpenAI's shape; raised anywhere in a request's
handling and sent by the HTTP handler."""

from http import HTTPStatus

from demo.behaviour import Behaviour


class ApiError(Exception):
    """An error answer in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.body = {"error": {"message": message, "type": type, "param": param, "code": code}}

    @classmethod
    def scripted(cls, behaviour: Behaviour) -> "ApiError":
        """The error a scripted non-200 behaviour sends, typed the way OpenAI types it."""
        status = behaviour.status
        message = behaviour.error_message or HTTPStatus(status).phrase
        if status == 401:
            kind, code = "invalid_request_error", "invalid_api_key"
        elif status == 429:
            kind, code = "rate_limit_error", "rate_limit_exceeded"
        elif status >= 500:
            kind, code = "server_error", None
        else:
            kind, code = "invalid_request_error", None
        return cls(status, message, type=kind, code=code, headers=behaviour.headers)
