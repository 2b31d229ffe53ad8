"""The work of ``lnob-tree`` (see :mod:`analysis.cli`, its light entry point): read the
needed columns, prepare the outcome and circumstances, run the engine, print the report."""

from __future__ import annotations

import csv
import difflib
import json
import keyword
import math
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from analysis.cli import CliError, file_sha256, where_identifiers
from analysis.engine import (
    AnalysisResult,
    Circumstance,
    EngineError,
    LeafProfile,
    analyse,
    result_to_dict,
    tree_to_text,
)
from analysis.engine.uncertainty import DEFAULT_REPLICATES, DEFAULT_SEED, IID_NOTE, OVERLAP_NOTE
from analysis.fastcsv import csv_header, read_needed_columns
from analysis.surveyio import (
    SurveyFileError,
    SurveyFrame,
    _resolve_format,
    read_survey,
    read_survey_metadata,
)
from analysis.surveyio import value_key as code_key

KINDS = ("unordered", "ordered", "numeric")


@dataclass(frozen=True)
class CircumstanceOption:
    """One ``--circumstance NAME[:kind]``, with its ``--order`` levels if any."""

    name: str
    kind: str
    order: tuple[str, ...] | None = None


# --------------------------------------------------------------------------------------------
# Parsing the options
# --------------------------------------------------------------------------------------------


def _order_levels(levels_text: str) -> tuple[str, ...]:
    """Split ``L1,L2,...`` as one CSV record, so a level containing a comma can be quoted:
    ``age="(19,39]","(39,59]"`` gives the two levels ``(19,39]`` and ``(39,59]``."""
    try:
        record = next(csv.reader([levels_text], skipinitialspace=True), [])
    except csv.Error:
        return ()
    return tuple(level.strip() for level in record)


def parse_circumstances(
    specs: Sequence[str], orders: Sequence[str], levels: Sequence[str] = ()
) -> tuple[CircumstanceOption, ...]:
    """``NAME[:unordered|:ordered|:numeric]`` options joined with their level orders, given as
    ``--order NAME=L1,L2`` (CSV quoting for levels with commas) or one ``--level NAME=L`` per
    level, lowest first."""
    parsed: list[CircumstanceOption] = []
    for spec in specs:
        name, colon, kind = spec.rpartition(":")
        if not colon:
            name, kind = spec, "unordered"
        name, kind = name.strip(), kind.strip().lower()
        if kind not in KINDS:
            raise CliError(
                f"--circumstance {spec!r}: the kind after ':' must be one of {', '.join(KINDS)}."
            )
        if not name:
            raise CliError(f"--circumstance {spec!r} names no column.")
        if any(option.name == name for option in parsed):
            raise CliError(f"--circumstance {name!r} is given twice.")
        parsed.append(CircumstanceOption(name, kind))

    by_name = {option.name: option for option in parsed}
    level_orders: dict[str, tuple[str, ...]] = {}
    one_by_one: dict[str, list[str]] = {}
    for text in levels:
        name, equals, level = text.partition("=")
        if not equals or not name.strip() or not level.strip():
            raise CliError(
                f"--level {text!r} is not of the form NAME=LEVEL (one level per --level, "
                "lowest first, e.g. --level age=(19,39] --level age=(39,59])."
            )
        one_by_one.setdefault(name.strip(), []).append(level.strip())
    order_texts = list(orders)
    for name, names_levels in one_by_one.items():
        order_texts.append(
            name + "=" + ",".join('"' + level.replace('"', '""') + '"' for level in names_levels)
        )
    for text in order_texts:
        name, equals, levels_text = text.partition("=")
        name = name.strip()
        levels = _order_levels(levels_text)
        if not equals or not name or not levels or not all(levels):
            raise CliError(
                f"--order {text!r} is not of the form NAME=LEVEL1,LEVEL2,... "
                "(lowest level first, e.g. --order education=Lower,Secondary,Higher)."
            )
        if name not in by_name:
            raise CliError(
                f"--order {name!r}: {name!r} is not one of the circumstances "
                f"({', '.join(by_name) or 'none given'})."
            )
        if by_name[name].kind != "ordered":
            raise CliError(
                f"--order {name!r}: only ordered circumstances take a level order; "
                f"write --circumstance {name}:ordered."
            )
        if name in level_orders:
            raise CliError(f"--order {name!r} is given twice (or with --level too).")
        keys = tuple(code_key(level) for level in levels)
        if len(set(keys)) != len(keys):
            raise CliError(f"--order {name!r} repeats a level.")
        level_orders[name] = keys
    return tuple(
        CircumstanceOption(option.name, option.kind, level_orders.get(option.name))
        for option in parsed
    )


