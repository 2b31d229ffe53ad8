"""Campaign exports for analysis: one row per story, one column per triad corner and per dyad
(named after the signifier), the versions of the questions each story answered, and a
codebook of every question, version, language and choice.

Two purposes, chosen on the export form and recorded in the audit log:

- ``working``: an RCO analyst's working file (RCO staff of the campaign's country only). No
  suppression: exact dates, every identity value, the source id and the story text (the
  teller consented to analysis).
- ``publication``: meant to be shared or published, and what everyone else receives. Identity
  and place values shared by fewer than ``common.suppression.min_count()`` exported stories
  are replaced by "(fewer than N)" with :func:`privacy.suppress_counts` (complementary
  suppression for single-valued columns); months instead of dates; no source id; text only
  where the teller agreed to quotation or publication.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.text import slugify

from common.suppression import min_count
from lnob_portal.exports import safe_cell

from .models import Narrative, Signifier, localised
from .privacy import suppress_counts

WORKING = "working"
PUBLICATION = "publication"
PURPOSES = (WORKING, PUBLICATION)


#: The fixed columns, with what they mean (the codebook's first rows).
BASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("story_id", "The portal's id of the story."),
    (
        "source_id",
        "Kobo meta/rootUuid or ODK meta-instanceID of an uploaded story; empty in "
        "publication exports.",
    ),
    ("channel", "form: portal form; public: public link; upload: partner upload."),
    ("instrument", "The instrument answered."),
    ("partner", "The partner organisation that collected the story."),
    ("language", "The language the story was told in."),
    ("submitted", "Date the story was stored (working) or its month (publication)."),
    ("review_status", "approved, on_hold, not_approved or pending."),
    ("location", "Place, at the level the campaign allows."),
    ("consent_version", "Version of the campaign's consent text agreed to."),
    ("consent_how", "self, verbal or written."),
    ("consent_analysis", "1 if the teller agreed to analysis."),
    ("consent_quotation", "1 if the teller agreed to be quoted anonymously."),
    ("consent_publication", "1 if the teller agreed to publication."),
    ("title", "Title of the story (publication: only with consent to quotation/publication)."),
    ("text", "The story (publication: only with consent to quotation/publication)."),
    ("groups", "Self-identified groups, separated by '; '."),
    ("age_band", "Self-reported age band."),
    ("sex", "Self-reported sex / gender."),
    ("disability_wg", "yes/no by the Washington Group cut-off; empty when not asked."),
)
#: Identity and place columns suppressed in publication exports.
SUPPRESSED = ("location", "age_band", "sex", "disability_wg")


def _slug(text: str, fallback: str) -> str:
    return slugify(text or "").replace("-", "_")[:40] or fallback


@dataclass(frozen=True)
class SignifierColumns:
    """The data columns of one question, in the order they appear."""

    signifier: Signifier
    values: tuple[str, ...]  # triad: 3 corners; dyad: 1; choices: 1 (+ 1 per option, + other)
    version: str

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.values, self.version)


def signifier_columns(
    signifier: Signifier, language: str, name: str | None = None
) -> SignifierColumns:
    """``triad_<key>_<corner>`` ×3, ``dyad_<key>``, ``choice_<key>`` (and for a multiple
    choice ``choice_<key>_<value>`` 0/1 per option; ``choice_<key>_other``), then
    ``version_<key>``. Corner names come from the current version in the campaign's first
    language. ``name`` replaces the key when two instruments of a campaign share one."""
    key = name or signifier.key
    if signifier.kind == Signifier.Kind.TRIAD:
        names: list[str] = []
        for index, label in enumerate(signifier.labels, start=1):
            name = f"triad_{key}_{_slug(localised(label, language), str(index))}"
            names.append(name if name not in names else f"{name}_{index}")
        values = tuple(names)
    elif signifier.kind == Signifier.Kind.DYAD:
        values = (f"dyad_{key}",)
    else:
        values = (f"choice_{key}",)
        if signifier.kind == Signifier.Kind.MULTIPLE:
            values += tuple(f"choice_{key}_{_slug(v, 'option')}" for v in signifier.option_values())
        if signifier.allow_other:
            values += (f"choice_{key}_other",)
    return SignifierColumns(signifier, values, f"version_{key}")


def _answer_cells(
    columns: SignifierColumns, narrative: Narrative, *, quotable: bool = True
) -> list:
    signifier = columns.signifier
    value = (narrative.answers or {}).get(signifier.key)
    version = (narrative.answer_versions or {}).get(signifier.key, 1 if value is not None else "")
    if signifier.kind == Signifier.Kind.TRIAD:
        cells = list(value) if isinstance(value, list) and len(value) == 3 else ["", "", ""]
    elif signifier.kind == Signifier.Kind.DYAD:
        cells = ["" if value is None else value]
    else:
        chosen = value if isinstance(value, list) else ([value] if value else [])
        cells = ["; ".join(map(str, chosen))]
        if signifier.kind == Signifier.Kind.MULTIPLE:
            cells += [
                (1 if v in chosen else 0) if value is not None else ""
                for v in signifier.option_values()
            ]
        if signifier.allow_other:
            # The teller's own words: like the story, only where they may be quoted.
            other = (narrative.answers or {}).get(f"{signifier.key}_other", "")
            cells.append(other if quotable else "")
    return [*cells, version]


@dataclass(frozen=True)
class CampaignExport:
    header: list[str]
    rows: list[list]
    codebook_header: list[str]
    codebook: list[list]


CODEBOOK_HEADER = [
    "variable",
    "question_key",
    "version",
    "kind",
    "language",
    "question",
    "value",
    "label",
    "combined_in_analysis",
    "description",
]


def build_export(
    *, campaign, narratives: Iterable[Narrative], signifiers: Sequence[Signifier], purpose: str
) -> CampaignExport:
    """The rows and codebook of a campaign export (see the module docstring)."""
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown export purpose {purpose!r}")
    working = purpose == WORKING
    languages = list(campaign.languages or ["en"])
    shared = {k for k, n in Counter(s.key for s in signifiers).items() if n > 1}
    columns = [
        signifier_columns(
            s, languages[0], f"{s.key}_i{s.instrument_id}" if s.key in shared else None
        )
        for s in signifiers
    ]
    header = [name for name, _ in BASE_COLUMNS] + [c for cols in columns for c in cols.all]
    rows = []
    group_lists = []
    for n in narratives:
        quotable = working or n.use_quotation or n.use_publication
        groups = sorted(g.name for g in n.groups.all())
        group_lists.append(groups)
        row = {
            "story_id": n.pk,
            "source_id": n.external_key if working else "",
            "channel": n.channel,
            "instrument": n.instrument.name,
            "partner": n.organisation.name if n.organisation else "",
            "language": n.language,
            "submitted": n.created_at.strftime("%Y-%m-%d" if working else "%Y-%m"),
            "review_status": n.review_status,
            "location": n.location,
            "consent_version": n.consent_text.version if n.consent_text_id else "",
            "consent_how": n.consent_how,
            "consent_analysis": int(n.use_analysis),
            "consent_quotation": int(n.use_quotation),
            "consent_publication": int(n.use_publication),
            "title": n.title if quotable else "",
            "text": n.story if quotable else "",
            "groups": groups,
            "age_band": n.age_band,
            "sex": n.sex,
            "disability_wg": ""
            if n.has_disability is None
            else ("yes" if n.has_disability else "no"),
        }
        cells = [row[name] for name, _ in BASE_COLUMNS]
        for cols in columns:
            if n.instrument_id == cols.signifier.instrument_id:
                cells += _answer_cells(cols, n, quotable=quotable)
            else:
                cells += [""] * len(cols.all)
        rows.append(cells)
    if not working:
        _suppress(rows, header)
    group_index = header.index("groups")
    for row in rows:
        row[group_index] = "; ".join(row[group_index])
    return CampaignExport(header, rows, CODEBOOK_HEADER, _codebook(columns, languages))


def _suppress(rows: list[list], header: list[str]) -> None:
    """Replace rare identity values in place ("(fewer than N)"), with the shared rule."""
    hidden = f"(fewer than {min_count()})"
    total = len(rows)
    for name in SUPPRESSED:
        index = header.index(name)
        shown = suppress_counts(Counter(str(row[index]) for row in rows), total=total)
        for row in rows:
            if shown[str(row[index])] is None:
                row[index] = hidden
    # Several groups per story: no derivable total, so primary suppression only.
    index = header.index("groups")
    shown = suppress_counts(Counter(g for row in rows for g in row[index]))
    for row in rows:
        row[index] = [g if shown[g] is not None else hidden for g in row[index]]
        row[index] = list(dict.fromkeys(row[index]))


def _version_items(kind: str, labels: list, cols: SignifierColumns, language: str):
    """(variable, value, label) for each corner, end or choice of one version."""
    if kind == Signifier.Kind.TRIAD:
        for index, label in enumerate(labels):
            variable = cols.values[index] if index < len(cols.values) else ""
            yield variable, f"corner {index + 1} (share 0–1)", localised(label, language)
    elif kind == Signifier.Kind.DYAD:
        ends = [localised(label, language) for label in labels]
        yield cols.values[0], "0", ends[0] if ends else ""
        yield cols.values[0], "1", ends[1] if len(ends) > 1 else ""
    else:
        for option in labels:
            value = str(option.get("value"))
            variable = cols.values[0]
            if kind == Signifier.Kind.MULTIPLE:
                variable = f"{cols.values[0]}_{_slug(value, 'option')}"
            yield variable, value, localised(option.get("label"), language)


def _codebook(columns: list[SignifierColumns], languages: list[str]):
    rows = [
        [name, "", "", "", "", "", "", "", "", description] for name, description in BASE_COLUMNS
    ]
    for cols in columns:
        s = cols.signifier
        pooled = set(s.combinable_versions())
        versions = [
            (v.version, v.kind, v.question, v.labels, v.allow_other) for v in s.versions.all()
        ] + [(s.version, s.kind, s.question, s.labels, s.allow_other)]
        for version, kind, question, labels, allow_other in versions:
            combined = "yes" if version in pooled else "no"
            for language in languages:
                text = localised(question, language)
                for variable, value, label in _version_items(kind, labels, cols, language):
                    rows.append(
                        [variable, s.key, version, kind, language, text, value, label, combined, ""]
                    )
                if allow_other and kind in (Signifier.Kind.SINGLE, Signifier.Kind.MULTIPLE):
                    rows.append(
                        [f"{cols.values[0]}_other", s.key, version, kind, language, text]
                        + ["", "", combined, "Own words for 'other'."]
                    )
        rows.append(
            [cols.version, s.key, "", s.kind, "", "", "", "", ""]
            + [
                "The version of the question the story answered; versions marked "
                "combined_in_analysis = yes share their choices and are pooled."
            ]
        )
    return rows


def _csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


def export_bytes(export: CampaignExport, fmt: str, filename: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) for ``xlsx`` (data and codebook sheets), ``zip``
    (data CSV and codebook CSV) or ``csv`` (data only)."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        for title, header, rows in (
            ("data", export.header, export.rows),
            ("codebook", export.codebook_header, export.codebook),
        ):
            sheet = workbook.create_sheet(title)
            sheet.append([safe_cell(h) for h in header])
            for row in rows:
                sheet.append([safe_cell(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return (
            buffer.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{filename}.xlsx",
        )
    if fmt == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{filename}.csv", _csv_text(export.header, export.rows))
            archive.writestr("codebook.csv", _csv_text(export.codebook_header, export.codebook))
        return buffer.getvalue(), "application/zip", f"{filename}.zip"
    return (
        _csv_text(export.header, export.rows).encode(),
        "text/csv; charset=utf-8",
        f"{filename}.csv",
    )
