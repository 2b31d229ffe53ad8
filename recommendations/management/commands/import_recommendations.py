"""Import recommendations from a file on the server, through exactly the services of the web
import (store → check → preview → commit, all or nothing), for big backlogs and 400 MB UHRI
files. Exits non-zero and stores nothing when the file has errors or is for another country.

    manage.py import_recommendations export-full-en.json --country "Guinea-Bissau"
    manage.py import_recommendations matrix.docx --country China --dry-run --format json
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from recommendations import services
from recommendations.models import ImportJob

KIND_BY_EXTENSION = {
    ".json": ImportJob.Kind.UHRI_JSON,
    ".xlsx": ImportJob.Kind.UHRI_XLSX,
    ".docx": ImportJob.Kind.UPR_MATRIX,
    ".csv": ImportJob.Kind.TEMPLATE,
}


def job_summary(job: ImportJob) -> dict:
    """What the web page shows about an import, as JSON (the command's ``--format json``)."""
    counts = job.counts or {}
    return {
        "job": job.pk,
        "status": job.status,
        "file": job.original_name,
        "country": job.country,
        "added": counts.get("added", 0),
        "updated": counts.get("updated", 0),
        "unchanged": counts.get("unchanged", 0),
        "missing_from_file": counts.get("missing_from_file", 0),
        "missing": [row.get("external_id") for row in counts.get("missing", [])],
        "errors": job.errors,
        "warnings": job.warnings,
        "message": job.message,
    }


class Command(BaseCommand):
    help = "Import a UHRI export (JSON/XLSX), an OHCHR UPR matrix (.docx) or the portal template."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--country", required=True, help="the portal country, as UHRI names it")
        parser.add_argument(
            "--kind",
            choices=ImportJob.Kind.values,
            help="the file's format (default: from its extension; .xlsx is a UHRI export "
            "unless --kind template)",
        )
        parser.add_argument("--user", help="e-mail of the person the import is recorded under")
        parser.add_argument("--dry-run", action="store_true", help="preview only; store nothing")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, file: Path, country: str, kind, user, dry_run, format, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        kind = kind or KIND_BY_EXTENSION.get(file.suffix.lower())
        if kind is None:
            raise CommandError(
                f"{file.name}: give --kind (one of {', '.join(ImportJob.Kind.values)})"
            )
        person = None
        if user:
            person = User.objects.filter(email__iexact=user).first()
            if person is None:
                raise CommandError(f"no user with the e-mail {user}")
        from recommendations.tasks import import_commit_task, import_preview_task

        with file.open("rb") as handle:
            try:
                job = services.import_upload(
                    uploaded=File(handle, name=file.name),
                    kind=kind,
                    country=country,
                    user=person,
                    enqueue=False,
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        # The worker's steps, run here one after the other.
        import_preview_task(job.pk, job.attempt)
        job.refresh_from_db()
        if job.status == ImportJob.Status.PREVIEWED and not dry_run:
            services.import_confirm(job=job, user=person, enqueue=False)
            import_commit_task(job.pk, person.pk if person else None, job.attempt)
            job.refresh_from_db()
        summary = job_summary(job)
        summary["dry_run"] = dry_run
        if dry_run and job.status == ImportJob.Status.PREVIEWED:
            # A preview from the command line is not left waiting for a confirmation.
            job.file.delete(save=False)
            job.delete()
            summary["job"] = None
        self._print(summary, format)
        ok = ImportJob.Status.PREVIEWED if dry_run else ImportJob.Status.SUCCEEDED
        if job.status != ok:
            raise CommandError(job.message or f"the import ended “{job.status}”")

    def _print(self, summary: dict, format: str) -> None:
        if format == "json":
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
            return
        verb = "would be" if summary["dry_run"] else "were"
        self.stdout.write(f"{summary['file']} for {summary['country']}: {summary['status']}")
        self.stdout.write(
            f"  {summary['added']} added, {summary['updated']} updated, "
            f"{summary['unchanged']} unchanged ({verb}); "
            f"{summary['missing_from_file']} already in the portal but not in the file (kept)"
        )
        for warning in summary["warnings"][:20]:
            self.stdout.write(f"  warning: {warning}")
        for error in summary["errors"][:50]:
            self.stdout.write(
                f"  row {error.get('row')} {error.get('external_id', '')}: {error.get('message')}"
            )
        if summary["message"]:
            self.stdout.write(f"  {summary['message']}")
