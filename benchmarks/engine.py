"""Benchmark of the engine on synthetic survey data.

Run: ``python -m benchmarks.engine [--rows 100000 1000000] [--repeat 3] [--missing 0.1]``.

For each size it generates seeded survey-like rows with 8 circumstances (binary wealth,
residence and sex; unordered region (5 levels), age group (3) and marital status (3);
ordered education (4 levels); numeric number of births (0–9)), a 0/1 outcome with a plausible
gradient and lognormal sample weights, then times

* ``analyse`` end to end from the raw DataFrame: validation, aggregation into cells, tree,
  furthest behind/ahead, D, HOI and the exact Shapley decomposition (best of ``--repeat``);
* scikit-learn's ``DecisionTreeRegressor.fit`` on the same rows one-hot encoded, with
  max_depth = 6, min_samples_leaf = minbucket, min_samples_split = minsplit and the sample
  weights (best of ``--repeat``). The one-hot encoding is done beforehand and is NOT timed.

``--missing F`` blanks a fraction F of the values of wealth, region, education and births
(independently), so the tree sends the incomplete rows down by surrogate splits (the
engine's default ``missing_circumstance="surrogate"``); D then uses the complete rows.

Peak memory is tracemalloc's peak of Python/numpy allocations during one extra ``analyse``
call (tracemalloc traces numpy buffers), and the growth of the process's ru_maxrss over the
whole benchmark so far (a high-water mark, so it only grows).
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.engine.cells import Circumstance
from analysis.engine.run import analyse

EDUCATION_ORDER = ("None", "Primary", "Secondary", "Higher")
CIRCUMSTANCES = (
    Circumstance("Wealth"),
    Circumstance("Residence"),
    Circumstance("Sex"),
    Circumstance("Region"),
    Circumstance("AgeGroup"),
    Circumstance("MaritalStatus"),
    Circumstance("Education", "ordered", EDUCATION_ORDER),
    Circumstance("Births", "numeric"),
)


def synthetic_survey(n_rows: int, seed: int = 20240611) -> pd.DataFrame:
    """Seeded survey-like rows: 8 circumstances, a 0/1 outcome ``y`` and a weight ``w``."""
    rng = np.random.default_rng(seed)

    def categorical(levels: tuple[str, ...], p: list[float]) -> tuple[pd.Categorical, np.ndarray]:
        codes = rng.choice(len(levels), size=n_rows, p=p)
        return pd.Categorical.from_codes(codes, categories=list(levels)), codes

    wealth, wealth_c = categorical(("Bottom 40%", "Top 60%"), [0.4, 0.6])
    residence, urban = categorical(("Rural", "Urban"), [0.6, 0.4])
    sex, _ = categorical(("Female", "Male"), [0.5, 0.5])
    region, region_c = categorical(
        ("North", "South", "East", "West", "Capital"), [0.25, 0.2, 0.2, 0.2, 0.15]
    )
    age, age_c = categorical(("15-24", "25-34", "35+"), [0.3, 0.35, 0.35])
    marital, _ = categorical(("Never", "Currently", "Formerly"), [0.3, 0.6, 0.1])
    education_c = np.clip(rng.binomial(3, 0.25 + 0.2 * wealth_c + 0.1 * urban), 0, 3)
    education = pd.Categorical.from_codes(education_c, categories=list(EDUCATION_ORDER))
    births = np.minimum(rng.poisson(2.2 - 0.5 * wealth_c), 9)
    logit = (
        -1.4
        + 1.1 * wealth_c
        + 0.7 * urban
        + 0.6 * education_c
        + np.array([0.0, -0.3, 0.2, 0.1, 0.5])[region_c]
        + np.array([-0.2, 0.1, 0.0])[age_c]
        - 0.15 * births
    )
    y = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int8)
    weight = rng.lognormal(0.0, 0.5, n_rows) * 1_000_000
    return pd.DataFrame(
        {
            "Wealth": wealth,
            "Residence": residence,
            "Sex": sex,
            "Region": region,
            "AgeGroup": age,
            "MaritalStatus": marital,
            "Education": education,
            "Births": births,
            "y": y,
            "w": weight,
        }
    )


def _best_time(action: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _run_engine(frame: pd.DataFrame) -> object:
    return analyse(
        frame,
        outcome="y",
        circumstances=CIRCUMSTANCES,
        weight="w",
        weight_divisor=1_000_000,
        shapley=True,
    )


def with_missing(frame: pd.DataFrame, fraction: float, seed: int = 7) -> pd.DataFrame:
    """``frame`` with a fraction of wealth, region, education and births values missing."""
    rng = np.random.default_rng(seed)
    frame = frame.copy()
    for column in ("Wealth", "Region", "Education", "Births"):
        blank = rng.random(len(frame)) < fraction
        if column == "Births":
            frame[column] = frame[column].astype(np.float64).where(~blank)
        else:
            frame[column] = frame[column].where(~blank)
    return frame


def bench(n_rows: int, repeat: int, missing: float = 0.0) -> dict[str, float]:
    """Time the engine and scikit-learn on ``n_rows`` synthetic rows."""
    from sklearn.tree import DecisionTreeRegressor

    frame = synthetic_survey(n_rows)
    if missing > 0:
        frame = with_missing(frame, missing)
    rss_before = _maxrss_mib()
    engine_seconds = _best_time(lambda: _run_engine(frame), repeat)
    result = _run_engine(frame)
    tracemalloc.start()
    _run_engine(frame)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = _maxrss_mib() - rss_before

    features = pd.get_dummies(
        frame[["Wealth", "Residence", "Sex", "Region", "AgeGroup", "MaritalStatus"]],
        dtype=np.float32,
    )
    features["Education"] = frame["Education"].cat.codes.astype(np.float32)
    features["Births"] = frame["Births"].astype(np.float32)
    matrix = np.ascontiguousarray(features.to_numpy(dtype=np.float32))
    target = frame["y"].to_numpy(dtype=np.float64)
    weight = frame["w"].to_numpy() / 1_000_000
    params = result.params  # type: ignore[attr-defined]

    def fit() -> object:
        return DecisionTreeRegressor(
            max_depth=params.max_depth,
            min_samples_leaf=params.minbucket,
            min_samples_split=params.minsplit,
            random_state=0,
        ).fit(matrix, target, sample_weight=weight)

    sklearn_seconds = _best_time(fit, repeat)
    as_text = frame.astype({c.name: str for c in CIRCUMSTANCES if c.kind != "numeric"})
    text_seconds = _best_time(lambda: _run_engine(as_text), repeat)
    return {
        "rows": n_rows,
        "engine_s": engine_seconds,
        "rows_per_s": n_rows / engine_seconds,
        "traced_peak_mib": traced_peak / 2**20,
        "maxrss_growth_mib": rss_growth,
        "sklearn_s": sklearn_seconds,
        "speedup": sklearn_seconds / engine_seconds,
        "engine_text_s": text_seconds,
        "n_leaves": float(len(result.tree.leaves)),  # type: ignore[attr-defined]
        "onehot_columns": float(matrix.shape[1]),
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: print a table of timings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--missing",
        type=float,
        default=0.0,
        metavar="F",
        help="Blank this fraction of four circumstances' values (surrogate splits).",
    )
    args = parser.parse_args(argv)
    print(
        "engine = analyse() from the raw DataFrame: cells + tree + D + HOI + exact Shapley "
        f"(8 circumstances), best of {args.repeat}"
    )
    print(
        "sklearn = DecisionTreeRegressor.fit on one-hot rows (one-hot encoding not timed), "
        f"best of {args.repeat}"
    )
    print("tracemalloc = peak traced allocations in one analyse() call")
    print("ru_maxrss = growth of the process high-water mark during the engine runs")
    print("engine (text) = analyse() with the 7 categorical columns as plain strings")
    if args.missing > 0:
        print(f"missing = {args.missing:.0%} of wealth, region, education, births blanked")
    print()
    header = (
        f"{'rows':>10} {'engine s':>9} {'rows/s':>12} {'tracemalloc MiB':>16} "
        f"{'ru_maxrss +MiB':>15} {'sklearn s':>10} {'sklearn/engine':>15} {'leaves':>7} "
        f"{'engine (text) s':>16}"
    )
    print(header)
    print("-" * len(header))
    for n_rows in args.rows:
        row = bench(n_rows, args.repeat, args.missing)
        print(
            f"{n_rows:>10,} {row['engine_s']:>9.3f} {row['rows_per_s']:>12,.0f} "
            f"{row['traced_peak_mib']:>16.1f} {row['maxrss_growth_mib']:>15.1f} "
            f"{row['sklearn_s']:>10.3f} {row['speedup']:>14.1f}x {int(row['n_leaves']):>7} "
            f"{row['engine_text_s']:>16.3f}"
        )


if __name__ == "__main__":
    main()
