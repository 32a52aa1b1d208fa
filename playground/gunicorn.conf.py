"""Gunicorn settings for `make run` and production (override any with GUNICORN_CMD_ARGS).

Threads, not processes, carry concurrency: a streamed completion holds its thread while it
relays the upstream (no database connection meanwhile), so each worker gets many cheap
threads. 2 workers x 128 threads hold 256 open streams; add workers (WEB_CONCURRENCY) for
CPU, threads (GUNICORN_THREADS) for more open streams.
"""

import os
from pathlib import Path

import environ

# The same .env as the settings (real environment variables still win).
environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env")

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "128"))
timeout = 120
# On a stop, requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
