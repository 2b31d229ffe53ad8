# Production image for the web app and the Celery worker (see docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=lnob_portal.settings.production
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings to import; these build-time values are never used at run time.
RUN SECRET_KEY=build-only-$(python -c 'import secrets;print(secrets.token_hex(32))') \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 ALLOWED_HOSTS=localhost \
    CELERY_BROKER_URL=redis://build-only:6379/0 CACHE_URL=redis://build-only:6379/2 \
    python manage.py collectstatic --noinput \
 && useradd --create-home --uid 1000 lnob && mkdir -p /app/media && chown lnob /app/media
USER lnob
EXPOSE 8000
CMD ["gunicorn", "lnob_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
