"""Time a subnational batch with and without the Parquet cache of prepared columns.

    python -m benchmarks.batch --households 200000 [--shapley] [--keep DIR]

Builds a synthetic DHS-like household file (Stata .dta, value labels as DHS ships them),
then runs the portal's batch the way the workers do (list the regions, then one national
and one run per region through :func:`analysis.bridge.compute_run`): first reading the
survey file in every run (the portal before the cache), then through the cache. Prints the
seconds of each step. No Django, no database.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from analysis import bridge
from analysis.indicators import ESCAP_PRESETS
from analysis.prepared import remove_cache
from analysis.surveyio import read_survey
from demo.synthetic import generate_dhs_like


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(4 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _batch(path: Path, definition: dict, sha256: str | None, shapley: bool) -> dict:
    times: dict = {}
    start = time.perf_counter()
    regions = bridge.regions_of(str(path), definition, sha256=sha256)
    times["regions"] = time.perf_counter() - start
    runs = []
    for region in ["", *regions]:
        begin = time.perf_counter()
        bridge.compute_run(
            path=str(path), definition=definition, region=region, shapley=shapley, sha256=sha256
        )
        runs.append(time.perf_counter() - begin)
    times["runs"] = runs
    times["total"] = time.perf_counter() - start
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--preset", default="dhs-electricity")
    parser.add_argument("--shapley", action="store_true")
    parser.add_argument("--keep", help="folder for the survey file (default: a temp folder)")
    args = parser.parse_args(argv)

    folder = Path(args.keep or tempfile.mkdtemp(prefix="lnob-bench-batch-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"BENCHHR-{args.households}.dta"
    if not path.exists():
        begin = time.perf_counter()
        generate_dhs_like(seed=11, n_households=args.households)["HR"].write_dta(path)
        print(f"wrote {path} in {time.perf_counter() - begin:.1f} s")
    rows = len(read_survey(path, columns=["hhid"]).frame)
    print(f"{rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")
    definition = ESCAP_PRESETS[args.preset].to_dict()
    sha256 = _sha256(path)
    remove_cache(path)
    for label, key in (("every run reads the file", None), ("read once (cache)", sha256)):
        times = _batch(path, definition, key, args.shapley)
        runs = times["runs"]
        print(
            f"{label:>26}: batch {times['total']:6.2f} s = regions {times['regions']:.2f} s "
            f"+ {len(runs)} runs (first {runs[0]:.2f} s, others mean "
            f"{sum(runs[1:]) / max(1, len(runs) - 1):.2f} s)"
        )
    # The read alone: the survey file vs the cache file, for the same columns.
    begin = time.perf_counter()
    bridge.read_for_indicator(str(path), definition)
    from_file = time.perf_counter() - begin
    bridge.read_for_indicator(str(path), definition, sha256)  # writes the cache
    begin = time.perf_counter()
    bridge.read_for_indicator(str(path), definition, sha256)
    from_cache = time.perf_counter() - begin
    print(f"{'one read':>26}: survey file {from_file:.2f} s, cache {from_cache:.3f} s")
    remove_cache(path)


if __name__ == "__main__":
    main()
