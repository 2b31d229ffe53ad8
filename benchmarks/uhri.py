"""Benchmark of the streaming UHRI JSON import.

    python -m benchmarks.uhri --mb 200

writes a UHRI-like export of about that size to a temporary file (in chunks, so writing it
needs little memory), reads one country's records with :func:`iter_uhri_json`, and prints the
throughput and the peak memory: the process's maximum resident set size (``ru_maxrss``) and,
in a second pass, the peak of Python allocations traced by ``tracemalloc``. The generator is
also used by the streaming test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator

from recommendations.parsers.uhri import iter_uhri_json

COUNTRIES = (
    "Afghanistan", "Bangladesh", "Bolivia (Plurinational State of)", "Brazil", "Cambodia",
    "China", "Colombia", "Côte d'Ivoire", "Ethiopia", "Guinea", "Guinea-Bissau", "India",
    "Indonesia", "Iran (Islamic Republic of)", "Kenya", "Lao People's Democratic Republic",
    "Mexico", "Mongolia", "Myanmar", "Nepal", "Niger", "Nigeria", "Pakistan", "Peru",
    "Philippines", "Sri Lanka", "Thailand", "Timor-Leste", "Uganda", "Viet Nam",
)  # fmt: skip
BODIES = ("CRC", "CEDAW", "CESCR", "CCPR", "CERD", "CAT", "CRPD", "UPR", "SR on the right to food")
THEMES = (
    "Right to education", "Sexual & gender-based violence", "Equality & non-discrimination",
    "Right to health", "Administration of justice & fair trial", "Human rights defenders",
)  # fmt: skip
PERSONS = ("Children", "Women & girls", "Persons with disabilities", "Indigenous peoples")
SDGS = ("4 - QUALITY EDUCATION", "4.1 - Ensure that all girls and boys complete…",
        "5 - GENDER EQUALITY", "16 - PEACE, JUSTICE AND STRONG INSTITUTIONS",
        "16.2 - End abuse, exploitation, trafficking…")  # fmt: skip
FILLER = (
    "The Committee recommends that the State party strengthen its efforts to ensure that "
    "children in rural areas &amp; indigenous communities have access to inclusive, quality "
    "education, allocate adequate resources to that end, and collect disaggregated data on "
    "enrolment &#8217;and&#8217; completion&nbsp;rates. "
)


def uhri_like_records(count: int, *, seed: int = 5) -> Iterator[dict]:
    """``count`` records with the 18 UHRI fields, deterministic for a seed."""
    rng = random.Random(seed)
    for index in range(count):
        body = rng.choice(BODIES)
        countries = [rng.choice(COUNTRIES)]
        if rng.random() < 0.05:
            countries.append(rng.choice(COUNTRIES))
        upr = body == "UPR"
        session = rng.randint(1, 54) if upr else None
        yield {
            "AnnotationId": str(uuid.UUID(int=rng.getrandbits(128))),
            "AnnotationType": rng.choice(["- Recommendations", "- Concerns/Observations"]),
            "Body": f"- {body}",
            "Countries": countries,
            "DocumentId": str(uuid.UUID(int=rng.getrandbits(128))),
            "Symbol": f"A/HRC/{rng.randint(5, 58)}/{rng.randint(1, 20)}" if upr else "CRC/C/X/CO/5",
            "PublicationDate": f"20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "PublicationDateOnUhri": "2024-05-02 10:11:12",
            "Regions": ["Asia-Pacific States"],
            "Sdgs": rng.sample(SDGS, 2),
            "Text": f"<p>{index % 150 + 1}.{index % 7} {FILLER * rng.randint(1, 4)}</p>",
            "Themes": rng.sample(THEMES, 2),
            "AffectedPersons": rng.sample(PERSONS, 2),
            "UprCycle": None,
            "UprSession": session,
            "UprPositions": rng.choice(["Supported", "Noted"]) if upr else None,
            "UprRecommendingCountry": [rng.choice(COUNTRIES)] if upr else [],
            "UprRecommendingRegions": ["GRULAC"] if upr else [],
        }


def write_uhri_json(path: str | os.PathLike, *, megabytes: float, seed: int = 5) -> int:
    """Write a UHRI-like one-array JSON export of about ``megabytes`` MB; return the number of
    records. Written in chunks of about 1 MB, so memory stays small whatever the size."""
    target = int(megabytes * 1024 * 1024)
    written = 0
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[\n")
        chunk: list[str] = []
        chunk_size = 0
        for record in uhri_like_records(sys.maxsize, seed=seed):
            line = ("," if count else "") + json.dumps(record, ensure_ascii=False) + "\n"
            chunk.append(line)
            chunk_size += len(line)
            count += 1
            if chunk_size >= 1024 * 1024:
                handle.write("".join(chunk))
                written += chunk_size
                chunk, chunk_size = [], 0
                if written >= target:
                    break
        handle.write("".join(chunk))
        handle.write("]\n")
    return count


def _maxrss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200, help="size of the generated export")
    parser.add_argument("--country", default="Timor-Leste", help="country to import")
    parser.add_argument("--file", help="read this export instead of generating one")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="uhri-bench-") as tmp:
        path = args.file
        total = None
        if path is None:
            path = os.path.join(tmp, "export-full-en.json")
            started = time.perf_counter()
            total = write_uhri_json(path, megabytes=args.mb)
            print(f"generated {total:,} records in {time.perf_counter() - started:.1f} s")
        size_mb = os.path.getsize(path) / (1024 * 1024)
        rss_before = _maxrss_mb()

        started = time.perf_counter()
        kept = sum(1 for _ in iter_uhri_json(path, country=args.country))
        elapsed = time.perf_counter() - started
        rss_after = _maxrss_mb()

        tracemalloc.start()
        traced_started = time.perf_counter()
        sum(1 for _ in iter_uhri_json(path, country=args.country))
        traced_elapsed = time.perf_counter() - traced_started
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    print(f"file: {size_mb:.0f} MB" + (f", {total:,} records" if total else ""))
    print(f"country {args.country!r}: {kept:,} records kept")
    print(
        f"pass 1: {elapsed:.1f} s, {size_mb / elapsed:.1f} MB/s"
        + (f", {total / elapsed:,.0f} records/s scanned" if total else "")
        + f", {kept / elapsed:,.0f} records/s kept"
    )
    print(f"peak RSS (ru_maxrss): {rss_before:.0f} MB before reading, {rss_after:.0f} MB after")
    print(
        f"pass 2 under tracemalloc: {traced_elapsed:.1f} s, "
        f"peak traced Python memory {traced_peak / (1024 * 1024):.1f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
