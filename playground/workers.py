"""The gunicorn worker class: gunicorn manages the processes (restarts a worker that dies,
stops gracefully on SIGTERM), uvicorn serves each one on an event loop."""

from typing import Any

from uvicorn_worker import UvicornWorker


class ServerWorker(UvicornWorker):
    # uvloop and httptools, Django's ASGI application with its start-up/shutdown events.
    CONFIG_KWARGS: dict[str, Any] = {"loop": "uvloop", "http": "httptools", "lifespan": "on"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # On a stop, requests in flight get gunicorn's graceful timeout less a margin; then
        # uvicorn cancels what is left, whose runs are written as cancelled before gunicorn's
        # SIGKILL could come.
        self.config.timeout_graceful_shutdown = max(1, int(self.cfg.graceful_timeout) - 3)
