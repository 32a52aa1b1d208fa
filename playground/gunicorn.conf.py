"""Gunicorn settings for `make run` and production (override any with GUNICORN_CMD_ARGS)."""

import os

# Threads, not processes, carry concurrency: a streamed completion holds its thread while
# it relays the upstream, so each worker gets many cheap threads.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
timeout = 120
graceful_timeout = 30
keepalive = 5
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
