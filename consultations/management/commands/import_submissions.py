"""Import a KoboToolbox or ODK Central export from files on the server, through exactly the
services of the partner upload page (store → inspect → map → check every row → import all
or nothing). Exits non-zero when a row is refused (nothing is imported) or the file cannot
be read.

    manage.py import_submissions kobo.xlsx --instrument 3 --organisation 7
    manage.py import_submissions kobo.xlsx --instrument 3 --organisation 7 --unit member
    manage.py import_submissions form.csv form-household.csv --instrument 3 --organisation 7 \\
        --map story=story_group/story --map dyad_1:scale=0-100 --dry-run --format json

Several files are one ODK Central CSV set (the main table and its repeat tables): they are
read together, as the ZIP that ODK Central downloads. ``--unit GROUP`` makes each row of a
repeat group (a Kobo repeat sheet or an ODK Central repeat table) a story: its own columns and
every enclosing group's can be mapped (``<group>/<column>``), and a story's ``key`` is the
submission's plus the repeat path and index (``…/household[2]/member[1]``).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation, User
from consultations import tasks
from consultations.ingest import UNIT_KEY
from consultations.models import Instrument, Upload
from consultations.uploads import (
    MAX_UPLOAD_BYTES,
    upload_discard,
    upload_import_start,
    upload_mapping_initial,
    upload_rows_report,
    upload_set_mapping,
    upload_store,
)


def parse_map(pairs: list[str]) -> dict[str, list[str]]:
    """``FIELD=COLUMN`` pairs; repeating a field maps several columns (a triad's three)."""
    mapping: dict[str, list[str]] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise CommandError(f"--map {pair!r}: write FIELD=COLUMN")
        mapping.setdefault(field.strip(), []).append(column.strip())
    return mapping


def _bundle(files: list[Path]):
    """One file as it is; several as the ZIP ODK Central would have downloaded."""
    if len(files) == 1:
        return SimpleUploadedFile(files[0].name, files[0].read_bytes())
    if sum(f.stat().st_size for f in files) > MAX_UPLOAD_BYTES:
        raise CommandError("the files together are larger than 200 MB; split the export")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.write(f, arcname=f.name)
    return SimpleUploadedFile(f"{files[0].stem}.zip", buffer.getvalue())


class Command(BaseCommand):
    help = "Import a KoboToolbox / ODK Central export for an instrument and a partner."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--instrument", type=int, required=True)
        parser.add_argument("--organisation", type=int, required=True)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="override the suggested (or saved) mapping for FIELD; repeat for more columns",
        )
        parser.add_argument(
            "--unit",
            default="",
            metavar="GROUP",
            help="a repeat group whose rows are the stories (default: each submission)",
        )
        parser.add_argument(
            "--consent-how", choices=("verbal", "written", "self"), default="verbal"
        )
        parser.add_argument("--user", help="e-mail of the person the import is recorded under")
        parser.add_argument("--dry-run", action="store_true", help="check only; store nothing")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, files, instrument, organisation, map, consent_how, user, dry_run,
               format, unit="", **options):  # fmt: skip
        for f in files:
            if not f.is_file():
                raise CommandError(f"{f}: no such file")
        instrument_obj = Instrument.objects.select_related("campaign").filter(pk=instrument).first()
        if instrument_obj is None:
            raise CommandError(f"no instrument {instrument}")
        org = Organisation.objects.filter(pk=organisation).first()
        if org is None or not instrument_obj.campaign.partners.filter(pk=org.pk).exists():
            raise CommandError(
                f"organisation {organisation} is not a partner of the campaign "
                f"“{instrument_obj.campaign}”"
            )
        person = None
        if user:
            person = User.objects.filter(email__iexact=user).first()
            if person is None:
                raise CommandError(f"no user with the e-mail {user}")
        try:
            upload = upload_store(
                uploaded=_bundle(files),
                instrument=instrument_obj,
                organisation=org,
                user=person,
                consent_how=consent_how,
                enqueue=False,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        # The worker's steps, run here one after the other (the same task functions).
        tasks.upload_inspect_task(upload.pk)
        upload.refresh_from_db()
        if upload.status != Upload.Status.MAPPING:
            raise CommandError(upload.message or f"the upload ended “{upload.status}”")
        mapping = {**upload_mapping_initial(upload), **parse_map(map)}
        if unit:
            mapping[UNIT_KEY] = [unit]
        else:
            mapping.pop(UNIT_KEY, None)  # a saved mapping's unit is chosen again here
        problems = upload_set_mapping(upload=upload, mapping=mapping, enqueue=False)
        if problems:
            upload_discard(upload=upload)
            raise CommandError("the mapping cannot be used: " + "; ".join(problems))
        tasks.upload_validate_task(upload.pk)
        upload.refresh_from_db()
        if upload.status != Upload.Status.PREVIEW:
            raise CommandError(upload.message or f"the upload ended “{upload.status}”")
        report = upload_rows_report(upload=upload)
        report["mapping"] = mapping
        report["unit"] = unit or None
        report["dry_run"] = dry_run
        if dry_run or upload.problems or not upload.rows_ok:
            # Nothing will be imported from it: its file is not kept waiting.
            upload_discard(upload=upload)
        else:
            upload_import_start(upload=upload, user=person, enqueue=False)
            tasks.upload_import_task(upload.pk, person.pk if person else None)
            upload.refresh_from_db()
        report["upload"] = None if dry_run else upload.pk
        report["status"] = upload.status
        report["imported"] = upload.rows_imported
        report["message"] = upload.message
        self._print(report, format)
        if report["rejected"]:
            raise CommandError(
                f"{len(report['rejected'])} rows cannot be accepted; nothing was imported"
            )
        if not dry_run and upload.status != Upload.Status.IMPORTED and report["accepted"]:
            raise CommandError(upload.message or f"the upload ended “{upload.status}”")

    def _print(self, report: dict, format: str) -> None:
        if format == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2, default=str))
            return
        self.stdout.write(
            f"{report['rows_in']} rows: {len(report['accepted'])} accepted, "
            f"{len(report['rejected'])} rejected, {len(report['skipped'])} skipped; "
            f"{report['imported']} imported ({report['status']})"
        )
        if report.get("unit"):
            self.stdout.write(f"  each row of the repeat group “{report['unit']}” is a story")
        for field, columns in sorted(report["mapping"].items()):
            self.stdout.write(f"  {field} ← {', '.join(columns)}")
        for row in report["rejected"][:200]:
            where = f"{row['sheet']} row {row['row']}" if row["sheet"] else f"row {row['row']}"
            self.stdout.write(f"  {where} {row['key']}: {'; '.join(row['reasons'])}")
        for row in report["skipped"][:200]:
            self.stdout.write(f"  row {row['row']} {row['key']}: {'; '.join(row['reasons'])}")
        if report["message"]:
            self.stdout.write(f"  {report['message']}")
