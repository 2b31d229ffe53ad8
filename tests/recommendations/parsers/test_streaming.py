"""The UHRI JSON reader streams: a ~50 MB export is read with a small, bounded peak."""

import time
import tracemalloc

from benchmarks.uhri import uhri_like_records, write_uhri_json
from recommendations.parsers import iter_uhri_json

PEAK_LIMIT_BYTES = 50 * 1024 * 1024


def test_fifty_megabytes_with_bounded_memory(tmp_path):
    path = tmp_path / "export-full-en.json"
    total = write_uhri_json(path, megabytes=50)
    assert path.stat().st_size >= 50 * 1024 * 1024
    expected = sum(1 for r in uhri_like_records(total) if "Timor-Leste" in r["Countries"])

    tracemalloc.start()
    try:
        started = time.perf_counter()
        kept = 0
        for record in iter_uhri_json(path, country="Timor-Leste"):
            assert "Timor-Leste" in record.countries
            kept += 1
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert kept == expected > 0
    assert peak < PEAK_LIMIT_BYTES, f"peak {peak / 2**20:.1f} MB"
    # The records kept are few; a reader that held the file would need hundreds of MB here.
    assert peak < 10 * 1024 * 1024, f"peak {peak / 2**20:.1f} MB for {elapsed:.1f} s"
