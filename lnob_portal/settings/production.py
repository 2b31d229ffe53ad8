"""Production settings: refuse to start without a real secret and a database URL.

Passes `manage.py check --deploy --fail-level WARNING`.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False

SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only") or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a random value of at least 50 characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "Set DATABASE_URL, e.g. postgres://lnob:password@db:5432/lnob. "
        "Production does not fall back to SQLite."
    )
if not env("CELERY_BROKER_URL", default=""):
    raise ImproperlyConfigured(
        "Set CELERY_BROKER_URL, e.g. redis://redis:6379/0. In production, survey profiling, "
        "analyses and imports run on workers, never inside a web request."
    )
CELERY_TASK_ALWAYS_EAGER = False
# Idempotent story submission, the public rate limits, upload progress and the refresh
# debouncing all need one cache that every gunicorn and worker process sees.
if not CACHE_URL.startswith(("redis://", "rediss://")):  # noqa: F405
    raise ImproperlyConfigured(
        "Set CACHE_URL to a shared Redis cache, e.g. redis://redis:6379/2. A per-process "
        "cache would let each gunicorn worker count rate limits and duplicate submissions "
        "on its own."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# The container health check calls /healthz over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Errors: e-mailed to ADMINS ("Name <address>, Other <address>") when set, and sent to Sentry
# when SENTRY_DSN is set. Neither receives request bodies, cookies or user details: the
# portal holds stories of people in vulnerable situations (send_default_pii=False and the
# mail handler's include_html=False, so no local variables reach an inbox).
ADMINS = [
    (name.strip(), address.strip())
    for name, address in (
        (entry.rsplit("<", 1)[0], entry.rsplit("<", 1)[1].rstrip(">"))
        for entry in env.list("ADMINS", default=[])
        if "<" in entry
    )
]
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)  # noqa: F405
LOGGING["handlers"]["mail_admins"] = {  # noqa: F405
    "class": "django.utils.log.AdminEmailHandler",
    "level": "ERROR",
    "include_html": False,
}
LOGGING["loggers"] = {  # noqa: F405
    "django.request": {"handlers": ["console", "mail_admins"], "level": "ERROR"},
    "celery": {"handlers": ["console", "mail_admins"], "level": "WARNING"},
}

SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
