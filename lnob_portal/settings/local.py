"""Development defaults: works on a fresh clone with no environment at all."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Serve static files straight from the source folders while developing (no collectstatic).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The Django admin is on for development (off by default in production).
ENABLE_ADMIN = env.bool("ENABLE_ADMIN", default=True)
