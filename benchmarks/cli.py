"""Benchmark of ``lnob-tree`` against R's rpart, whole process, on the same CSV file.

Run: ``python -m benchmarks.cli [--rows 100000 1000000] [--repeat 3] [--keep DIR]``
(``make bench`` runs it).

For each size it writes a seeded CSV of survey-like rows (benchmarks.engine's generator:
8 circumstances -- six unordered text ones, ordered education whose lowest level is the
text "None", numeric births --, a 0/1 outcome ``y`` and lognormal weights ``w`` x 1e6, no
missing values), then times, as whole processes (wall clock, best of ``--repeat``):

* ``lnob-tree`` as ``python -m analysis.cli FILE ... --no-intervals --format json`` (the
  console script runs the same ``main``): start-up, reading the CSV (pyarrow), the tree, the
  furthest behind/ahead groups, D and HOI, the file's SHA-256 and the JSON;
* ``lnob-tree`` with its defaults (also 95% intervals: Taylor SEs and 200 bootstrap
  replicates of D and HOI), for information;
* ``Rscript`` with ESCAP's call ``rpart(y ~ ., method = "anova", weights = w,
  control = rpart.control(minbucket = max(49, N/11), minsplit = 2 * max(49, N/11),
  cp = 1/N, maxdepth = 6, xval = 0, maxcompete = 0, maxsurrogate = 0))``, given its fastest
  settings: ``data.table::fread`` (all threads) when data.table is installed, else
  ``read.csv`` with ``colClasses``; ``maxcompete = 0`` and ``maxsurrogate = 0`` (no
  competing or surrogate splits are computed) are only equivalent because the file has no
  missing values. R computes the tree only: no D, HOI or file hash.

Besides wall time it reports CPU time (user + system of the process and all its threads, from
``getrusage(RUSAGE_CHILDREN)``) and its ratio: on a machine shared with other jobs the wall
times swing with the load (the load average is printed), CPU time much less.

It checks that both trees are the same (the rpart node numbers, and each leaf's row count
and mean to 1e-9) and prints the ratios lnob-tree / R. Targets: <= 0.5 at 1M rows, <= 1.0 at
100k rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

R_SCRIPT = r"""
suppressPackageStartupMessages(library(rpart))
f <- commandArgs(TRUE)[1]
text <- c("Wealth", "Residence", "Sex", "Region", "AgeGroup", "MaritalStatus", "Education")
classes <- c(setNames(rep("character", length(text)), text),
             Births = "integer", y = "integer", w = "numeric")
if (requireNamespace("data.table", quietly = TRUE)) {
  reader <- "data.table::fread"
  d <- data.table::fread(f, na.strings = "", colClasses = classes, select = names(classes),
                         showProgress = FALSE, nThread = data.table::getDTthreads())
  data.table::setDF(d)
} else {
  reader <- "read.csv(colClasses)"
  d <- read.csv(f, na.strings = "", colClasses = classes)[, names(classes)]
}
for (v in setdiff(text, "Education")) d[[v]] <- factor(d[[v]])
d$Education <- factor(d$Education, levels = c("None", "Primary", "Secondary", "Higher"),
                      ordered = TRUE)
N <- nrow(d)
bucket <- max(49, N / 11)
fit <- rpart(y ~ ., data = d, weights = w, method = "anova",
             control = rpart.control(minbucket = bucket, minsplit = 2 * bucket, cp = 1 / N,
                                     maxdepth = 6, xval = 0, maxcompete = 0,
                                     maxsurrogate = 0))
fr <- fit$frame
leaves <- fr$var == "<leaf>"
cat("READER", reader, "\n")
cat("NODES", rownames(fr), "\n")
cat("LEAVES", sprintf("%s:%d:%.12f", rownames(fr)[leaves], fr$n[leaves], fr$yval[leaves]), "\n")
"""

CIRCUMSTANCE_ARGS = [
    "--circumstance", "Wealth",
    "--circumstance", "Residence",
    "--circumstance", "Sex",
    "--circumstance", "Region",
    "--circumstance", "AgeGroup",
    "--circumstance", "MaritalStatus",
    "--circumstance", "Education:ordered",
    "--order", "Education=None,Primary,Secondary,Higher",
    "--circumstance", "Births:numeric",
]  # fmt: skip


def write_csv(n_rows: int, path: Path) -> None:
    """The benchmark's synthetic survey as CSV (text levels, integer y and births)."""
    from benchmarks.engine import synthetic_survey

    frame = synthetic_survey(n_rows)
    frame.to_csv(path, index=False)


