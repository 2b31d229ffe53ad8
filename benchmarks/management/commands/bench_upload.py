"""Benchmark a partner upload: a generated Kobo CSV of N rows is validated (preview) and
imported all-or-nothing, as the background task does. Reports rows/s and peak memory.

Uses whatever database DATABASE_URL points at; run it on a scratch database, e.g.
``DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py bench_upload --rows 100000``
(`make bench` does this).
"""

import csv
import datetime
import random
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Organisation
from consultations import services
from consultations.models import Campaign, Instrument, Signifier
from consultations.uploads import (
    upload_import,
    upload_import_start,
    upload_inspect,
    upload_set_mapping,
    upload_store,
    upload_validate,
)

HEADER = [
    "consent",
    "story_group/story",
    "triad_1/a",
    "triad_1/b",
    "triad_1/c",
    "dyad_1",
    "identity/groups",
    "_uuid",
    "_submission_time",
    "meta/rootUuid",
    "_index",
]


class Command(BaseCommand):
    help = "Time and measure the memory of a Kobo upload of N rows (preview + import)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)

    def handle(self, *args, rows: int, **options):
        # The services enqueue the worker steps on commit; here each step is called (and
        # timed) directly instead.
        with mock.patch.object(transaction, "on_commit", lambda func, **kwargs: None):
            self._bench(rows)

    def _bench(self, rows: int) -> None:
        call_command("migrate", verbosity=0)
        call_command("seed_vocabularies", stdout=open("/dev/null", "w"))
        rng = random.Random(1)
        org, _ = Organisation.objects.get_or_create(
            name="Bench CSO", country="Benchland", defaults={"kind": "cso"}
        )
        campaign = Campaign(
            title=f"Bench {time.time()}",
            purpose="bench",
            country="Benchland",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
            languages=["en"],
            status="open",
        )
        from accounts.models import User

        analyst = User.objects.filter(
            email="bench@lnob.example"
        ).first() or User.objects.create_user(email="bench@lnob.example")
        services.campaign_save(campaign=campaign, consent_text="ok", user=analyst, partners=[org])
        instrument = Instrument.objects.create(campaign=campaign, name="bench")
        Signifier.objects.create(
            instrument=instrument,
            key="triad_1",
            kind="triad",
            labels=[{"en": "A"}, {"en": "B"}, {"en": "C"}],
        )
        Signifier.objects.create(
            instrument=instrument, key="dyad_1", kind="dyad", labels=[{"en": "L"}, {"en": "R"}]
        )
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "kobo.csv"
            with open(path, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL)
                writer.writerow(HEADER)
                for i in range(rows):
                    uid = f"{campaign.pk:06d}-{i:010d}"
                    writer.writerow(
                        [
                            "yes",
                            f"Story number {i} about the clinic and the road.",
                            rng.randint(0, 100),
                            rng.randint(0, 100),
                            rng.randint(1, 100),
                            rng.randint(0, 100),
                            rng.choice(["women", "migrants", "persons_with_disabilities", "none"]),
                            uid,
                            "2026-05-01T10:00:00",
                            f"uuid:{uid}",
                            i + 1,
                        ]
                    )
            size = path.stat().st_size
            upload = upload_store(
                uploaded=SimpleUploadedFile("kobo.csv", path.read_bytes()),
                instrument=instrument,
                organisation=org,
                user=None,
                consent_how="verbal",
            )
            upload_inspect(upload=upload)  # the worker's step (tasks are not run here)
        mapping = {
            "story": ["story_group/story"],
            "consent": ["consent"],
            "triad_1": ["triad_1/a", "triad_1/b", "triad_1/c"],
            "dyad_1": ["dyad_1"],
            "dyad_1:scale": ["0-100"],  # the file's dyad values are drawn from 0..100
            "groups": ["identity/groups"],
        }
        problems = upload_set_mapping(upload=upload, mapping=mapping)
        assert problems == [], problems
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        upload_validate(upload=upload)
        validated = time.perf_counter()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # A second pass under tracemalloc for the Python heap peak (it slows code); before
        # the import, because the import deletes the raw file.
        tracemalloc.start()
        upload.status = "checking"
        upload_validate(upload=upload)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        import_started = time.perf_counter()
        upload_import_start(upload=upload)
        upload = upload_import(upload=upload)
        finished = time.perf_counter()
        status, imported = upload.status, upload.rows_imported
        rss_after = max(rss_after, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        validated, finished = validated, validated + (finished - import_started)
        self.stdout.write(
            f"upload of {rows:,} rows ({size / 1e6:.1f} MB CSV): status {status}, "
            f"{imported:,} imported\n"
            f"  preview (validate every row): {validated - started:.1f} s "
            f"({rows / (validated - started):,.0f} rows/s)\n"
            f"  import (validate again + insert in one transaction): "
            f"{finished - validated:.1f} s ({rows / (finished - validated):,.0f} rows/s)\n"
            f"  process high-water mark grew {(rss_after - rss_before) / 1024:.1f} MiB; "
            f"peak traced Python heap during a preview {peak / 2**20:.1f} MiB"
        )