def missing_column_message(name: str, role: str, available: Sequence[str], file_name: str) -> str:
    """'Column X (role) is not in the file', with the closest names as a suggestion."""
    close = difflib.get_close_matches(name, list(available), n=3, cutoff=0.6)
    if not close:
        folded = {column.casefold(): column for column in available}
        close = [
            folded[match]
            for match in difflib.get_close_matches(name.casefold(), list(folded), n=3, cutoff=0.6)
        ]
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else "."
    return f"Column {name!r} ({role}) is not in {file_name!r}{hint}"


# --------------------------------------------------------------------------------------------
# Preparing the frame
# --------------------------------------------------------------------------------------------


def _keys(series: pd.Series) -> pd.Series:
    """Canonical case-folded text of each value (1, 1.0 and "1" alike); NaN where missing."""
    if isinstance(series.dtype, pd.CategoricalDtype):  # one key per level, not per row
        level_keys = [code_key(level).casefold() or np.nan for level in series.cat.categories]
        table = np.array([*level_keys, np.nan], dtype=object)
        return pd.Series(table[np.asarray(series.cat.codes)], index=series.index)
    unique = pd.unique(series.dropna())
    mapping = {value: code_key(value).casefold() for value in unique}
    keys = series.astype(object).map(mapping)
    return keys.where(keys.notna() & (keys != ""), np.nan)


def _positive_keys(values: Iterable[str], labels: Mapping[Any, str]) -> set[str]:
    """The ``--positive`` values as keys, plus the label of each code and the code of each label."""
    keys = {code_key(value).casefold() for value in values}
    for code, label in labels.items():
        pair = (code_key(code).casefold(), str(label).strip().casefold())
        if keys.intersection(pair):
            keys.update(pair)
    return keys


def binary_outcome(
    series: pd.Series, positive: Sequence[str], labels: Mapping[Any, str]
) -> pd.Series:
    """1.0 where the value is one of ``positive`` (as text, or as the same number), else 0.0.

    Missing values stay missing. A code matches its value label and the other way round, so
    ``--positive 1`` and ``--positive Yes`` agree on a labelled column.
    """
    keys = _keys(series)
    hit = keys.isin(_positive_keys(positive, labels))
    if not hit.any():
        present = sorted(pd.unique(series.dropna().astype(str)))
        shown = ", ".join(repr(v) for v in present[:12]) + (", ..." if len(present) > 12 else "")
        raise CliError(
            f"None of the --positive values ({', '.join(map(repr, positive))}) occur in the "
            f"outcome column {series.name!r}; its values are: {shown or 'none (all missing)'}."
        )
    return pd.Series(np.where(hit, 1.0, 0.0), index=series.index).where(keys.notna())