def lnob_tree_command(path: Path, intervals: bool) -> list[str]:
    command = [sys.executable, "-m", "analysis.cli", str(path), "--outcome", "y"]
    command += [*CIRCUMSTANCE_ARGS, "--weight", "w", "--weight-divisor", "1000000"]
    command += ["--format", "json"] + ([] if intervals else ["--no-intervals"])
    return command


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], repeat: int) -> tuple[float, str, float]:
    """(best wall time, output, best CPU time -- user + system of the process and all its
    threads, which a machine shared with other jobs disturbs much less than wall time)."""
    best, out, best_cpu = float("inf"), "", float("inf")
    for _ in range(repeat):
        cpu = _children_cpu()
        start = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        cpu = _children_cpu() - cpu
        if completed.returncode != 0:
            raise SystemExit(f"{command[0]} failed:\n{completed.stderr}")
        best, out, best_cpu = min(best, elapsed), completed.stdout, min(best_cpu, cpu)
    return best, out, best_cpu


def _r_tree(output: str) -> tuple[str, list[int], dict[int, tuple[int, float]]]:
    lines = {line.split(" ", 1)[0]: line.split()[1:] for line in output.splitlines() if line}
    leaves = {}
    for item in lines["LEAVES"]:
        node, n, mean = item.split(":")
        leaves[int(node)] = (int(n), float(mean))
    return " ".join(lines["READER"]), sorted(int(x) for x in lines["NODES"]), leaves


def same_tree(cli_json: dict, r_output: str) -> tuple[bool, str, int]:
    """Whether the CLI's tree is rpart's: node numbers, leaf sizes and means (to 1e-9)."""
    reader, r_nodes, r_leaves = _r_tree(r_output)
    nodes = sorted(node["id"] for node in cli_json["nodes"])
    leaves = {
        node["id"]: (node["n"], node["mean"]) for node in cli_json["nodes"] if node["is_leaf"]
    }
    same = nodes == r_nodes and set(leaves) == set(r_leaves)
    same = same and all(
        leaves[k][0] == r_leaves[k][0] and abs(leaves[k][1] - r_leaves[k][1]) < 1e-9 for k in leaves
    )
    return same, reader, len(nodes)


def bench(n_rows: int, repeat: int, folder: Path, intervals: bool = True) -> dict:
    path = folder / f"lnob_bench_{n_rows}.csv"
    if not path.exists():
        write_csv(n_rows, path)
    r_file = folder / "lnob_bench_rpart.R"
    r_file.write_text(R_SCRIPT)
    cli_s, cli_out, cli_cpu = _timed(lnob_tree_command(path, intervals=False), repeat)
    full_s = _timed(lnob_tree_command(path, intervals=True), repeat)[0] if intervals else 0.0
    r_s, r_out, r_cpu = _timed(["Rscript", "--vanilla", str(r_file), str(path)], repeat)
    same, reader, n_nodes = same_tree(json.loads(cli_out), r_out)
    return {
        "rows": n_rows,
        "mib": path.stat().st_size / 2**20,
        "cli_s": cli_s,
        "full_s": full_s,
        "r_s": r_s,
        "ratio": cli_s / r_s,
        "cli_cpu": cli_cpu,
        "r_cpu": r_cpu,
        "cpu_ratio": cli_cpu / r_cpu if r_cpu > 0 else float("nan"),
        "full_ratio": full_s / r_s,
        "same": same,
        "nodes": n_nodes,
        "reader": reader,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Keep the CSV files in this folder.")
    parser.add_argument(
        "--skip-intervals", action="store_true", help="Do not time lnob-tree's default run."
    )
    args = parser.parse_args(argv)
    if shutil.which("Rscript") is None:
        print("Rscript is not installed: nothing to compare with.", file=sys.stderr)
        return 1
    folder = args.keep or Path(tempfile.mkdtemp(prefix="lnob-bench-cli-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"wall time of the whole process, best of {args.repeat}; ratio = lnob-tree / R")
    print("lnob-tree = python -m analysis.cli ... --no-intervals (tree, D, HOI, hash, JSON)")
    print("lnob-tree (+CI) = the same with its default 95% intervals (200 bootstrap replicates)")
    print("CPU = user + system time of the whole process and its threads (best of the runs);")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = (
        f"{'rows':>10} {'MiB':>6} {'lnob-tree s':>12} {'R rpart s':>10} {'ratio':>6} "
        f"{'+CI s':>7} {'+CI ratio':>9} {'nodes':>6} {'same tree':>9} "
        f"{'CPU s':>6} {'R CPU s':>7} {'CPU ratio':>9}  R reader"
    )
    print(header)
    print("-" * len(header))
    ok = True
    try:
        for n_rows in args.rows:
            row = bench(n_rows, args.repeat, folder, intervals=not args.skip_intervals)
            ok = ok and row["same"]
            print(
                f"{n_rows:>10,} {row['mib']:>6.1f} {row['cli_s']:>12.3f} {row['r_s']:>10.3f} "
                f"{row['ratio']:>6.2f} {row['full_s']:>7.3f} {row['full_ratio']:>9.2f} "
                f"{row['nodes']:>6} {'yes' if row['same'] else 'NO':>9} "
                f"{row['cli_cpu']:>6.2f} {row['r_cpu']:>7.2f} {row['cpu_ratio']:>9.2f}  "
                f"{row['reader']}",
                flush=True,
            )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
