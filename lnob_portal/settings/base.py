"""Settings shared by every environment.

Every value that differs between machines comes from the environment (django-environ),
with defaults that work on a fresh clone: a SQLite file, tasks run in-process, e-mail
printed to the console.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "import_export",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "taxonomy",
    "consultations",
    "recommendations",
    "analysis",
    "evidence",
    "common",
    "demo",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lnob_portal.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "common.middleware.RejectNulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireMFAForStaffMiddleware",
]

ROOT_URLCONF = "lnob_portal.urls"
WSGI_APPLICATION = "lnob_portal.wsgi.application"
ASGI_APPLICATION = "lnob_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "lnob_portal.csp.nonce",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: e-mail + password, no self sign-up (RCO staff create accounts),
# optional TOTP second factor; REQUIRE_MFA_FOR_STAFF makes it mandatory for RCO staff.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="none")
ACCOUNT_ADAPTER = "accounts.adapters.PortalAccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Failed sign-ins are limited per client address, per account + client address, and per
# account for browsers that never signed in to it (accounts/adapters.py explains why an
# attacker elsewhere cannot lock the owner out). Successful sign-ins are allowed generously
# per address, because a whole country office may sit behind one router.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login_failed_untrusted": "20/h/key",
    "login": "300/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="LNOB Evidence Portal")
REQUIRE_MFA_FOR_STAFF = env.bool("REQUIRE_MFA_FOR_STAFF", default=False)

# Content-Security-Policy (lnob_portal/csp.py): the portal's own assets only; "{nonce}" is
# replaced by the request's nonce for the rare inline <script>/<style> that carries it.
CSP_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "{nonce}"],
    "style-src": ["'self'", "{nonce}"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Swagger UI (drf-spectacular-sidecar, served by the split view so its script is a file)
# ships an inline <style> and sets style attributes: styles may be inline there, scripts not.
CSP_PATH_POLICIES = {
    "/api/docs/": {**CSP_POLICY, "style-src": ["'self'", "'unsafe-inline'"]},
}

# Reverse proxies in front of the portal that append to X-Forwarded-For (the documented TLS
# proxy makes 1). 0 means X-Forwarded-For is ignored and REMOTE_ADDR is the client. Every
# client address (rate limits, audit log, allauth) comes from common/client_ip.py.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# The Django admin is mounted only when ENABLE_ADMIN is set; its sign-in goes through the
# portal's (allauth) sign-in, with the second factor and rate limits.
ENABLE_ADMIN = env.bool("ENABLE_ADMIN", default=False)

# API tokens (accounts.ApiToken) expire after this many days unless the owner picks otherwise.
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded files in S3-compatible object storage (django-storages) instead of MEDIA_ROOT when
# a bucket is named. Files stay private: no public ACL, downloads go through the portal's own
# access checks (lnob_portal/media.py), never through a bucket URL.
S3_BUCKET = env("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,
            "region_name": env("S3_REGION", default="") or None,
            "access_key": env("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "location": env("S3_PREFIX", default=""),
        },
    }

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="LNOB Portal <noreply@localhost>")

# Cache: in-process by default; production needs a shared one (rate limits, upload progress
# across gunicorn and worker processes): CACHE_URL=redis://redis:6379/2
CACHE_URL = env("CACHE_URL", default="")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL.startswith(("redis://", "rediss://"))
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Celery: with no broker configured, tasks run eagerly in the web process (zero set-up).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it ends, and given back to the queue when the process running
# it dies, so a lost worker does not lose the work. Each task says what to do when it finds
# its object already finished or failed (nothing) — see common/jobs.py.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A blip in the Redis connection does not kill running analyses: when the message comes back
# after the visibility timeout, the task finds its object finished and does nothing.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 30)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60 * 25)
# Hard time limits of the long tasks (seconds); the reaper reads them too.
ANALYSIS_TASK_TIME_LIMIT = env.int("ANALYSIS_TASK_TIME_LIMIT", default=60 * 60)
IMPORT_TASK_TIME_LIMIT = env.int("IMPORT_TASK_TIME_LIMIT", default=2 * 60 * 60)
UPLOAD_TASK_TIME_LIMIT = env.int("UPLOAD_TASK_TIME_LIMIT", default=60 * 60)
# An object still "running" this long after its task's time limit was left by a dead worker:
# the reaper (common/jobs.py) marks it failed, every JOB_REAPER_INTERVAL seconds.
JOB_REAPER_MARGIN = env.int("JOB_REAPER_MARGIN", default=5 * 60)
JOB_REAPER_INTERVAL = env.int("JOB_REAPER_INTERVAL", default=5 * 60)
# Redis gives an unacknowledged message to another worker after the visibility timeout. It
# must outlast the longest task, or a long task would run twice at once; a little more, so a
# task killed at its limit is acknowledged first.
LONGEST_TASK_TIME_LIMIT = max(
    CELERY_TASK_TIME_LIMIT, ANALYSIS_TASK_TIME_LIMIT, IMPORT_TASK_TIME_LIMIT, UPLOAD_TASK_TIME_LIMIT
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": LONGEST_TASK_TIME_LIMIT + JOB_REAPER_MARGIN
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"analysis.tasks.*": {"queue": "analysis"}}
CELERY_BEAT_SCHEDULE: dict = {}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an API client without credentials gets 401 + WWW-Authenticate.
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Strict: an invalid filter value answers 400 naming the parameter and what it accepts.
    "DEFAULT_FILTER_BACKENDS": ["common.api_filters.StrictFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LNOB Evidence Portal API",
    "DESCRIPTION": "Evidence on who is left behind: community voice, human-rights "
    "recommendations and survey statistics.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from the online validator: the CSP allows images from the portal only.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lnob_portal.api_schema.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Partner sync (consultations/sync.py) refuses servers on loopback, link-local or private
# addresses unless this is set (partners' ODK Central inside the same private network).
PARTNER_SYNC_ALLOW_PRIVATE = env.bool("PARTNER_SYNC_ALLOW_PRIVATE", default=False)

# Small counts (common/suppression.py): counts of people below this are shown as "fewer
# than N"; partner-only views (a partner's own submissions) may use the smaller minimum.
SMALL_COUNT_MIN = env.int("SMALL_COUNT_MIN", default=5)
SMALL_COUNT_MIN_PARTNER = env.int("SMALL_COUNT_MIN_PARTNER", default=3)

# Demo accounts are created by `manage.py seed_demo`; their password comes from here.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="lnob-demo-2026")

# Survey uploads stream to disk (never held in memory) and may be up to 2 GB.
SURVEY_MAX_UPLOAD_BYTES = env.int("SURVEY_MAX_UPLOAD_BYTES", default=2 * 1024**3)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Periodic tasks (run `celery -A lnob_portal beat` in production; see the README).
CELERY_BEAT_SCHEDULE["consultations-retention-purge"] = {
    "task": "consultations.retention_purge",
    "schedule": 60 * 60 * 24,
}
# Pull partners' connected KoboToolbox / ODK Central forms into uploads (consultations/sync.py).
CELERY_BEAT_SCHEDULE["consultations-partner-syncs"] = {
    "task": "consultations.partner_syncs_run",
    "schedule": 60 * 60,
}
# Mark background jobs left running by a dead worker as failed (common/jobs.py).
CELERY_BEAT_SCHEDULE["jobs-reap-stuck"] = {
    "task": "common.reap_stuck_jobs",
    "schedule": JOB_REAPER_INTERVAL,
}
# Where group evidence summaries are refreshed after a change (evidence/refresh.py):
# "celery" with a worker, "thread" in-process (the default without a broker), "inline".
EVIDENCE_REFRESH = env("EVIDENCE_REFRESH", default="")
# Recompute group evidence summaries still stale (a safety net: changes enqueue their own).
CELERY_BEAT_SCHEDULE["evidence-summaries-refresh"] = {
    "task": "evidence.summaries_refresh",
    "schedule": 60 * 10,
}

# Archives (XLSX, DOCX, ZIP) are judged from their central directory before any parser opens
# them (common/archives.py): entries, declared uncompressed sizes, compression ratio.
UPLOAD_ARCHIVE_LIMITS = {
    "max_entries": env.int("UPLOAD_ARCHIVE_MAX_ENTRIES", default=2_000),
    "max_entry_bytes": env.int("UPLOAD_ARCHIVE_MAX_ENTRY_BYTES", default=200 * 1024**2),
    "max_total_bytes": env.int("UPLOAD_ARCHIVE_MAX_TOTAL_BYTES", default=500 * 1024**2),
    "max_ratio": env.float("UPLOAD_ARCHIVE_MAX_RATIO", default=200.0),
}

# Partner uploads (consultations/uploads.py): the raw Kobo/ODK file and its preview are deleted
# when the import ends; a positive value keeps them (reduced to the mapped columns) this many
# hours for troubleshooting. The hourly purge below deletes them afterwards.
UPLOAD_RAW_RETENTION_HOURS = env.float("UPLOAD_RAW_RETENTION_HOURS", default=0)
CELERY_BEAT_SCHEDULE["consultations-uploads-raw-purge"] = {
    "task": "consultations.uploads_raw_purge",
    "schedule": 60 * 60,
}
# Partners' e-mail: the address links point to, and the daily digest of review outcomes
# (consultations/notifications.py; also `manage.py send_review_digest`).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://localhost:8000")
CELERY_BEAT_SCHEDULE["consultations-review-digest"] = {
    "task": "consultations.review_digest",
    "schedule": 60 * 60 * 24,
}

# Tables and JSON from staff uploads, checked before pandas/ijson build anything from them.
# 10,000 columns admits the widest real survey files (DHS women's IR recodes carry about
# 4,000-5,000 variables, MICS files under 1,000) and refuses a 3,000,000-column CSV from its
# first line. A value longer than 64 K characters is never a survey code or a recommendation
# (and stays below Python's csv limit of 131,072, which otherwise fails without a message).
UPLOAD_MAX_COLUMNS = env.int("UPLOAD_MAX_COLUMNS", default=10_000)
UPLOAD_MAX_FIELD_CHARS = env.int("UPLOAD_MAX_FIELD_CHARS", default=65_536)
# UHRI records are two levels deep; 32 leaves room and stops a file of nested brackets.
UPLOAD_MAX_JSON_DEPTH = env.int("UPLOAD_MAX_JSON_DEPTH", default=32)
