"""Gunicorn settings for `make run` and production (override any with GUNICORN_CMD_ARGS).

Each worker is one process running an event loop (uvicorn, playground/workers.py): a call
waiting on the upstream holds no thread and no database connection, so one worker holds
thousands of open calls and streams; its CPU is the limit. One worker per core
(WEB_CONCURRENCY, default 2). README "Serving" has the figures and the pool size it needs.
"""

import os
from pathlib import Path

import environ

# The same .env as the settings (real environment variables still win).
environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env")

worker_class = "playground.workers.ServerWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A worker that has not checked in with the master for this long is restarted.
timeout = 120
# On a stop, requests in flight get this long to finish (see playground/workers.py).
graceful_timeout = 30
keepalive = 5
accesslog = "-"
