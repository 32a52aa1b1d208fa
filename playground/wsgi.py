import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
application = get_wsgi_application()

# The served site writes /v1 runs behind its answers, in batches (completions/run_log.py),
# and keeps checked API tokens in memory while PostgreSQL says they are unchanged
# (accounts/token_cache.py).
from accounts.token_cache import token_cache_enable  # noqa: E402
from completions.run_log import run_writer_enable  # noqa: E402

run_writer_enable()
token_cache_enable()