def numeric_outcome(series: pd.Series) -> pd.Series:
    """The outcome as numbers, or a CliError suggesting ``--positive`` for text values."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series
    numbers = pd.to_numeric(series, errors="coerce")
    text = series.notna() & numbers.isna()
    if text.any():
        examples = ", ".join(repr(v) for v in sorted(pd.unique(series[text].astype(str)))[:5])
        raise CliError(
            f"The outcome column {series.name!r} holds text values such as {examples}; "
            "name the values that count as 1 with --positive (e.g. --positive "
            f"{sorted(pd.unique(series[text].astype(str)))[0]!r})."
        )
    return numbers


def engine_circumstance(
    option: CircumstanceOption, survey: SurveyFrame, frame: pd.DataFrame
) -> Circumstance:
    """Turn a circumstance option into the engine's form, recoding ``frame`` in place.

    Ordered circumstances are compared as text keys against their order (``--order``, else
    the file's value-label order); labelled numeric circumstances get their codes back.
    """
    name = option.name
    if option.kind == "numeric":
        labels = survey.value_labels.get(name)
        if name in survey.value_label_order and labels:
            back = {str(label): code for code, label in labels.items()}
            frame[name] = pd.to_numeric(
                frame[name].astype(object).map(lambda v: back.get(v, v)), errors="coerce"
            )
        return Circumstance(name, "numeric")
    if option.kind == "unordered":
        return Circumstance(name, "unordered")
    order = option.order
    if order is None and name in survey.value_label_order:
        order = tuple(code_key(level) for level in survey.value_label_order[name])
    if order is None:
        raise CliError(
            f"The ordered circumstance {name!r} needs its level order: give --order "
            f"{name}=LOWEST,...,HIGHEST (the file has no value labels for it)."
        )
    series = frame[name]
    if isinstance(series.dtype, pd.CategoricalDtype):
        keys = [code_key(level) for level in series.cat.categories]
        if len(set(keys)) == len(keys):  # rename the levels, keep the codes
            frame[name] = series.cat.rename_categories(keys)
            return Circumstance(name, "ordered", order)
    unique = pd.unique(series.dropna())
    frame[name] = series.astype(object).map({value: code_key(value) for value in unique})
    return Circumstance(name, "ordered", order)


def levels_used(series: pd.Series, spec: Circumstance) -> tuple[str, ...]:
    """The levels present in the analysed rows, as the portal stores them with a run: an
    ordered circumstance's in its order, an unordered one's sorted; none for a numeric one."""
    if spec.kind == "numeric":
        return ()
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = np.asarray(series.cat.codes)
        present = np.bincount(codes[codes >= 0], minlength=len(series.cat.categories)) > 0
        values = series.cat.categories[present]
    else:
        values = pd.unique(series.dropna())
    observed = {
        value.strip() if isinstance(value, str) else code_key(value) for value in values
    } - {""}
    if spec.kind == "ordered" and spec.order:
        return tuple(str(level) for level in spec.order if str(level) in observed)
    return tuple(sorted(observed))


def _jsonable(value: Any) -> Any:
    """numpy scalars as Python numbers and NaN/inf as null, so the output is strict JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def render(report: Report, output_format: str) -> str:
    """The report as the command prints it (JSON or text), without the final newline."""
    if output_format == "json":
        return json.dumps(_jsonable(report.to_dict()), indent=2, allow_nan=False)
    return report.to_text()


def run(
    options: dict[str, Any],
    stderr: TextIO | None = None,
    *,
    prefetched: Future | None = None,
    digest: Future | None = None,
) -> Report:
    """Read, prepare and analyse as ``options`` (the parsed options) say; notes go to
    ``stderr``. Raises :class:`CliError` for any mistake a person can fix."""
    try:
        return _run(options, stderr, prefetched, digest)
    except (SurveyFileError, EngineError) as exc:
        raise CliError(str(exc)) from exc


def _header(source: Path) -> tuple[list[str], bool]:
    """The column names of the file, and whether it is a CSV (read by the fast reader)."""
    try:
        is_csv = _resolve_format(source, None) == "csv"
    except SurveyFileError:
        is_csv = False
    if is_csv and source.is_file() and source.stat().st_size > 0:
        header, _ = csv_header(source)
        return header, True
    header, _, _ = read_survey_metadata(source)
    return header, False


def _run(
    options: dict[str, Any],
    stderr: TextIO | None,
    prefetched: Future | None,
    digest: Future | None,
) -> Report:
    _check_numbers(options)
    source = Path(options["datafile"])
    circumstances = parse_circumstances(
        options["circumstance"], options["order"], options.get("level") or ()
    )
    outcome, weight, where = options["outcome"], options["weight"], options["where"]

    header, is_csv = _header(source)
    roles = [(outcome, "--outcome")]
    roles += [(option.name, "--circumstance") for option in circumstances]
    if weight:
        roles.append((weight, "--weight"))
    cluster, strata = options.get("cluster"), options.get("strata")
    if cluster:
        roles.append((cluster, "--cluster"))
    if strata:
        roles.append((strata, "--strata"))
    for name, role in roles:
        if name not in header:
            raise CliError(missing_column_message(name, role, header, source.name))
    needed = list(dict.fromkeys(name for name, _ in roles))
    if where:
        needed += [name for name in header if name in where_identifiers(where)]
        needed = list(dict.fromkeys(needed))

    # The file's hash is computed while it is read (hashlib and pyarrow release the GIL).
    # The file's hash is computed while it is read (hashlib and pyarrow release the GIL).
    with ThreadPoolExecutor(max_workers=1) as pool:
        if digest is None:
            digest = pool.submit(file_sha256, source)
        if is_csv:
            coded = [option.name for option in circumstances if option.kind != "numeric"]
            survey, _reader = read_needed_columns(
                source,
                needed,
                dictionary=[*coded, outcome],
                types={
                    **{o.name: "number" if o.kind == "numeric" else "text" for o in circumstances},
                    **({weight: "number"} if weight else {}),
                },
                prefetched=prefetched.result() if prefetched is not None else None,
            )
        else:
            survey = read_survey(source, columns=needed)
        sha256 = digest.result()
    for message in survey.messages:
        if stderr is not None:
            stderr.write(f"Note: {message}\n")
    frame = survey.frame
    rows_read = len(frame)
    design_columns = [c for c in (cluster, strata) if c]
    # The design of every row read: --where selects a domain of the sample, and PSUs
    # without selected rows still count in the variance (as R survey's subset does).
    design_sample = frame[design_columns].dropna() if design_columns and where else None
    if where:
        frame = _apply_where(frame, where, header)
    frame = frame.copy(deep=False)  # copy-on-write: the recoding below copies columns

    positive = options["positive"]
    if positive:
        labels = survey.value_labels.get(outcome, {})
        frame[outcome] = binary_outcome(frame[outcome], positive, labels)
    else:
        frame[outcome] = numeric_outcome(frame[outcome])
    specs = [engine_circumstance(option, survey, frame) for option in circumstances]

    result = analyse(
        frame,
        outcome=outcome,
        circumstances=specs,
        weight=weight,
        weight_divisor=options["weight_divisor"],
        barrier=options["barrier"],
        minbucket=options["min_leaf"],
        minbucket_divisor=options["minbucket_divisor"],
        cp=options["cp"],
        max_depth=options["max_depth"],
        missing_circumstance=options["missing"],
        shapley=options["shapley"],
        cluster=cluster,
        strata=strata,
        uncertainty=not options.get("no_intervals"),
        replicates=options.get("replicates") or DEFAULT_REPLICATES,
        seed=DEFAULT_SEED if options.get("seed") is None else options["seed"],
        lonely_psu=options.get("lonely_psu") or "adjust",
        design_sample=design_sample,
    )
    return Report(
        result=result,
        specs=tuple(specs),
        levels=tuple(levels_used(frame[spec.name], spec) for spec in specs),
        positive=tuple(positive) if positive else None,
        weight=weight,
        weight_divisor=options["weight_divisor"],
        file_name=source.name,
        sha256=sha256,
        source_format=survey.source_format,
        rows_read=rows_read,
        where=where,
        rows_selected=len(frame),
        messages=survey.messages,
    )


def _check_numbers(options: dict[str, Any]) -> None:
    divisor = options["weight_divisor"]
    if not (math.isfinite(divisor) and divisor > 0):
        raise CliError(f"--weight-divisor must be a positive number, not {divisor:g}.")
    bucket_divisor = options["minbucket_divisor"]
    if not (math.isfinite(bucket_divisor) and bucket_divisor > 0):
        raise CliError(f"--minbucket-divisor must be a positive number, not {bucket_divisor:g}.")
    if (options.get("replicates") or DEFAULT_REPLICATES) < 2:
        raise CliError("--replicates must be at least 2.")
    if options["min_leaf"] is not None and options["min_leaf"] < 1:
        raise CliError("--min-leaf must be at least 1 row.")
    if options["max_depth"] is not None and options["max_depth"] < 0:
        raise CliError("--max-depth must be 0 or more (the root has depth 0).")
    cp = options["cp"]
    if cp is not None and not (math.isfinite(cp) and cp >= 0):
        raise CliError(f"--cp must be a number of at least 0, not {cp:g}.")


def _apply_where(frame: pd.DataFrame, where: str, header: Sequence[str]) -> pd.DataFrame:
    """The rows of the reference population; a bad expression is a CliError."""
    try:
        # DataFrame.query's evaluation, with the result checked to be a row condition first.
        # Categorical columns (the fast CSV reader's) are compared as text, as pandas reads them.
        named = where_identifiers(where)
        coded = [
            c
            for c in frame.columns
            if c in named and isinstance(frame[c].dtype, pd.CategoricalDtype)
        ]
        mask = (frame.astype({c: object for c in coded}) if coded else frame).eval(where)
    except Exception as exc:  # pandas raises many unrelated types for a bad expression
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        unknown = sorted(
            name
            for name in where_identifiers(where)
            if name not in header and not keyword.iskeyword(name)
        )
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, list(header), n=3, cutoff=0.6)
            if close:
                hints.append(f"{name!r}: did you mean {' or '.join(repr(c) for c in close)}?")
        hint = f" ({'; '.join(hints)})" if hints else ""
        raise CliError(f"--where {where!r} could not be applied: {reason}{hint}") from exc
    if not isinstance(mask, pd.Series) or not pd.api.types.is_bool_dtype(mask.dtype):
        raise CliError(
            f"--where {where!r} must be a true/false condition on the rows, "
            'e.g. "hv025 == \'Urban\'" or "v012 >= 20".'
        )
    selected = frame[mask.fillna(False).astype(bool)]
    if selected.empty:
        raise CliError(f"--where {where!r} leaves no rows of the {len(frame)} read.")
    return selected


