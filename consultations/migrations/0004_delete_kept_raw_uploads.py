"""Raw partner files used to be kept forever with every column, and previews kept the first
rows' text. Delete them for uploads that ended (imported or failed); uploads waiting in the old
mapping/preview pages have no stored columns, so they are failed with a message asking the
partner to upload the file again (their files are deleted too)."""

from pathlib import Path

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def delete_raw(apps, schema_editor):
    Upload = apps.get_model("consultations", "Upload")
    root = Path(settings.MEDIA_ROOT)
    for upload in Upload.objects.exclude(file="", preview=[]).iterator():
        fields = ["file", "preview"]
        if upload.status in ("mapping", "preview") and not upload.columns:
            upload.status = "failed"
            upload.status_changed_at = timezone.now()
            upload.message = (
                "The upload pages changed and this upload was not imported; upload the file again."
            )
            fields += ["status", "status_changed_at", "message"]
        elif upload.status not in ("imported", "failed"):
            continue
        if upload.file:
            (root / upload.file.name).unlink(missing_ok=True)
        upload.file = ""
        upload.preview = []
        upload.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0003_scrub_export_search_words")]

    operations = [migrations.RunPython(delete_raw, migrations.RunPython.noop)]
