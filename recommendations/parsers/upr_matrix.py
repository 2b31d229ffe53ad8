"""Reader for the OHCHR UPR matrix, the "thematic list of recommendations" (.docx) that OHCHR
publishes per state and review, in its three layouts (PRODUCT.md §5).

The table has a header row, then rows grouped under "Theme: …" heading rows (one merged cell).
Each recommendation row holds "<number> <text> (<State>); <text> (<State>) (<State>);" and
"Source of position: A/HRC/40/6/Add.1 - Para. 2" in the first column, the position in the
second, then the themes, SDGs and affected persons, in one column or several:

``coded_themes`` (2nd/3rd cycle, e.g. China 2018)
    Recommendation | Position | Full list of themes | Assessment…; the themes cell lists coded
    themes ("A12 Acceptance of international norms", "S16 SDG 16 - peace, justice…") then
    "Affected persons:" and "- children" lines.
``uncoded_themes`` (3rd cycle, 2019–2022)
    the same columns; the themes cell lists "- Acceptance of international norms" lines, then
    "SDGs:" with "- 16 - PEACE, JUSTICE AND STRONG INSTITUTIONS" and "Affected persons:".
``sdg_column`` (4th cycle)
    Recommendation and recommending State | Position of the State under review | Human rights
    themes and groups of persons | Relevant SDGs; "Groups of Persons:" inside the themes cell
    (or a column of its own), SDGs one per line in their own column.

A recommendation listed under several theme headings is returned once, its themes merged.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from common.archives import ArchiveLimits, UnsafeArchive, check_archive
from common.messages import Message, gettext_noop

from .records import RECOMMENDATION, MatrixParseResult, ParseError, RecommendationRecord
from .states import recommending_states
from .text import (
    normalise_position,
    normalise_whitespace,
    parse_sdg_label,
    strip_dash,
    text_to_html,
    upr_cycle_for_session,
)

DEFAULT_ARCHIVE_LIMITS = ArchiveLimits()

LAYOUTS = {
    "coded_themes": "coded themes and affected persons in one column (2nd and 3rd cycle)",
    "uncoded_themes": "uncoded themes, SDGs and affected persons in one column (3rd cycle)",
    "sdg_column": "themes and groups of persons, with SDGs in a column of their own (4th cycle)",
}

_NUMBER_RE = re.compile(r"^\s*(\d{1,3}\.\d{1,4})\.?\s+(?=\S)")
_SOURCE_RE = re.compile(r"^\s*source\s+of\s+position\s*:\s*(.*)$", re.IGNORECASE)
_HEADING_RE = re.compile(r"^\s*theme\s*:\s*(.+)$", re.IGNORECASE | re.DOTALL)
_PERSONS_RE = re.compile(
    r"^\s*(?:affected\s+persons|groups?\s+of\s+persons|persons\s+affected)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_SDGS_RE = re.compile(r"^\s*(?:SDGs|SDG|Relevant\s+SDGs)\s*:\s*(.*)$", re.IGNORECASE)
_THEMES_RE = re.compile(r"^\s*themes?\s*:\s*(.*)$", re.IGNORECASE)
_CODED_THEME_RE = re.compile(r"^[A-HS]\d{0,3}\s+\S")
_BARE_SDG_RE = re.compile(r"^\d{1,2}(?:\.(?:\d{1,2}|[a-z]))?\s+[-–]\s+\S")
_TITLE_RE = re.compile(
    r"UPR\s+of\s+(?P<state>.+?)\s*\(\s*(?P<cycle>\d+)\s*(?:st|nd|rd|th)?\s+cycle\s*"
    r"(?:[–—-]\s*(?P<session>\d+)\s*(?:st|nd|rd|th)?\s+session)?",
    re.IGNORECASE,
)
_TITLE_STATE_RE = re.compile(
    r"UPR\s+of\s+(?P<state>[^\t\n(]+?)\s*(?:\s[–—-]\s|\(|\t|\n|$)", re.IGNORECASE
)
_SESSION_RE = re.compile(r"(\d+)\s*(?:st|nd|rd|th)\s+session", re.IGNORECASE)
_SYMBOL_RE = re.compile(r"\b(A/HRC/\d+/\d+)(?:/Add\.\d+)?", re.IGNORECASE)
_ADDENDUM_RE = re.compile(r"/(?:Add|Corr|Rev)\.\d+.*$", re.IGNORECASE)


@dataclass
class _Columns:
    recommendation: int
    position: int | None = None
    themes: int | None = None
    sdgs: int | None = None
    persons: int | None = None


@dataclass
class _Row:
    number: str
    text: str
    table_row: int
    source_of_position: str = ""
    position: str = ""
    themes: list[str] = field(default_factory=list)
    sdgs: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)


def _cell_texts(row) -> list[str]:
    """The text of each grid cell of a table row (a merged cell repeats its text)."""
    return [cell.text for cell in row.cells]


def _columns_from_header(texts: list[str]) -> _Columns | None:
    labels = [t.strip().casefold() for t in texts]
    recommendation = position = themes = sdgs = persons = None
    for index, label in enumerate(labels):
        if "position" in label and position is None:
            position = index
        elif "recommendation" in label and recommendation is None:
            recommendation = index
        elif ("sdg" in label or "sustainable development" in label) and sdgs is None:
            sdgs = index
        elif "theme" in label and themes is None:
            themes = index
        elif ("persons" in label or "groups" in label) and persons is None:
            persons = index
    if recommendation is None or position is None:
        return None
    return _Columns(recommendation, position, themes, sdgs, persons)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


def _unique(values) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return list(seen.values())


def _read_theme_cell(text: str, row: _Row) -> None:
    mode = "themes"
    for line in _lines(text):
        match = _PERSONS_RE.match(line)
        if match:
            mode, line = "persons", match.group(1)
        elif _SDGS_RE.match(line):
            mode, line = "sdgs", _SDGS_RE.match(line).group(1)
        elif _THEMES_RE.match(line):
            mode, line = "themes", _THEMES_RE.match(line).group(1)
        value = strip_dash(line)
        if not value:
            continue
        if mode == "themes" and _BARE_SDG_RE.match(value):
            row.sdgs.append(value)
        elif mode == "themes":
            row.themes.append(value)
            if value.upper().startswith("S") and parse_sdg_label(value)[0]:
                row.sdgs.append(value)  # coded "S16 SDG 16 - peace, justice…"
        elif mode == "sdgs":
            row.sdgs.append(value)
        else:
            row.persons.append(value)


def _read_list_cell(text: str) -> list[str]:
    values = []
    for line in _lines(text):
        for pattern in (_PERSONS_RE, _SDGS_RE):
            match = pattern.match(line)
            if match:
                line = match.group(1)
        value = strip_dash(line)
        if value:
            values.append(value)
    return values


def _document_title_text(document) -> str:
    parts: list[str] = []
    for section in document.sections:
        for header in (section.first_page_header, section.header, section.even_page_header):
            with_text = [p.text for p in header.paragraphs if p.text.strip()]
            parts.extend(with_text)
    body = [p.text for p in document.paragraphs if p.text.strip()]
    parts.extend(body[:10])
    if document.core_properties.title:
        parts.append(document.core_properties.title)
    return "\n".join(parts)


def _title_facts(title: str) -> tuple[str, int | None, int | None]:
    """(state, cycle, session) from "UPR of China (3rd Cycle – 31st session)"."""
    match = _TITLE_RE.search(title)
    if match:
        session = int(match["session"]) if match["session"] else None
        return match["state"].strip(), int(match["cycle"]), session
    state_match = _TITLE_STATE_RE.search(title)
    session_match = _SESSION_RE.search(title)
    session = int(session_match.group(1)) if session_match else None
    return (state_match["state"].strip() if state_match else ""), None, session


def _report_symbol(source_of_position: str) -> str:
    """The report symbol in a source of position: "A/HRC/40/6/Add.1 - Para. 2" → "A/HRC/40/6"."""
    symbol = re.split(r"\s+[-–—]\s+|,|\s+para", source_of_position, flags=re.IGNORECASE)[0]
    return _ADDENDUM_RE.sub("", symbol.strip())


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def _is_zip(source: Any) -> bool:
    """A damaged or renamed file gets the parser's "not readable" message, not the archive's."""
    try:
        return zipfile.is_zipfile(source)
    finally:
        if hasattr(source, "seek"):
            source.seek(0)


def _open_document(source: Any, archive_limits: ArchiveLimits):
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:  # judged from its central directory before python-docx inflates document.xml
        check_archive(source, limits=archive_limits, display_name="The Word document")
    except UnsafeArchive as exc:
        if _is_zip(source):
            raise ParseError(str(exc)) from exc
    try:
        return docx.Document(source)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        # The exception text can hold the server path of the stored file: name only its kind.
        raise ParseError(
            Message(
                gettext_noop(
                    "The file is not a readable Word (.docx) document (%(kind)s). Open it in "
                    "Word, save it again as .docx and upload the new copy."
                ),
                kind=exc.__class__.__name__,
            )
        ) from exc


def parse_upr_matrix(
    source: Any, *, archive_limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS
) -> MatrixParseResult:
    """Read every recommendation of an OHCHR UPR matrix (.docx path or binary file).

    The state, cycle and session come from the title in the page header ("UPR of China (3rd
    Cycle – 31st session)"); the report symbol from the sources of position ("A/HRC/40/6/Add.1
    - Para. 2" → "A/HRC/40/6"), else from a symbol printed in the title. Raises
    :class:`ParseError` when the document has no recommendations table or no recommendation;
    everything else that looks wrong is returned in ``warnings``. A document that would
    expand beyond ``archive_limits`` is refused from its central directory, unopened.
    """
    document = _open_document(source, archive_limits)
    warnings: list[Message] = []
    rows: dict[str, _Row] = {}
    layout_votes: Counter[str] = Counter()
    tables_read = 0

    for table_index, table in enumerate(document.tables, start=1):
        columns: _Columns | None = None
        heading = ""
        for row_index, table_row in enumerate(table.rows, start=1):
            texts = _cell_texts(table_row)
            where = Message(
                gettext_noop("table %(table)s, row %(row)s"), table=table_index, row=row_index
            )
            if columns is None:
                columns = _columns_from_header(texts)
                if columns is not None:
                    tables_read += 1
                continue
            if not any(t.strip() for t in texts):
                continue
            if _columns_from_header(texts) is not None:
                continue  # header repeated on a new page
            first = texts[columns.recommendation]
            heading_match = _HEADING_RE.match(first)
            if heading_match and not _NUMBER_RE.match(first):
                heading = normalise_whitespace(heading_match.group(1)).strip()
                continue
            row = _read_row(texts, columns, row_index, where, warnings)
            if row is None:
                continue
            if heading and heading.casefold() not in {t.casefold() for t in row.themes}:
                row.themes.insert(0, heading)
            if columns.sdgs is not None:
                layout_votes["sdg_column"] += 1
            elif row.themes and all(_CODED_THEME_RE.match(t) for t in row.themes):
                layout_votes["coded_themes"] += 1
            else:
                layout_votes["uncoded_themes"] += 1
            _merge(rows, row, where, warnings)

    if not tables_read:
        raise ParseError(
            Message(
                gettext_noop(
                    "No recommendations table found: expected a table whose header row has "
                    "'Recommendation' and 'Position' columns (an OHCHR UPR thematic list of "
                    "recommendations)."
                )
            )
        )
    if not rows:
        raise ParseError(
            Message(
                gettext_noop(
                    "The recommendations table has no numbered recommendation (e.g. 28.4)."
                )
            )
        )

    title = _document_title_text(document)
    state, cycle, session = _title_facts(title)
    if not state:
        warnings.append(
            Message(gettext_noop("The state under review was not found in the title ('UPR of …')."))
        )
    if cycle is None and session is not None:
        cycle = upr_cycle_for_session(session)

    symbols = Counter(
        _report_symbol(r.source_of_position) for r in rows.values() if r.source_of_position
    )
    symbol = symbols.most_common(1)[0][0] if symbols else ""
    if not symbol:
        title_symbol = _SYMBOL_RE.search(title)
        symbol = title_symbol.group(1) if title_symbol else ""
    if not symbol:
        warnings.append(
            Message(
                gettext_noop(
                    "No report symbol found (no 'Source of position: A/HRC/…' and none in the "
                    "title); external ids use the state and session instead."
                )
            )
        )
    id_prefix = symbol or f"UPR {state} session {session or '?'}"

    records = []
    for row in sorted(rows.values(), key=lambda r: _number_key(r.number)):
        states, unknown = recommending_states(row.text)
        if not states:
            warnings.append(
                Message(
                    gettext_noop(
                        "Recommendation %(number)s (table row %(row)s): no recommending state "
                        "in parentheses at the end of the text."
                    ),
                    number=row.number,
                    row=row.table_row,
                )
            )
        for name in unknown:
            warnings.append(
                Message(
                    gettext_noop(
                        "Recommendation %(number)s: '%(state)s' was read as a recommending "
                        "state but is not in the list of UN member and observer states; check "
                        "the text."
                    ),
                    number=row.number,
                    state=name,
                )
            )
        goals: set[int] = set()
        targets: set[str] = set()
        for label in row.sdgs:
            goal, target = parse_sdg_label(label)
            if goal:
                goals.add(goal)
            if target:
                targets.add(target)
        records.append(
            RecommendationRecord(
                external_id=f"{id_prefix}#{row.number}",
                annotation_type=RECOMMENDATION,
                body="UPR",
                countries=(state,) if state else (),
                document_id=symbol,
                symbol=symbol,
                publication_date=None,
                publication_date_on_uhri=None,
                regions=(),
                sdg_goals=tuple(sorted(goals)),
                sdg_targets=tuple(sorted(targets, key=_number_key_target)),
                text_html=text_to_html(row.text),
                text=row.text,
                paragraph=row.number,
                themes=tuple(_unique(row.themes)),
                affected_persons=tuple(_unique(row.persons)),
                upr_cycle=cycle,
                upr_session=session,
                upr_position=row.position,
                recommending_states=states,
                recommending_regions=(),
                source_of_position=row.source_of_position,
            )
        )
    layout = layout_votes.most_common(1)[0][0] if layout_votes else "uncoded_themes"
    return MatrixParseResult(
        records=tuple(records),
        warnings=tuple(warnings),
        layout=layout,
        state=state,
        cycle=cycle,
        session=session,
        symbol=symbol,
    )


def _number_key_target(target: str) -> tuple[int, int, str]:
    goal, _, sub = target.partition(".")
    return (int(goal), int(sub) if sub.isdigit() else 1000, sub)


def _read_row(
    texts: list[str], columns: _Columns, row_index: int, where: Message, warnings: list[Message]
) -> _Row | None:
    first_lines = _lines(texts[columns.recommendation])
    text_lines: list[str] = []
    source = ""
    for line in first_lines:
        match = _SOURCE_RE.match(line)
        if match:
            source = match.group(1).strip()
        else:
            text_lines.append(line)
    text = normalise_whitespace(" ".join(text_lines))
    number_match = _NUMBER_RE.match(text)
    if not number_match:
        warnings.append(
            Message(
                gettext_noop(
                    "%(where)s: no recommendation number at the start; skipped: '%(text)s'"
                ),
                where=where,
                text=text[:80],
            )
        )
        return None
    row = _Row(number=number_match.group(1), text=text, table_row=row_index)

    position_lines: list[str] = []
    if columns.position is not None and columns.position < len(texts):
        for line in _lines(texts[columns.position]):
            match = _SOURCE_RE.match(line)
            if match:
                source = source or match.group(1).strip()
            else:
                position_lines.append(line)
    row.source_of_position = source
    position = normalise_position(" ".join(position_lines))
    if position is None:
        warnings.append(
            Message(
                gettext_noop(
                    "%(where)s: recommendation %(number)s has position '%(position)s', not "
                    "Supported/Noted; left blank."
                ),
                where=where,
                number=row.number,
                position=" ".join(position_lines),
            )
        )
        position = ""
    elif not position:
        warnings.append(
            Message(
                gettext_noop("%(where)s: recommendation %(number)s has no position."),
                where=where,
                number=row.number,
            )
        )
    row.position = position

    if columns.themes is not None and columns.themes < len(texts):
        _read_theme_cell(texts[columns.themes], row)
    if columns.sdgs is not None and columns.sdgs < len(texts):
        row.sdgs.extend(_read_list_cell(texts[columns.sdgs]))
    if columns.persons is not None and columns.persons < len(texts):
        row.persons.extend(_read_list_cell(texts[columns.persons]))
    return row


def _merge(rows: dict[str, _Row], row: _Row, where: Message, warnings: list[Message]) -> None:
    existing = rows.get(row.number)
    if existing is None:
        rows[row.number] = row
        return
    if existing.text != row.text:
        warnings.append(
            Message(
                gettext_noop(
                    "%(where)s: recommendation %(number)s appears again with a different text; "
                    "the first one (table row %(row)s) is kept."
                ),
                where=where,
                number=row.number,
                row=existing.table_row,
            )
        )
    if row.position and existing.position and row.position != existing.position:
        warnings.append(
            Message(
                gettext_noop(
                    "%(where)s: recommendation %(number)s appears again as %(position)s, "
                    "earlier as %(earlier)s; the first is kept."
                ),
                where=where,
                number=row.number,
                position=row.position,
                earlier=existing.position,
            )
        )
    existing.position = existing.position or row.position
    existing.source_of_position = existing.source_of_position or row.source_of_position
    existing.themes.extend(row.themes)
    existing.sdgs.extend(row.sdgs)
    existing.persons.extend(row.persons)
