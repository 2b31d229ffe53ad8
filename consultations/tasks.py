from celery import shared_task

from .services import retention_purge


@shared_task(name="consultations.retention_purge", time_limit=60 * 30)
def retention_purge_task() -> int:
    """Run daily by Celery beat (see CELERY_BEAT_SCHEDULE)."""
    return retention_purge()


@shared_task(name="consultations.upload_validate", time_limit=60 * 60)
def upload_validate_task(upload_id: int) -> str:
    from .models import Upload
    from .uploads import upload_validate

    upload = Upload.objects.filter(pk=upload_id).first()
    return upload_validate(upload=upload).status if upload else "gone"


@shared_task(name="consultations.upload_import", time_limit=60 * 60)
def upload_import_task(upload_id: int, user_id: int | None = None) -> str:
    from accounts.models import User

    from .models import Upload
    from .uploads import upload_import

    upload = Upload.objects.filter(pk=upload_id).first()
    user = User.objects.filter(pk=user_id).first() if user_id else None
    return upload_import(upload=upload, user=user).status if upload else "gone"
