"""Settings for the test suite. DATABASE_URL and CELERY_BROKER_URL may point at real services."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
# Tests call tasks in-process unless a test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
ACCOUNT_RATE_LIMITS = False
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Tests exercise the admin (and its absence, by reloading the URLconf with it off).
ENABLE_ADMIN = True
# A stale group summary is recomputed when a test reads it (no background thread shares the
# test database); tests of the off-request path set "thread" or "celery" themselves.
EVIDENCE_REFRESH = env("EVIDENCE_REFRESH", default="inline")
# The partner-sync tests talk to a stub server on 127.0.0.1; one test turns this off.
PARTNER_SYNC_ALLOW_PRIVATE = True
