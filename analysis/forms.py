"""Forms for survey analysis: upload a survey file; define an indicator and start a run.

:class:`RunForm` edits an :class:`~analysis.indicators.IndicatorDefinition` field by field,
so an analyst never reads or writes JSON: a reference population of up to four conditions
(plus an optional pandas query), the outcome rule, opportunity or barrier, the sample weight,
up to eight circumstances with their level order and recode (one line per
``source values → level``), and the region column. The definition as JSON stays available as
an advanced alternative; the fields win unless the analyst ticks "use the JSON".
"""

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analysis.indicators import (
    ESCAP_PRESETS,
    RESERVED_COLUMNS,
    Band,
    CircumstanceSpec,
    Condition,
    IndicatorDefinition,
    IndicatorError,
    OutcomeRule,
)
from analysis.surveyio import value_key

from .models import Dataset


class DatasetUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Survey file"),
        help_text=_(
            "CSV, Excel (.xlsx), Stata (.dta) or SPSS (.sav), up to 2 GB. DHS and MICS "
            "files keep their value labels as level names."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    survey_kind = forms.ChoiceField(label=_("Survey programme"), choices=Dataset.Kind.choices)
    survey_round = forms.CharField(label=_("Survey round (year)"), max_length=20)
    unit = forms.CharField(
        label=_("What one row is"),
        max_length=100,
        required=False,
        help_text=_("e.g. household (HR), woman 15–49 (IR), child under 5 (KR)."),
    )
    country = forms.ChoiceField(label=_("Country"))

    def __init__(self, *args, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [(c, c) for c in sorted(countries)]


#: Rows of the structured editor: ESCAP filters use at most two conditions and at most eight
#: circumstances (more make the cross-classification behind D too sparse).
POPULATION_ROWS = 4
MAX_CIRCUMSTANCES = 8
MIN_CIRCUMSTANCE_ROWS = 3
MORE_CIRCUMSTANCE_ROWS = 2

_ARROW = re.compile(r"\s*(?:→|->|=>)\s*")
_RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+to\s+(-?\d+(?:\.\d+)?)\s*$", re.IGNORECASE)
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?$")
_CONDITION = re.compile(
    r"^\s*(?P<column>[^\s=!<>]+)\s*"
    r"(?P<op>==|!=|<=|>=|<|>|not in\b|in\b|between\b|is not missing\b)\s*(?P<value>.*?)\s*$",
    re.IGNORECASE,
)
# An IndicatorError's field path: "outcome.threshold", "circumstances[2].order",
# "population_filter[0].value", "outcome.zero_when[0][1].column", "query".
_FIELD_PATH = re.compile(
    r"^(?P<head>[a-z_]+)(?:\[(?P<index>\d+)\])?(?:\[\d+\])*(?:\.(?P<rest>.*))?$"
)
_TOP_FIELDS = frozenset(
    {"name", "query", "weight_column", "weight_divisor", "region_column", "cluster_column"}
    | {"strata_column"}
)
_OUTCOME_FIELDS = {
    "column": "outcome_column",
    "kind": "outcome_kind",
    "positive_values": "outcome_values",
    "negative_values": "outcome_values",
    "missing_values": "outcome_missing",
    "any_of_columns": "outcome_any_of",
    "zero_when": "outcome_zero_when",
    "blank_as": "outcome_blank",
    "declared_missing_as": "outcome_declared",
    "threshold": "outcome_threshold",
    "direction": "outcome_direction",
    "valid_min": "outcome_valid_min",
    "valid_max": "outcome_valid_max",
}
_CONDITION_FIELDS = {"column": "column", "op": "op", "value": "value"}
_CIRCUMSTANCE_FIELDS = {
    "name": "name",
    "column": "column",
    "kind": "kind",
    "order": "order",
    "recode": "recode",
    "bands": "recode",
    "other_level": "other",
    "missing_level": "missing",
}


def field_for_path(
    path: str,
    *,
    population_rows: Sequence[int] = (),
    circumstance_rows: Sequence[int] = (),
) -> str | None:
    """The editor field an IndicatorError's ``field`` path is about, or None (the form as a
    whole). ``population_rows`` and ``circumstance_rows`` give the form row of each condition
    and circumstance of the definition (blank rows are skipped, so they can differ)."""
    match = _FIELD_PATH.match(path or "")
    if not match:
        return None
    head, index, rest = match["head"], match["index"], (match["rest"] or "")
    first = rest.split(".", 1)[0].split("[", 1)[0]
    if head in _TOP_FIELDS and index is None:
        return head
    if head == "outcome":
        return _OUTCOME_FIELDS.get(first, "outcome_column")
    rows, prefix, names, default = {
        "population_filter": (population_rows, "population", _CONDITION_FIELDS, "value"),
        "circumstances": (circumstance_rows, "circumstance", _CIRCUMSTANCE_FIELDS, "recode"),
    }.get(head, ((), "", {}, ""))
    if not prefix or index is None:
        return None
    row = rows[int(index)] if int(index) < len(rows) else int(index)
    return f"{prefix}_{row}_{names.get(first, default)}"


def indicator_message(error: IndicatorError) -> str:
    """An IndicatorError's message in the active language."""
    return error.translated(gettext)


def parse_value(text: str) -> int | float | str:
    """A value typed by a person: ``1`` → 1, ``1.5`` → 1.5, ``"Yes"`` or ``Yes`` → "Yes"."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if _INTEGER.match(text):
        return int(text)
    if _DECIMAL.match(text):
        return float(text)
    return text


def parse_values(text: str) -> list[int | float | str]:
    """A comma-separated list of values, blanks ignored: ``"1, 2, Yes"`` → [1, 2, "Yes"]."""
    return [parse_value(part) for part in (text or "").split(",") if part.strip()]


def format_values(values: Sequence[Any]) -> str:
    """The inverse of :func:`parse_values` (codes written as 1, not 1.0)."""
    return ", ".join(value if isinstance(value, str) else value_key(value) for value in values)


def _number(text: str) -> int | float:
    value = parse_value(text)
    if isinstance(value, str):
        raise ValueError(text)
    return value


def parse_recode(text: str) -> tuple[dict[str, str], tuple[Band, ...]]:
    """Recode lines ``source values → level`` into a recode or, for ``low to high → level``
    lines, into numeric bands. Raises ValidationError naming the line that does not parse."""
    recode: dict[str, str] = {}
    bands: list[Band] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = _ARROW.split(line.strip(), maxsplit=1)
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise forms.ValidationError(
                _(
                    "Line %(n)s (“%(line)s”) is not “source values → level”. Write e.g. "
                    "“1, 2 → Bottom 40%%” or, for a range of numbers, “15 to 24 → 15-24”."
                )
                % {"n": number, "line": line.strip()}
            )
        source, level = parts[0].strip(), parts[1].strip()
        band = _RANGE.match(source)
        if band:
            try:
                bands.append(Band(level, _number(band[1]), _number(band[2])))
            except IndicatorError as exc:
                raise forms.ValidationError(
                    _("Line %(n)s: %(problem)s") % {"n": number, "problem": indicator_message(exc)}
                ) from exc
            continue
        for value in parse_values(source):
            key = value_key(value)
            if key in recode and recode[key] != level:
                raise forms.ValidationError(
                    _("Line %(n)s: %(value)s is already recoded to “%(level)s” on an earlier line.")
                    % {"n": number, "value": key, "level": recode[key]}
                )
            recode[key] = level
    if recode and bands:
        raise forms.ValidationError(
            _(
                "Use either value lines (“1, 2 → Bottom 40%”) or range lines (“15 to 24 → "
                "15-24”) for one circumstance, not both."
            )
        )
    return recode, tuple(bands)


def format_recode(spec: CircumstanceSpec) -> str:
    """The recode or bands of a circumstance as the lines :func:`parse_recode` reads."""
    if spec.bands:
        return "\n".join(
            f"{format_values([b.minimum])} to {format_values([b.maximum])} → {b.label}"
            for b in spec.bands
        )
    sources: dict[str, list[str]] = {}
    for source, level in spec.recode:
        sources.setdefault(level, []).append(source)
    return "\n".join(f"{', '.join(keys)} → {level}" for level, keys in sources.items())


def condition_value(op: str, text: str) -> Any:
    """The value of a condition typed as text, for the operator ``op``."""
    if op in ("in", "not in"):
        return parse_values(text)
    if op == "between":
        return parse_values(re.sub(r"\s+(?:and|to)\s+", ",", text.strip(), flags=re.IGNORECASE))
    if op == "notnull":
        return None
    return parse_value(text) if text.strip() else None


def format_condition_value(condition: Condition) -> str:
    """The value of a condition as :func:`condition_value` reads it back."""
    if condition.value is None:
        return ""
    if isinstance(condition.value, tuple):
        return format_values(condition.value)
    return format_values([condition.value])


def parse_condition_lines(text: str) -> tuple[tuple[Condition, ...], ...]:
    """Lines of conditions joined by "and" (``hv204 >= 30 and hv204 != 996``), one group a
    line. Raises ValidationError naming the part that does not parse."""
    groups = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = re.split(r"\s+and\s+", line.strip(), flags=re.IGNORECASE)
        conditions = []
        while parts:
            part = parts.pop(0)
            match = _CONDITION.match(part)
            if match and match["op"].lower() == "between" and "," not in match["value"] and parts:
                part, match = f"{part}, {parts[0]}", _CONDITION.match(f"{part}, {parts.pop(0)}")
            if not match:
                raise forms.ValidationError(
                    _(
                        "Line %(n)s: “%(part)s” is not a condition. Write “column operator "
                        "value”, e.g. “hv204 >= 30”; join conditions with “and”."
                    )
                    % {"n": number, "part": part}
                )
            op = match["op"].lower()
            op = "notnull" if op == "is not missing" else op
            value = condition_value(op, match["value"].strip("[] "))
            try:
                conditions.append(Condition(match["column"], op, value))
            except IndicatorError as exc:
                raise forms.ValidationError(
                    _("Line %(n)s: %(problem)s") % {"n": number, "problem": indicator_message(exc)}
                ) from exc
        groups.append(tuple(conditions))
    return tuple(groups)


def format_condition_lines(groups: Sequence[Sequence[Condition]]) -> str:
    """The inverse of :func:`parse_condition_lines`."""

    def text(condition: Condition) -> str:
        if condition.op == "notnull":
            return f"{condition.column} is not missing"
        if condition.op == "between":
            low, high = condition.value
            return f"{condition.column} between {format_values([low])} and {format_values([high])}"
        return f"{condition.column} {condition.op} {format_condition_value(condition)}"

    return "\n".join(" and ".join(text(c) for c in group) for group in groups)


class RunForm(forms.Form):
    """Start a run: an indicator definition, edited field by field (or as JSON), and the
    engine's options.

    ``columns`` is the dataset's column profile and ``value_labels`` its value-label tables
    (code → name), which offer the outcome's levels as checkboxes. ``definition_start`` fills
    the fields of an unbound form from a definition (an ESCAP preset). After validation
    ``cleaned_data["definition"]`` holds the definition as :meth:`IndicatorDefinition.to_dict`
    returns it.
    """

    preset = forms.ChoiceField(label=_("Indicator"), required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Indicator name"),
        max_length=200,
        required=False,
        help_text=_("Shown on the results and the group pages, e.g. “Access to electricity”."),
    )
    query = forms.CharField(
        label=_("Extra condition (pandas query, optional)"),
        required=False,
        help_text=_("For conditions the rows above cannot say, e.g. “v012 >= 20 | v501 == 1”."),
    )
    outcome_column = forms.CharField(label=_("Outcome column"), required=False)
    outcome_levels_column = forms.CharField(required=False, widget=forms.HiddenInput)
    outcome_kind = forms.ChoiceField(
        required=False,
        label=_("Kind of outcome"),
        choices=[
            ("binary", _("Coded answers: some values count as 1, the others as 0")),
            ("numeric", _("A number, used as it is or turned into 0/1 by a threshold")),
        ],
        initial="binary",
        widget=forms.RadioSelect,
    )
    outcome_values = forms.MultipleChoiceField(
        label=_("Values that count as 1"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    outcome_values_other = forms.CharField(
        label=_("Other values that count as 1 (typed)"),
        required=False,
        help_text=_("Comma-separated codes or level names, e.g. “1” or “11, 12, 13”."),
    )
    outcome_values_mean = forms.ChoiceField(
        required=False,
        label=_("The values chosen above"),
        choices=[
            ("positive", _("count as 1; every other answer counts as 0")),
            ("negative", _("count as 0; every other answer counts as 1")),
        ],
        initial="positive",
        widget=forms.RadioSelect,
        help_text=_(
            "ESCAP lists the unimproved codes for water and sanitation: choose “count as 0”."
        ),
    )
    outcome_any_of = forms.CharField(
        label=_("Also read these columns (optional)"),
        required=False,
        help_text=_(
            "Comma-separated columns coded the same way; the outcome is 1 when any of them "
            "is, e.g. “m3b, m3c” for skilled attendance."
        ),
    )
    outcome_missing = forms.CharField(
        label=_("Values that mean missing (optional)"),
        required=False,
        help_text=_("Comma-separated, e.g. “8, 9” (don't know, missing). These rows are left out."),
    )
    outcome_blank = forms.ChoiceField(
        required=False,
        label=_("A blank answer"),
        choices=[
            ("missing", _("is missing (the row is left out)")),
            ("negative", _("counts as 0")),
        ],
        initial="missing",
    )
    outcome_declared = forms.ChoiceField(
        required=False,
        label=_("A code the file declares missing (SPSS user-missing, Stata .a–.z)"),
        choices=[
            ("missing", _("is missing, even when a blank counts as 0")),
            ("negative", _("counts as 0 (only if the survey's guide says so)")),
        ],
        initial="missing",
        help_text=_(
            "E.g. a guide that counts “don't know” as “no” when the file declares "
            "“don't know” missing. The run page says how many answers were recoded."
        ),
    )
    outcome_threshold = forms.FloatField(
        label=_("Threshold (numeric outcome, optional)"),
        required=False,
        help_text=_("Empty: the number itself is the outcome."),
    )
    outcome_direction = forms.ChoiceField(
        label=_("The outcome is 1 when the value is"),
        required=False,
        choices=[
            ("", "—"),
            ("below", _("below the threshold")),
            ("at_or_below", _("at or below the threshold")),
            ("above", _("above the threshold")),
            ("at_or_above", _("at or above the threshold")),
        ],
    )
    outcome_valid_min = forms.FloatField(
        label=_("Lowest valid value (optional)"),
        required=False,
        help_text=_("Values outside the valid range are missing, e.g. DHS z-scores -600 to 600."),
    )
    outcome_valid_max = forms.FloatField(label=_("Highest valid value (optional)"), required=False)
    outcome_zero_when = forms.CharField(
        label=_("Also counts as 0 when (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_(
            "One rule a line; conditions joined by “and”, e.g. “hv204 >= 30 and hv204 != 996” "
            "(water more than 30 minutes away). Operators: == != < <= > >= in, not in, between, "
            "is not missing."
        ),
    )
    barrier = forms.ChoiceField(
        required=False,
        label=_("A high value is"),
        choices=[
            ("opportunity", _("good: an opportunity (access to electricity, education)")),
            ("barrier", _("bad: a barrier (stunting, violence)")),
        ],
        initial="opportunity",
        widget=forms.RadioSelect,
    )
    weight_column = forms.CharField(
        label=_("Sample weight column"),
        required=False,
        help_text=_("DHS hv005/v005, MICS hhweight/wmweight/chweight. Empty: unweighted."),
    )
    weight_divisor = forms.FloatField(
        label=_("Divide the weights by"),
        required=False,
        initial=1,
        help_text=_("DHS stores weights multiplied by 1,000,000: enter 1000000. MICS: 1."),
    )
    circumstance_rows = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_CIRCUMSTANCES, widget=forms.HiddenInput
    )
    region_column = forms.CharField(
        label=_("Region column (for one run per region)"),
        required=False,
        help_text=_("DHS hv024/v024, MICS HH7."),
    )
    cluster_column = forms.CharField(
        label=_("Cluster (primary sampling unit) column"),
        required=False,
        help_text=_(
            "For standard errors and intervals: DHS hv021 (household files) or v021 (women, "
            "children), MICS PSU. Empty: intervals assume independent rows."
        ),
    )
    strata_column = forms.CharField(
        label=_("Strata column"),
        required=False,
        help_text=_("DHS hv022 or v022, MICS stratum. Empty: one stratum."),
    )
    use_json = forms.BooleanField(
        label=_("Use the JSON below instead of the fields above"),
        required=False,
    )
    definition = forms.CharField(
        label=_("Definition (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=_(
            "The whole definition, filled in from the indicator you chose. It is used only when "
            "the box above is ticked, or when the fields above are left empty."
        ),
    )
    subnational = forms.BooleanField(
        label=_("Also run for each region"),
        required=False,
        help_text=_("One tree per region, besides the national tree."),
    )
    shapley = forms.BooleanField(
        label=_("Shapley decomposition of D"), required=False, initial=True
    )
    minbucket_rule = forms.TypedChoiceField(
        label=_("ESCAP's minimum leaf rule"),
        choices=[
            ("11", _("N/11: the standard rule")),
            ("19", _("N/19: religion, ethnicity or caste are circumstances")),
        ],
        coerce=int,
        initial="11",
        required=False,
        help_text=_(
            "Minimum leaf = the larger of 49 and N divided by this, with N the rows of each "
            "tree: every regional tree computes its own."
        ),
    )
    min_leaf = forms.IntegerField(
        label=_("Minimum leaf size (rows)"),
        required=False,
        min_value=1,
        help_text=_("Empty: ESCAP's rule above. A number here applies to every tree of the batch."),
    )
    max_depth = forms.IntegerField(
        label=_("Maximum depth"),
        required=False,
        min_value=1,
        max_value=10,
        help_text=_("Empty: 6, as ESCAP."),
    )
    cp = forms.FloatField(
        label=_("Complexity parameter"),
        required=False,
        min_value=0,
        help_text=_("Empty: 1/N, as ESCAP."),
    )

    #: Fields holding a column name; checked against the dataset's columns.
    COLUMN_FIELDS = (
        "outcome_column",
        "weight_column",
        "region_column",
        "cluster_column",
        "strata_column",
    )

    def __init__(
        self,
        *args,
        survey_kind: str = "",
        columns: Sequence[Mapping[str, Any]] = (),
        value_labels: Mapping[str, Mapping[Any, str]] | None = None,
        definition_start: IndicatorDefinition | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        presets = [
            (slug, p.name)
            for slug, p in ESCAP_PRESETS.items()
            if not survey_kind or survey_kind == "other" or p.survey_kind == survey_kind
        ]
        self.fields["preset"].choices = [("", _("— custom definition —")), *presets]
        self.profile = {str(c["name"]): c for c in columns}
        self.value_labels = dict(value_labels or {})
        if definition_start is not None and not self.is_bound:
            self.initial.update(self._initial_from(definition_start))
        self.circumstance_count = self._circumstance_count()
        for index in range(POPULATION_ROWS):
            self._add_population_row(index)
        for index in range(self.circumstance_count):
            self._add_circumstance_row(index)
        for name in self.column_field_names:
            self.fields[name].widget = forms.Select(choices=self._column_choices(name))
        levels_column = self._value("outcome_levels_column") or self._value("outcome_column")
        self.fields["outcome_values"].choices = self.level_choices(levels_column)
        if not self.fields["outcome_values"].choices:
            self.fields["outcome_values_other"].label = _("Values that count as 1")

    # -- building the fields -----------------------------------------------------------------

    def _value(self, name: str) -> str:
        if self.is_bound:
            return (self.data.get(self.add_prefix(name)) or "").strip()
        return str(self.initial.get(name) or "").strip()

    def _circumstance_count(self) -> int:
        try:
            wanted = int(self._value("circumstance_rows") or 0)
        except ValueError:
            wanted = 0
        return max(MIN_CIRCUMSTANCE_ROWS, min(MAX_CIRCUMSTANCES, wanted))

    def _add_population_row(self, index: int) -> None:
        group = _("Condition %(n)s") % {"n": index + 1}
        self._add(f"population_{index}_column", forms.CharField(label=_("Column")), group)
        self._add(
            f"population_{index}_op",
            forms.ChoiceField(
                label=_("Operator"),
                choices=[
                    ("==", _("equals (==)")),
                    ("!=", _("differs from (!=)")),
                    ("in", _("is one of (in)")),
                    ("not in", _("is none of (not in)")),
                    ("<", _("below (<)")),
                    ("<=", _("at or below (<=)")),
                    (">", _("above (>)")),
                    (">=", _("at or above (>=)")),
                    ("between", _("between (inclusive)")),
                    ("notnull", _("is not missing")),
                ],
                initial="==",
            ),
            group,
        )
        self._add(
            f"population_{index}_value",
            forms.CharField(
                label=_("Value(s)"),
                help_text=_("“in”: a comma-separated list; “between”: two numbers, e.g. 20, 24."),
            ),
            group,
        )

    def _add_circumstance_row(self, index: int) -> None:
        group = _("Circumstance %(n)s") % {"n": index + 1}
        prefix = f"circumstance_{index}"
        self._add(
            f"{prefix}_name",
            forms.CharField(label=_("Name"), max_length=60, help_text=_("e.g. Wealth")),
            group,
        )
        self._add(f"{prefix}_column", forms.CharField(label=_("Column")), group)
        self._add(
            f"{prefix}_kind",
            forms.ChoiceField(
                label=_("Kind"),
                choices=[
                    ("unordered", _("unordered categories")),
                    ("ordered", _("ordered categories")),
                    ("numeric", _("numeric")),
                ],
                initial="unordered",
            ),
            group,
        )
        self._add(
            f"{prefix}_order",
            forms.CharField(
                label=_("Level order (ordered only)"),
                help_text=_("Lowest to highest, comma-separated: Lower, Secondary, Higher."),
            ),
            group,
        )
        self._add(
            f"{prefix}_recode",
            forms.CharField(
                label=_("Recode (optional)"),
                widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
                help_text=_(
                    "One line per level: “1, 2 → Bottom 40%” (codes or level names), or "
                    "“15 to 24 → 15-24” for a range of numbers. Empty: the column's own levels."
                ),
            ),
            group,
        )
        self._add(
            f"{prefix}_other",
            forms.CharField(
                label=_("Values the recode does not list become (optional)"),
                help_text=_("Empty: such values are an error."),
            ),
            group,
        )
        self._add(
            f"{prefix}_missing",
            forms.CharField(
                label=_("Missing values become (optional)"),
                help_text=_("Empty: rows with a missing value are left out."),
            ),
            group,
        )

    def _add(self, name: str, field: forms.Field, group: str) -> None:
        field.required = False
        field.group = group
        self.fields[name] = field

    @property
    def column_field_names(self) -> list[str]:
        names = list(self.COLUMN_FIELDS)
        names += [f"population_{i}_column" for i in range(POPULATION_ROWS)]
        names += [f"circumstance_{i}_column" for i in range(self.circumstance_count)]
        return names

    def _column_choices(self, name: str) -> list[tuple[str, str]]:
        choices = [("", "—")]
        for column, info in self.profile.items():
            label = info.get("label") or ""
            choices.append((column, f"{column} — {label}" if label else column))
        current = self._value(name)
        if current and current not in self.profile:
            if self.profile:
                choices.append((current, _("%(name)s (not in this file)") % {"name": current}))
            else:
                choices.append((current, current))
        return choices

    def level_choices(self, column: str) -> list[tuple[str, str]]:
        """The levels of a column as checkbox choices: codes with their labels, or the
        profiled levels of an unlabelled column."""
        info = self.profile.get(column)
        if not info:
            return []
        counts = {str(level["level"]): level["count"] for level in info.get("levels") or ()}
        labels = self.value_labels.get(column) or {}
        if labels:
            # Codes the file declares missing (8 "Don't know") are missing, never a level.
            declared = {value_key(item["code"]) for item in info.get("declared_missing") or ()}
            choices = []
            for code, label in labels.items():
                if value_key(code) in declared:
                    continue
                count = counts.get(str(label))
                shown = f"{value_key(code)} = {label}"
                choices.append((value_key(code), f"{shown} ({count})" if count else shown))
            return choices
        return [(level, f"{level} ({count})") for level, count in counts.items()]

    def _initial_from(self, definition: IndicatorDefinition) -> dict[str, Any]:
        outcome = definition.outcome
        values = outcome.negative_values or outcome.positive_values
        offered = {key for key, _label in self.level_choices(outcome.column)}
        ticked = [value_key(v) for v in values if value_key(v) in offered]
        initial: dict[str, Any] = {
            "name": definition.name,
            "query": definition.query or "",
            "outcome_column": outcome.column,
            "outcome_levels_column": outcome.column,
            "outcome_kind": outcome.kind,
            "outcome_values": ticked,
            "outcome_values_other": format_values(
                [v for v in values if value_key(v) not in offered]
            ),
            "outcome_values_mean": "negative" if outcome.negative_values else "positive",
            "outcome_any_of": ", ".join(outcome.any_of_columns),
            "outcome_missing": format_values(outcome.missing_values),
            "outcome_blank": outcome.blank_as,
            "outcome_declared": outcome.declared_missing_as,
            "outcome_threshold": outcome.threshold,
            "outcome_direction": outcome.direction or "",
            "outcome_valid_min": outcome.valid_min,
            "outcome_valid_max": outcome.valid_max,
            "outcome_zero_when": format_condition_lines(outcome.zero_when),
            "barrier": "barrier" if definition.barrier else "opportunity",
            "weight_column": definition.weight_column or "",
            "weight_divisor": definition.weight_divisor,
            "region_column": definition.region_column or "",
            "cluster_column": definition.cluster_column or "",
            "strata_column": definition.strata_column or "",
            "circumstance_rows": min(MAX_CIRCUMSTANCES, len(definition.circumstances) + 1),
        }
        for index, condition in enumerate(definition.population_filter[:POPULATION_ROWS]):
            initial[f"population_{index}_column"] = condition.column
            initial[f"population_{index}_op"] = condition.op
            initial[f"population_{index}_value"] = format_condition_value(condition)
        for index, spec in enumerate(definition.circumstances[:MAX_CIRCUMSTANCES]):
            prefix = f"circumstance_{index}"
            initial[f"{prefix}_name"] = spec.name
            initial[f"{prefix}_column"] = spec.column
            initial[f"{prefix}_kind"] = spec.kind
            initial[f"{prefix}_order"] = ", ".join(spec.order)
            initial[f"{prefix}_recode"] = format_recode(spec)
            initial[f"{prefix}_other"] = spec.other_level or ""
            initial[f"{prefix}_missing"] = spec.missing_level or ""
        return initial

    # -- what the template shows -------------------------------------------------------------

    def population_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "legend": _("Condition %(n)s") % {"n": i + 1},
                "fields": [self[f"population_{i}_{part}"] for part in ("column", "op", "value")],
            }
            for i in range(POPULATION_ROWS)
        ]

    def circumstance_fields(self) -> list[dict[str, Any]]:
        parts = ("name", "column", "kind", "order", "recode", "other", "missing")
        return [
            {
                "legend": _("Circumstance %(n)s") % {"n": i + 1},
                "fields": {part: self[f"circumstance_{i}_{part}"] for part in parts},
                "levels": self.levels_hint(self._value(f"circumstance_{i}_column")),
            }
            for i in range(self.circumstance_count)
        ]

    def levels_hint(self, column: str) -> str:
        """The codes and levels of a column, for writing its recode (“1 = Poorest, …”)."""
        choices = self.level_choices(column)
        if not choices:
            return ""
        shown = ", ".join(label for _code, label in choices[:12])
        more = " …" if len(choices) > 12 else ""
        return _("Values of %(column)s in this file: %(levels)s%(more)s") % {
            "column": column,
            "levels": shown,
            "more": more,
        }

    @property
    def can_add_circumstances(self) -> bool:
        return self.circumstance_count < MAX_CIRCUMSTANCES

    @property
    def uses_json(self) -> bool:
        """Whether the JSON textarea, not the fields, defines the indicator: the box is
        ticked, or only JSON was posted (API-like clients and older forms)."""
        if not self.is_bound:
            return False
        if self.data.get(self.add_prefix("use_json")) not in (None, "", "false", "0", "off"):
            return True
        filled = any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("name", "outcome_column")
        )
        return not filled and bool((self.data.get(self.add_prefix("definition")) or "").strip())

    # -- validation --------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.uses_json:
            data["definition"] = self._definition_from_json(data.get("definition") or "")
        else:
            data["definition"] = self._definition_from_fields(data)
        return data

    def _definition_from_json(self, text: str) -> dict | None:
        if not text.strip():
            self.add_error("definition", _("Paste a definition, or untick “use the JSON”."))
            return None
        try:
            return IndicatorDefinition.from_dict(json.loads(text)).to_dict()
        except json.JSONDecodeError as exc:
            self.add_error(
                "definition",
                _("The definition is not valid JSON (line %(line)s, column %(col)s).")
                % {"line": exc.lineno, "col": exc.colno},
            )
        except IndicatorError as exc:
            self.add_error("definition", indicator_message(exc))
        except (TypeError, KeyError, ValueError) as exc:
            self.add_error("definition", str(exc))
        return None

    def _check_column(self, field: str, column: str) -> bool:
        if not column or not self.profile or column in self.profile:
            return True
        names = list(self.profile)
        close = [n for n in names if n.casefold() == column.casefold()]
        close += difflib.get_close_matches(column, names, n=3)
        hint = (
            _("Did you mean %(names)s?") % {"names": ", ".join(dict.fromkeys(close))}
            if close
            else _("Choose one from the list of this file's columns.")
        )
        self.add_error(field, f"{_('This file has no column “%s”.') % column} {hint}")
        return False

    def _definition_from_fields(self, data: dict[str, Any]) -> dict | None:
        errors_before = len(self.errors)
        for name in self.column_field_names:
            self._check_column(name, data.get(name) or "")
        name = (data.get("name") or "").strip()
        if not name:
            self.add_error("name", _("Give the indicator a name, e.g. “Access to electricity”."))
        population = self._population(data)
        outcome = self._outcome(data)
        circumstances = self._circumstances(data)
        divisor = data.get("weight_divisor")
        if divisor is None:
            divisor = 1
        if divisor <= 0:
            self.add_error(
                "weight_divisor", _("Enter a positive number: 1000000 for DHS, 1 for MICS.")
            )
        if len(self.errors) > errors_before or outcome is None:
            return None
        preset = ESCAP_PRESETS.get(data.get("preset") or "")
        values: dict[str, Any] = {
            "name": name,
            "population_filter": population,
            "query": (data.get("query") or "").strip() or None,
            "outcome": outcome,
            "barrier": data.get("barrier") == "barrier",
            "weight_column": data.get("weight_column") or None,
            "weight_divisor": divisor,
            "circumstances": circumstances,
            "region_column": data.get("region_column") or None,
            "cluster_column": data.get("cluster_column") or None,
            "strata_column": data.get("strata_column") or None,
        }
        if preset:
            # What the fields do not show travels with the preset; an adjusted definition is
            # a new indicator, so it loses the preset's slug and its "verified" mark.
            values.update(
                description=preset.description,
                survey_kind=preset.survey_kind,
                source_table=preset.source_table,
                unit=preset.unit,
            )
        try:
            definition = IndicatorDefinition(**values)
            if preset:
                same = replace(definition, slug=preset.slug, verified=preset.verified)
                same = replace(same, notes=preset.notes)
                if same.to_dict() == preset.to_dict():
                    definition = same
                else:
                    definition = replace(
                        definition,
                        notes=_("Adjusted from the ESCAP indicator “%(name)s” (%(slug)s).")
                        % {"name": preset.name, "slug": preset.slug},
                    )
        except IndicatorError as exc:
            self.add_indicator_error(exc)
            return None
        return definition.to_dict()

    def _population(self, data: dict[str, Any]) -> tuple[Condition, ...]:
        conditions = []
        self.condition_form_rows: list[int] = []
        for index in range(POPULATION_ROWS):
            prefix = f"population_{index}"
            column = data.get(f"{prefix}_column") or ""
            op = data.get(f"{prefix}_op") or "=="
            text = data.get(f"{prefix}_value") or ""
            if not column and not text.strip():
                continue
            if not column:
                self.add_error(
                    f"{prefix}_column",
                    _("Choose the column this condition is on, or clear its value."),
                )
                continue
            if op not in ("notnull",) and not text.strip():
                self.add_error(
                    f"{prefix}_value",
                    _("Enter the value(s) to compare “%(column)s” with.") % {"column": column},
                )
                continue
            try:
                conditions.append(Condition(column, op, condition_value(op, text)))
                self.condition_form_rows.append(index)
            except IndicatorError as exc:
                field = f"{prefix}_{_CONDITION_FIELDS.get(exc.field, 'value')}"
                self.add_error(field, indicator_message(exc))
        return tuple(conditions)

    def _outcome(self, data: dict[str, Any]) -> OutcomeRule | None:
        column = data.get("outcome_column") or ""
        if not column:
            self.add_error("outcome_column", _("Choose the column the outcome is read from."))
            return None
        kind = data.get("outcome_kind") or "binary"
        ticked = [parse_value(v) for v in data.get("outcome_values") or ()]
        levels_column = self._value("outcome_levels_column")
        if ticked and levels_column and levels_column != column:
            self.add_error(
                "outcome_values",
                _(
                    "You changed the outcome column to “%(column)s”: press “Show this column's "
                    "levels” and tick the values that count as 1 again."
                )
                % {"column": column},
            )
            return None
        values = list(dict.fromkeys([*ticked, *parse_values(data.get("outcome_values_other"))]))
        negative = data.get("outcome_values_mean") == "negative"
        try:
            zero_when = parse_condition_lines(data.get("outcome_zero_when") or "")
        except forms.ValidationError as exc:
            self.add_error("outcome_zero_when", exc)
            return None
        for group in zero_when:
            for condition in group:
                if not self._check_column("outcome_zero_when", condition.column):
                    return None
        any_of = [c.strip() for c in (data.get("outcome_any_of") or "").split(",") if c.strip()]
        for other in any_of:
            if not self._check_column("outcome_any_of", other):
                return None
        threshold, direction = data.get("outcome_threshold"), data.get("outcome_direction") or None
        if kind == "binary":
            if not values:
                self.add_error(
                    "outcome_values",
                    _("Tick or type the values that count as 1 (or as 0, see below)."),
                )
                return None
            if threshold is not None or direction:
                self.add_error(
                    "outcome_threshold",
                    _("A threshold applies to a numeric outcome: choose “A number” above."),
                )
                return None
        elif values or any_of:
            self.add_error(
                "outcome_kind",
                _(
                    "A numeric outcome uses the numbers themselves; clear the values that count "
                    "as 1 and the extra columns, or choose “Coded answers”."
                ),
            )
            return None
        elif (threshold is None) != (direction is None):
            field = "outcome_direction" if threshold is not None else "outcome_threshold"
            self.add_error(
                field, _("Give both a threshold and whether the outcome is 1 below or above it.")
            )
            return None
        try:
            return OutcomeRule(
                column=column,
                kind=kind,
                positive_values=() if negative else tuple(values),
                negative_values=tuple(values) if negative else (),
                missing_values=tuple(parse_values(data.get("outcome_missing"))),
                any_of_columns=tuple(any_of),
                blank_as=data.get("outcome_blank") or "missing",
                declared_missing_as=data.get("outcome_declared") or "missing",
                threshold=threshold,
                direction=direction,
                valid_min=data.get("outcome_valid_min"),
                valid_max=data.get("outcome_valid_max"),
                zero_when=zero_when,
            )
        except IndicatorError as exc:
            self.add_error(field_for_path(exc.within("outcome").field), indicator_message(exc))
            return None

    def _circumstances(self, data: dict[str, Any]) -> tuple[CircumstanceSpec, ...]:
        specs: list[CircumstanceSpec] = []
        names: set[str] = set()
        self.circumstance_form_rows: list[int] = []
        for index in range(self.circumstance_count):
            prefix = f"circumstance_{index}"
            texts = {
                part: (data.get(f"{prefix}_{part}") or "").strip()
                for part in ("name", "column", "order", "recode", "other", "missing")
            }
            if not any(texts.values()):
                continue
            column, kind = texts["column"], data.get(f"{prefix}_kind") or "unordered"
            if not column:
                self.add_error(
                    f"{prefix}_column",
                    _("Choose the column of this circumstance, or clear the row."),
                )
                continue
            name = texts["name"] or column
            if name in names:
                self.add_error(
                    f"{prefix}_name",
                    _("Another circumstance is already called “%(name)s”; use another name.")
                    % {"name": name},
                )
                continue
            if name in RESERVED_COLUMNS:
                self.add_error(
                    f"{prefix}_name",
                    _("“%(name)s” is reserved; call it e.g. “%(name)s group”.") % {"name": name},
                )
                continue
            names.add(name)
            try:
                recode, bands = parse_recode(texts["recode"])
            except forms.ValidationError as exc:
                self.add_error(f"{prefix}_recode", exc)
                continue
            order = [level.strip() for level in texts["order"].split(",") if level.strip()]
            if kind == "numeric" and (recode or bands or order):
                self.add_error(
                    f"{prefix}_kind",
                    _(
                        "A numeric circumstance uses the numbers as they are: choose “ordered” "
                        "or “unordered” to recode it or give a level order."
                    ),
                )
                continue
            if kind == "ordered" and not order:
                self.add_error(
                    f"{prefix}_order",
                    _(
                        "An ordered circumstance needs its levels from lowest to highest, "
                        "comma-separated, e.g. “Bottom 40%, Top 60%”."
                    ),
                )
                continue
            try:
                spec = CircumstanceSpec(
                    name=name,
                    column=column,
                    kind=kind,
                    order=tuple(order),
                    recode=tuple(recode.items()),
                    bands=bands,
                    other_level=texts["other"] or None,
                    missing_level=texts["missing"] or None,
                )
            except IndicatorError as exc:
                field = field_for_path(f"circumstances[0].{exc.field}", circumstance_rows=[index])
                self.add_error(field, indicator_message(exc))
                continue
            unordered = [level for level in spec.output_levels() if order and level not in order]
            if unordered:
                self.add_error(
                    f"{prefix}_order",
                    _("Add %(levels)s to the level order: the recode produces them.")
                    % {"levels": ", ".join(f"“{level}”" for level in unordered)},
                )
                continue
            specs.append(spec)
            self.circumstance_form_rows.append(index)
        return tuple(specs)

    def add_indicator_error(self, error: Exception | str) -> None:
        """Attach an error (from the definition, or from applying it to the data) to the field
        it is about, by the IndicatorError's field path, or to the JSON when the JSON defines
        it. Other errors (a plain message) go to the form as a whole."""
        if isinstance(error, IndicatorError):
            message = indicator_message(error)
            field = field_for_path(
                error.field,
                population_rows=getattr(self, "condition_form_rows", ()),
                circumstance_rows=getattr(self, "circumstance_form_rows", ()),
            )
        else:
            message, field = str(error), None
        if self.uses_json:
            self.add_error("definition", message)
            return
        self.add_error(field, message)

    def engine_params(self) -> dict:
        data = self.cleaned_data
        params: dict = {}
        if data.get("minbucket_rule") == 19:
            params["minbucket_divisor"] = 19
        if data.get("min_leaf"):
            params["minbucket"] = data["min_leaf"]
            params["minsplit"] = 2 * data["min_leaf"]
        if data.get("max_depth"):
            params["max_depth"] = data["max_depth"]
        if data.get("cp") is not None:
            params["cp"] = data["cp"]
        return params


def preset_json(slug: str) -> str:
    preset = ESCAP_PRESETS.get(slug)
    return json.dumps(preset.to_dict(), indent=2, ensure_ascii=False) if preset else ""


def initial_from_post(data: Mapping[str, Any]) -> dict[str, Any]:
    """A posted run form as the initial values of an unbound one, to show it again (with more
    rows, or another column's levels) without errors for fields nobody has finished."""
    initial: dict[str, Any] = {}
    for key in data:
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        initial[key] = values if key == "outcome_values" else values[-1]
    for checkbox in ("subnational", "shapley", "use_json"):
        initial[checkbox] = checkbox in data
    return initial


class LeafLinkForm(forms.Form):
    """Link one leaf of a run to population groups (added to the leaf's earlier links)."""

    node = forms.TypedChoiceField(coerce=int, choices=())
    groups = forms.ModelMultipleChoiceField(queryset=None)

    def __init__(self, *args, leaf_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        from taxonomy.models import PopulationGroup

        self.fields["node"].choices = [(i, i) for i in leaf_ids]
        self.fields["groups"].queryset = PopulationGroup.objects.all()
