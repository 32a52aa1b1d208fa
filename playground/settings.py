"""Octoplay settings: one file, driven by the environment (django-environ).

Zero configuration gives a working local site on SQLite. Every value can be set
from the environment or a `.env` file beside manage.py; see `.env.example`.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # a missing .env is fine

DEBUG = env.bool("DEBUG", default=False)

# Production must bring its own key; a fixed key is only acceptable for local DEBUG use.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "accounts",
    "budgets",
    "completions",
    "prompts",
    "usage",
    "datasets",
    "experiments",
]

MIDDLEWARE = [
    # The first three run in the server's mode (async over ASGI): /v1 and /api/completions/
    # reach their async views without a trip to a thread, with Django's security checks in line.
    "completions.middleware.ServerOverheadMiddleware",
    "playground.input_checks.UnstorableInputMiddleware",
    # /v1/ and POST /api/completions/ need nothing below (its docstring).
    "completions.middleware.AsyncEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a login lockout into its page (429)
]

ROOT_URLCONF = "playground.urls"
ASGI_APPLICATION = "playground.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "accounts.context_processors.teams",
                "completions.context_processors.demo_mode",
                "budgets.context_processors.budget_warnings",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool per process: a gunicorn thread borrows a connection only while it queries, so
    # hundreds of open streams don't need hundreds of PostgreSQL connections.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=20),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
    # Django turns prepared statements off (for PgBouncer in transaction mode before 1.21);
    # its own queries are never prepared either way, but the API token lookup on every API
    # request is (accounts/token_lookup.py). Set false behind such a PgBouncer.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        options["prepare_threshold"] = 5
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Transactions take SQLite's write lock as they begin, so two processes' transactions wait
    # for each other (up to the busy timeout) instead of one failing at once with "database
    # is locked" when both would turn a read lock into a write lock.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Seconds to wait on Redis before treating it as down (redis-py would wait for ever).
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.25)
if REDIS_URL:
    # Shared by every process; while Redis is unreachable each process falls back to its own
    # memory, as without REDIS_URL, and the site keeps serving (playground/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "playground.cache.FailoverRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database, never only in the cache: a Redis outage logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Django's passwords, behind django-axes: a username, or an address, with LOGIN_FAILURE_LIMIT
# failed log-ins is refused (right password included) until LOGIN_LOCKOUT_MINUTES after the
# last failure. Counted in the database, so it holds whatever the cache does (README, Security).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
AXES_CLIENT_IP_CALLABLE = "accounts.throttles.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True  # failures are what it needs; no row for every log-in

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Octoplay <octoplay@localhost>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "playground.storage.StaticFilesStorage"},
}
# Served from the source folders, unhashed and uncompressed, only for working on the code
# (`make dev` sets STATIC_FROM_SOURCE; Django's runserver with DEBUG too): edits show at once.
# Every other way of serving (`make run`, DEBUG on or off) sends what collectstatic made:
# hashed, gzip/Brotli, cached for a year.
STATIC_FROM_SOURCE = env.bool("STATIC_FROM_SOURCE", default=DEBUG and "runserver" in sys.argv)
WHITENOISE_USE_FINDERS = STATIC_FROM_SOURCE
WHITENOISE_AUTOREFRESH = STATIC_FROM_SOURCE
# Source maps (14 of the 40 MB collected, nearly all the API docs' vendored Swagger UI) are
# fetched only by developer tools: compressing them took most of collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br"),
    *("swf", "flv", "woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4"),
    *("mpeg", "mpg", "webm", "wmv", "map"),
]

# Security headers. HTTPS-only cookies and HSTS are switched on with SECURE_HTTPS=true,
# which a deployment behind TLS should set; local HTTP keeps working without it.
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
# Plain-HTTP requests are redirected to HTTPS, except the load balancer's health check.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Joining browsers' HSTS preload list commits the whole domain to HTTPS for good: a choice
# for the domain's owner (SECURE_HSTS_PRELOAD=true), so `check --deploy` is not asked to nag.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind one TLS-terminating proxy: trust its X-Forwarded-Proto, and its X-Forwarded-For for
# the caller's address (accounts/throttles.py).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Model output is untrusted: no inline scripts anywhere, no third-party origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.TokenScope",  # what an API token may do (its scopes)
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["playground.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "accounts.schema.ScopedAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "playground.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Octoplay API",
    "DESCRIPTION": "Run prompts against OpenAI-compatible models, manage teams, tokens and usage.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Templates' visibility has three choices, datasets' two: each its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "TemplateVisibilityEnum": "prompts.models.Visibility",
        "DatasetVisibilityEnum": "datasets.models.Visibility",
    },
}

# Accounts, teams and tokens
SIGNUP_OPEN = env.bool("SIGNUP_OPEN", default=True)
INVITE_LINK_DAYS = env.int("INVITE_LINK_DAYS", default=7)
TOKEN_LAST_USED_RESOLUTION_SECONDS = 60  # don't write last_used_at on every request
# The served site keeps checked API tokens in memory this long at most, on PostgreSQL, which
# notifies every process of changes to them at once (accounts/token_cache.py); 0 = off.
TOKEN_CACHE_SECONDS = env.float("TOKEN_CACHE_SECONDS", default=60.0)
# Throttles (accounts/throttles.py): bad API tokens per address in five minutes, then 429s;
# password-reset emails per address asked for and per caller's address, in an hour.
TOKEN_FAILURE_LIMIT = env.int("TOKEN_FAILURE_LIMIT", default=30)
PASSWORD_RESETS_PER_EMAIL = env.int("PASSWORD_RESETS_PER_EMAIL", default=3)
PASSWORD_RESETS_PER_IP = env.int("PASSWORD_RESETS_PER_IP", default=10)

# Upstream (the default provider). Without a key Octoplay runs in demo mode.
OCTOPUSX_BASE_URL = env.str("OCTOPUSX_BASE_URL", default="https://octopusx.ai/v1")
OCTOPUSX_API_KEY = env.str("OCTOPUSX_API_KEY", default="")

# Dataset imports (datasets/imports.py): the largest file and the most items one import adds.
DATASET_IMPORT_MAX_BYTES = env.int("DATASET_IMPORT_MAX_BYTES", default=20_000_000)
DATASET_IMPORT_MAX_ITEMS = env.int("DATASET_IMPORT_MAX_ITEMS", default=50_000)

# Usage and limits
USAGE_CURRENCY = env.str("USAGE_CURRENCY", default="USD")
# The longest custom range a usage report covers (pages, API, CSV); longer ones are a 400.
USAGE_MAX_RANGE_DAYS = env.int("USAGE_MAX_RANGE_DAYS", default=400)
# Requests per minute per user (a user's own setting in the admin overrides it); 0 = no limit.
RATE_LIMIT_PER_MINUTE = env.int("RATE_LIMIT_PER_MINUTE", default=120)
# Worst case reserved against a budget when a request sets no max_tokens.
BUDGET_DEFAULT_MAX_TOKENS = env.int("BUDGET_DEFAULT_MAX_TOKENS", default=4096)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes: lockouts and failures (usernames masked) are warnings; its routine is INFO noise.
    "loggers": {"django.server": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Comma-separated Fernet keys for provider API keys at rest; the first encrypts
# (see completions/crypto.py).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[])

# Upstream HTTP behaviour (completions/client.py).
UPSTREAM_CONNECT_TIMEOUT = env.float("UPSTREAM_CONNECT_TIMEOUT", default=5.0)
UPSTREAM_READ_TIMEOUT = env.float("UPSTREAM_READ_TIMEOUT", default=120.0)
UPSTREAM_MAX_RETRIES = env.int("UPSTREAM_MAX_RETRIES", default=2)
UPSTREAM_BACKOFF_SECONDS = env.float("UPSTREAM_BACKOFF_SECONDS", default=0.5)
UPSTREAM_RETRY_AFTER_MAX = env.float("UPSTREAM_RETRY_AFTER_MAX", default=10.0)
# While waiting for a slow first token, send an SSE comment this often to keep proxies open.
# Threads per served process that run /v1's database steps, each keeping its connection
# (completions/database_steps.py): the connections /v1 needs per process, whatever the
# number of calls in flight.
DATABASE_STEP_THREADS = env.int("DATABASE_STEP_THREADS", default=4)
STREAM_HEARTBEAT_SECONDS = env.float("STREAM_HEARTBEAT_SECONDS", default=15.0)
# A run in progress holds a lease that the process serving it renews every third of this; a
# run whose process was killed is marked interrupted, and its budget holds released, by a
# reaper each served process runs this often (completions/leases.py). From a kill to the
# release: at most the sum of the two.
RUN_LEASE_SECONDS = env.float("RUN_LEASE_SECONDS", default=30.0)
RUN_REAP_INTERVAL_SECONDS = env.float("RUN_REAP_INTERVAL_SECONDS", default=15.0)
# Experiments (experiments/worker.py): cells one worker process runs at once, cells of one
# experiment running at once across all workers, a cell's lease (renewed every third of it
# while its worker lives), how often an idle worker looks for cells, attempts per cell.
EXPERIMENT_WORKER_CONCURRENCY = env.int("EXPERIMENT_WORKER_CONCURRENCY", default=8)
EXPERIMENT_CONCURRENCY = env.int("EXPERIMENT_CONCURRENCY", default=8)
EXPERIMENT_CELL_LEASE_SECONDS = env.float("EXPERIMENT_CELL_LEASE_SECONDS", default=30.0)
EXPERIMENT_POLL_SECONDS = env.float("EXPERIMENT_POLL_SECONDS", default=1.0)
EXPERIMENT_MAX_ATTEMPTS = env.int("EXPERIMENT_MAX_ATTEMPTS", default=5)
EXPERIMENT_MAX_REPETITIONS = env.int("EXPERIMENT_MAX_REPETITIONS", default=10)
MODELS_CACHE_SECONDS = env.int("MODELS_CACHE_SECONDS", default=300)
# Demo mode (no OCTOPUSX_API_KEY): pause between streamed words so streaming is visible.
DEMO_CHUNK_DELAY = env.float("DEMO_CHUNK_DELAY", default=0.03)
# Request limits, checked before any upstream call.
COMPLETION_MAX_MESSAGES = env.int("COMPLETION_MAX_MESSAGES", default=500)
COMPLETION_MAX_BODY_BYTES = env.int("COMPLETION_MAX_BODY_BYTES", default=2_000_000)
# Images in user messages (completions/images.py): decoded bytes of one image, images in a
# request, their decoded bytes together. Their data URLs count apart from the body's limit.
COMPLETION_IMAGE_MAX_BYTES = env.int("COMPLETION_IMAGE_MAX_BYTES", default=5_000_000)
COMPLETION_MAX_IMAGES = env.int("COMPLETION_MAX_IMAGES", default=10)
COMPLETION_IMAGES_MAX_BYTES = env.int("COMPLETION_IMAGES_MAX_BYTES", default=20_000_000)
# Any body: a 413 past it (base64 takes 4 characters for 3 bytes).
DATA_UPLOAD_MAX_MEMORY_SIZE = (
    COMPLETION_MAX_BODY_BYTES + COMPLETION_IMAGES_MAX_BYTES * 4 // 3 + 100_000
)
# JSON nested deeper than this is refused (request bodies, template data): deep enough for any
# real request, shallow enough that no code of ours or our libraries' recurses out of stack.
INPUT_MAX_DEPTH = env.int("INPUT_MAX_DEPTH", default=100)
# Users' JSON Schemas (response_format, tool parameters): nesting and size at most.
SCHEMA_MAX_DEPTH = env.int("SCHEMA_MAX_DEPTH", default=64)
SCHEMA_MAX_BYTES = env.int("SCHEMA_MAX_BYTES", default=64 * 1024)