@dataclass(frozen=True)
class Report:
    """A result with what is needed to reproduce it: the options and the file it came from."""

    result: AnalysisResult
    specs: tuple[Circumstance, ...]
    levels: tuple[tuple[str, ...], ...]
    positive: tuple[str, ...] | None
    weight: str | None
    weight_divisor: float
    file_name: str
    sha256: str
    source_format: str
    rows_read: int
    where: str | None
    rows_selected: int
    messages: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """``result_to_dict`` plus the analysis set-up and the ``source`` block."""
        result = self.result
        data = result_to_dict(result)
        data["d_on_complement"] = result.d_on_complement
        # The portal's key (analysis.bridge); before 2026-11 the CLI wrote it as
        # "single_circumstance_d".
        data["single_d"] = dict(result.single_circumstance_d)
        data["outcome"] = {
            "column": result.outcome,
            "positive": list(self.positive) if self.positive else None,
        }
        data["circumstances"] = [
            {"name": s.name, "kind": s.kind, "order": list(levels)}
            for s, levels in zip(self.specs, self.levels, strict=True)
        ]
        data["weight"] = {"column": self.weight, "divisor": self.weight_divisor}
        # The portal's key (analysis.bridge): cells the outcome rule recoded other than by
        # their own value. ``--positive`` keeps every blank and declared missing code
        # missing, so the CLI recodes nothing.
        data["outcome_recoding"] = []
        data["source"] = {
            "file": self.file_name,
            "sha256": self.sha256,
            "format": self.source_format,
            "rows_read": self.rows_read,
            "where": self.where,
            "rows_selected": self.rows_selected,
            "messages": list(self.messages),
        }
        return data

    def to_text(self) -> str:
        """The tree as ``tree_to_text`` prints it, then a summary block at full precision."""
        result = self.result
        dropped = result.dropped
        lines = [
            f"File: {self.file_name} (sha256 {self.sha256[:12]}…), {self.rows_read} rows read"
            + (f"; where {self.where}: {self.rows_selected} rows" if self.where else ""),
            "",
            tree_to_text(result),
            "",
            "Summary",
            f"  n (rows used)      {result.n}",
            f"  dropped rows       {dropped.missing_outcome} missing outcome, "
            f"{dropped.missing_weight} missing weight, "
            f"{dropped.missing_circumstance} missing circumstance" + _missing_note(result),
            f"  weighted n         {result.weighted_n:.6g}",
            f"  mean               {result.mean:.6f}",
            _leaf_line("furthest behind", result.furthest_behind),
            _leaf_line("furthest ahead", result.furthest_ahead),
            f"  gap                {result.gap:.6f}"
            if result.gap is not None
            else "  gap                none (no groups to compare)",
        ]
        if result.d_index is not None and result.hoi is not None:
            on = "  (on the complement 1 - y)" if result.d_on_complement else ""
            lines.append(f"  D-index            {result.d_index:.6f}{on}")
            lines.append(f"  HOI                {result.hoi:.6f}")
        else:
            lines.append("  D-index, HOI       not computed")
        lines.append(f"  rows used for D    {result.n_used_for_d}")
        if result.kept_missing_every_circumstance:
            lines.append(
                f"  kept, missing all  {result.kept_missing_every_circumstance} (rows missing "
                "every circumstance, kept as weighted rpart keeps them; majority direction)"
            )
        lines += _interval_lines(result)
        if result.shapley:
            width = max(len(share.circumstance) for share in result.shapley)
            lines += [
                "",
                "Shapley decomposition of D",
                f"  {'circumstance':{width}}  value     share    D alone",
            ]
            alone = result.single_circumstance_d
            for share in result.shapley:
                single = alone.get(share.circumstance)
                lines.append(
                    f"  {share.circumstance:{width}}  {share.value:.6f}  {share.share:6.2%}  "
                    + ("" if single is None else f"{single:.6f}")
                )
        return "\n".join(lines)


