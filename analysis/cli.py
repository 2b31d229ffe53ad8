"""``lnob-tree``: the ESCAP LNOB tree and D-index of one indicator, from a survey file.

A console command that imports no Django (``lnob-tree`` once the project is pip-installed,
else ``python -m analysis.cli``); ``manage.py lnob_tree`` is a thin wrapper around the same
code, with the same options and output. Reads a CSV, XLSX, Stata or SPSS file the way an
upload is read (value labels applied; CSV with pyarrow, see :mod:`analysis.fastcsv`), keeps
the reference population given by ``--where``, derives the outcome (``--positive``), runs
:func:`analysis.engine.analyse` and prints the tree and its measures as text or JSON. Method:
PRODUCT.md §6; usage and the JSON keys: the README, section "lnob-tree".

Example (households with electricity, DHS HR file)::

    lnob-tree BDHR7RFL.DTA --outcome hv206 --positive Yes \\
        --circumstance hv025 --circumstance hv270:ordered --weight hv005 \\
        --weight-divisor 1000000
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

# The engine's defaults (analysis.engine.uncertainty; a test checks they agree), written
# here so that --help and the start of a run need neither pandas nor the engine.
DEFAULT_REPLICATES = 200
DEFAULT_SEED = 20240611
_HASH_BLOCK_BYTES = 1024 * 1024
_STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_BACKTICK_NAME = re.compile(r"`([^`]+)`")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DESCRIPTION = (
    "Grow the ESCAP LNOB regression tree of an outcome by circumstances from a survey file "
    "(CSV, XLSX, Stata .dta, SPSS .sav) and print the tree, the furthest behind and ahead "
    "groups, the gap, the D-index and HOI (and its Shapley decomposition)."
)


class CliError(Exception):
    """A mistake in the options or the file that a person can fix: one line, no traceback."""


def where_identifiers(expression: str) -> set[str]:
    """Names an expression for ``DataFrame.query`` may refer to (a superset of its columns)."""
    without_strings = _STRING_LITERAL.sub(" ", expression)
    names = set(_BACKTICK_NAME.findall(without_strings))
    names.update(_IDENTIFIER.findall(_BACKTICK_NAME.sub(" ", without_strings)))
    return names


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``lnob-tree`` (also ``manage.py lnob_tree``'s)."""
    parser.add_argument("datafile", help="Survey file: .csv, .xlsx, .dta or .sav.")
    parser.add_argument("--outcome", required=True, help="Outcome column.")
    parser.add_argument(
        "--positive",
        nargs="+",
        action="extend",
        metavar="VALUE",
        help="Values of the outcome column that count as 1: level names (any case) or codes. "
        "Other values count as 0, missing stays missing. Without it the column must be "
        "numeric.",
    )
    parser.add_argument(
        "--barrier",
        action="store_true",
        help="The outcome is a barrier (e.g. stunting): the highest-rate group is furthest "
        "behind, and D and HOI are computed on 1 - y.",
    )
    parser.add_argument(
        "--circumstance",
        action="append",
        required=True,
        metavar="NAME[:KIND]",
        help="A circumstance column; KIND is unordered (default), ordered or numeric. "
        "Repeat for each circumstance.",
    )
    parser.add_argument(
        "--order",
        action="append",
        default=[],
        metavar="NAME=L1,L2,...",
        help="Level order of an ordered circumstance, lowest first (default: the file's "
        'value-label order). Quote a level that contains a comma: age="(19,39]","(39,59]".',
    )
    parser.add_argument(
        "--level",
        action="append",
        default=[],
        metavar="NAME=LEVEL",
        help="One level of an ordered circumstance's order; repeat, lowest first "
        "(an alternative to --order for level names with commas or quotes).",
    )
    parser.add_argument("--weight", help="Sample weight column (default: unweighted).")
    parser.add_argument(
        "--weight-divisor",
        type=float,
        default=1.0,
        help="Divide the weights by this (1000000 for DHS).",
    )
    parser.add_argument(
        "--where",
        help="Reference population, as a pandas query on the file's columns, e.g. "
        '"hv025 == \'Urban\'" or "v012 >= 20" (labelled columns hold their level names).',
    )
    parser.add_argument(
        "--min-leaf",
        type=int,
        help="Minimum leaf size in rows, overriding ESCAP's rule (default max(49, N/11)).",
    )
    parser.add_argument(
        "--minbucket-divisor",
        type=float,
        default=11.0,
        help="ESCAP's rule minbucket = max(49, N/DIVISOR), minsplit = 2*max(49, N/DIVISOR), "
        "truncated as rpart does: 11 (default), or 19 when religion, ethnicity or caste "
        "are circumstances.",
    )
    parser.add_argument(
        "--missing",
        choices=("surrogate", "level", "drop"),
        default="surrogate",
        help="Rows missing a circumstance value: 'surrogate' (default; rpart's own "
        "handling, as ESCAP's R code: kept, sent down the tree by surrogate splits, and "
        "left out of D, HOI and Shapley only), 'level' (a 'Missing' level for unordered "
        "and ordered circumstances; rows missing a numeric one are dropped) or 'drop' "
        "(rows missing any circumstance are dropped).",
    )
    parser.add_argument("--max-depth", type=int, help="Maximum tree depth (default 6).")
    parser.add_argument("--cp", type=float, help="Complexity parameter (default 1/N).")
    parser.add_argument(
        "--shapley", action="store_true", help="Also decompose D by circumstance (Shapley)."
    )
    parser.add_argument(
        "--cluster",
        help="Primary sampling unit column for standard errors (DHS v021/hv021, MICS PSU). "
        "Without --cluster and --strata, intervals assume independent rows.",
    )
    parser.add_argument("--strata", help="Sampling strata column (DHS v022/hv022, MICS stratum).")
    parser.add_argument(
        "--replicates",
        type=int,
        default=DEFAULT_REPLICATES,
        help="Rao-Wu bootstrap replicates for the intervals of D and HOI (default 200).",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="Seed of the bootstrap replicates."
    )
    parser.add_argument(
        "--lonely-psu",
        choices=("adjust", "certainty"),
        default="adjust",
        help="A stratum with one PSU: 'adjust' (default, R survey's option of that name) "
        "or 'certainty' (no variance).",
    )
    parser.add_argument(
        "--no-intervals",
        action="store_true",
        help="Skip standard errors and 95%% intervals.",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``lnob-tree``."""
    parser = argparse.ArgumentParser(prog="lnob-tree", description=DESCRIPTION)
    add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``lnob-tree``, ``python -m analysis.cli``): exit status 0, or 1
    with a one-line ``Error: ...`` on stderr for a mistake a person can fix.

    A CSV file's needed columns are read by pyarrow in a thread, and the file hashed in
    another, while the engine is imported (:mod:`analysis.csvprefetch`); on a CSV pandas is
    never imported (except for ``--where``)."""
    options = vars(build_parser().parse_args(argv))
    pools: list[ThreadPoolExecutor] = []
    prefetched = digest = None
    try:
        source = Path(options["datafile"])
        if source.is_file() and source.stat().st_size > 0:
            hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lnob-sha")
            pools.append(hashing)
            digest = hashing.submit(file_sha256, source)
            prefetched = _start_prefetch(options)
            if prefetched is not None:
                pools.append(prefetched[0])
        from analysis import cli_core

        try:
            report = cli_core.run(
                options,
                stderr=sys.stderr,
                prefetched=prefetched[1] if prefetched else None,
                digest=digest,
            )
        except CliError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 1
        sys.stdout.write(cli_core.render(report, options["format"]) + "\n")
        sys.stdout.flush()
        return 0
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


def _start_prefetch(options: dict[str, Any]) -> tuple[ThreadPoolExecutor, Future] | None:
    from analysis import csvprefetch

    names = [options["outcome"]]
    types = {}
    for spec in options["circumstance"]:
        name, colon, kind = spec.rpartition(":")
        name = (name if colon else spec).strip()
        names.append(name)
        types[name] = "number" if colon and kind.strip().lower() == "numeric" else "text"
    names += [options[key] for key in ("weight", "cluster", "strata") if options.get(key)]
    if options.get("weight"):
        types[options["weight"]] = "number"
    where = options.get("where")
    where_names = where_identifiers(where) if where else set()
    return csvprefetch.start(options["datafile"], list(dict.fromkeys(names)), where_names, types)


def __getattr__(name: str) -> Any:
    """The rest of the command (:mod:`analysis.cli_core`: run, render, Report, ...), imported
    on first use so that ``import analysis.cli`` stays light."""
    if name.startswith("__"):
        raise AttributeError(name)
    from analysis import cli_core

    return getattr(cli_core, name)


if __name__ == "__main__":
    # Run the module's importable copy, so that CliError is one class (not __main__'s).
    from analysis.cli import main as _main

    sys.exit(_main())
