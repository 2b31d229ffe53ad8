"""The value types every recommendations parser returns.

Plain frozen dataclasses so that the Django import services, the tests and the benchmark can
use them without a database; nothing in this package imports Django.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

RECOMMENDATION = "recommendation"
CONCERN = "concern"

SUPPORTED = "Supported"
NOTED = "Noted"
SUPPORTED_NOTED = "Supported/Noted"
UPR_POSITIONS = (SUPPORTED, NOTED, SUPPORTED_NOTED)


class ParseError(ValueError):
    """The file cannot be read as the format it claims to be.

    The message is meant for the person who uploaded the file: it says what is wrong and, for
    row-level problems, where (``record`` is the 0-based index in a JSON array, ``row`` the
    1-based spreadsheet row or table row).
    """


@dataclass(frozen=True)
class RecommendationRecord:
    """One recommendation or concern/observation addressed to a state, as read from a source.

    ``external_id`` is the stable key for re-imports: UHRI's ``AnnotationId``; for UPR matrix
    rows ``"<report symbol>#<number>"`` (e.g. ``"A/HRC/40/6#28.4"``). ``text`` keeps the
    paragraph number as the source prints it ("28.4 Continue working …"); ``paragraph`` holds
    the number alone.
    """

    external_id: str
    annotation_type: str
    body: str
    countries: tuple[str, ...]
    document_id: str
    symbol: str
    publication_date: datetime.date | None
    publication_date_on_uhri: datetime.date | None
    regions: tuple[str, ...]
    sdg_goals: tuple[int, ...]
    sdg_targets: tuple[str, ...]
    text_html: str
    text: str
    paragraph: str
    themes: tuple[str, ...]
    affected_persons: tuple[str, ...]
    upr_cycle: int | None
    upr_session: int | None
    upr_position: str
    recommending_states: tuple[str, ...]
    recommending_regions: tuple[str, ...]
    source_of_position: str


@dataclass(frozen=True)
class MatrixParseResult:
    """What :func:`parse_upr_matrix` read from one OHCHR "thematic list of recommendations".

    ``layout`` names the table layout that was recognised (see ``upr_matrix.LAYOUTS``);
    ``warnings`` lists what was read but looks wrong (a row without a number, an unknown
    position, a recommending state not in the list of UN member and observer states), one
    sentence each, with the table row number.
    """

    records: tuple[RecommendationRecord, ...]
    warnings: tuple[str, ...]
    layout: str
    state: str
    cycle: int | None
    session: int | None = None
    symbol: str = ""