def _interval_lines(result: AnalysisResult) -> list[str]:
    """95% intervals of the mean, every leaf, the gap, D and HOI (empty without intervals)."""
    info = result.uncertainty
    if info is None:
        return []
    design = info.design
    if design.method == "iid":
        how = f"Note: {IID_NOTE}."
    else:
        how = (
            f"Design: cluster {design.cluster_column or '-'}, strata {design.strata_column or '-'}"
            f" ({design.n_psu} PSUs in {design.n_strata} strata, lonely PSU: "
            f"{design.lonely_psu}); Taylor linearisation."
        )
    boot = info.bootstrap
    lines = [
        "",
        "95% intervals",
        f"  {how}",
        f"  D and HOI: Rao-Wu bootstrap, {boot.replicates if boot else 0} replicates, "
        f"seed {boot.seed if boot else '-'}.",
        f"  mean               [{info.mean.low:.6f}, {info.mean.high:.6f}]",
    ]
    for node in result.tree.leaves:
        item = info.node(node.id)
        flag = f"  <- {OVERLAP_NOTE}" if item.overlaps_sibling else ""
        lines.append(
            f"  leaf {node.id:<13} [{item.interval.low:.6f}, {item.interval.high:.6f}]"
            f"  (mean {node.mean:.6f}, se {item.interval.se:.6f}){flag}"
        )
    if info.gap is not None:
        lines.append(f"  gap                [{info.gap.low:.6f}, {info.gap.high:.6f}]")
    if info.d_index is not None and info.hoi is not None:
        lines.append(f"  D-index            [{info.d_index[0]:.6f}, {info.d_index[1]:.6f}]")
        lines.append(f"  HOI                [{info.hoi[0]:.6f}, {info.hoi[1]:.6f}]")
    return lines


def _missing_note(result: AnalysisResult) -> str:
    """What the policy did with rows missing a circumstance, for the summary's dropped line."""
    policy = result.missing_policy
    if policy == "surrogate":
        return " (--missing surrogate: only rows missing every circumstance, unweighted)"
    if policy == "level":
        return " (--missing level: a numeric circumstance)"
    return " (--missing drop: any circumstance)"


def _leaf_line(title: str, leaf: LeafProfile | None) -> str:
    if leaf is None:
        return f"  {title:<18} none (the tree has no split)"
    path = " & ".join(leaf.path_labels)
    return (
        f"  {title:<18} node {leaf.node}: mean {leaf.mean:.6f}, share {leaf.share:.6f}, "
        f"n {leaf.n}\n  {'':<18} {path}"
    )
