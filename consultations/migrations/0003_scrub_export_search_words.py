"""Campaign exports used to log their filter verbatim, including the words of a text search,
which can be a (later withdrawn) story's words. Keep only that a text search was used; the
upload import events named the partner's file, which can name a person: keep the reference."""

from django.db import migrations


def scrub(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    events = AuditEvent.objects.filter(action="export", target_type="consultations.campaign")
    for event in events.iterator():
        data = dict(event.data or {})
        query = data.get("filter")
        if isinstance(query, dict) and (query.get("q") or "page" in query):
            query = {k: v for k, v in query.items() if k not in ("q", "page")}
            if (event.data["filter"] or {}).get("q"):
                query["q"] = "(text search)"
            data["filter"] = query
            event.data = data
            event.save(update_fields=["data"])
    imports = AuditEvent.objects.filter(action="import", target_type="consultations.upload")
    for event in imports.iterator():
        if " stories from " in event.summary:
            count = event.summary.split(" stories from ", 1)[0]
            event.summary = f"{count} stories from upload U{event.target_id}"
            event.save(update_fields=["summary"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("consultations", "0002_upload_states_tombstones"),
    ]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop)]
