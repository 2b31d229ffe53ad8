"""Benchmark: import one country from a generated UHRI-like JSON export of a given size.

    python manage.py bench_uhri_import --mb 200 --country Nepal [--dry-run]

Writes the file in chunks to a temporary folder, streams it through the import service (the
same path an upload takes after preview) and prints records added, seconds and the peak
resident memory of the process (ru_maxrss). Run it against a scratch database.
"""

import resource
import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from benchmarks.uhri import write_uhri_json
from recommendations.importer import recommendations_import
from recommendations.parsers import iter_uhri_json


def _maxrss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


class Command(BaseCommand):
    help = "Import one country from a generated UHRI JSON export and report time and memory."

    def add_arguments(self, parser):
        parser.add_argument("--mb", type=float, default=200)
        parser.add_argument("--country", default="Nepal")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, mb, country, dry_run, **options):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export-full-en.json"
            records = write_uhri_json(path, megabytes=mb)
            size = path.stat().st_size / 1e6
            before = _maxrss_mb()
            start = time.perf_counter()
            report = recommendations_import(
                country=country,
                records=iter_uhri_json(path, country=country),
                source="benchmark",
                dry_run=dry_run,
            )
            seconds = time.perf_counter() - start
        self.stdout.write(
            f"{size:.0f} MB, {records} records; {country}: {report.added} added, "
            f"{report.updated} updated, {report.unchanged} unchanged in {seconds:.1f} s; "
            f"peak RSS {_maxrss_mb():.0f} MB (before the import {before:.0f} MB)"
        )
