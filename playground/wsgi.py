import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
application = get_wsgi_application()

# Every process that serves requests (each gunicorn worker, runserver) renews the leases of
# the runs it serves and reaps runs whose process died, in one daemon thread. Not gunicorn's
# master: only the process serving a run can renew its lease, and a killed worker's runs are
# reaped by its siblings or by the worker the master starts in its place.
from completions.leases import run_keeper_start  # noqa: E402 - needs the apps loaded

run_keeper_start()

# Served processes keep checked API tokens in memory while PostgreSQL says they are unchanged
# (accounts/token_cache.py): measured, it saves ~20% of the CPU of each /v1 call.
from accounts.token_cache import token_cache_enable  # noqa: E402

token_cache_enable()
