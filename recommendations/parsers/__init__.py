"""Pure-Python readers for recommendation sources: the UHRI bulk export (JSON, XLSX) and the
OHCHR UPR matrix (.docx). No Django here; the import services in ``recommendations`` turn the
records into rows."""

from .records import (
    CONCERN,
    NOTED,
    RECOMMENDATION,
    SUPPORTED,
    SUPPORTED_NOTED,
    UPR_POSITIONS,
    MatrixParseResult,
    ParseError,
    RecommendationRecord,
)
from .states import recommending_states
from .text import (
    html_to_text,
    paragraph_number,
    parse_sdg_labels,
    sanitise_html,
    upr_cycle_for_session,
)
from .uhri import UHRI_FIELDS, iter_uhri, iter_uhri_countries, iter_uhri_json, iter_uhri_xlsx
from .upr_matrix import LAYOUTS, parse_upr_matrix

__all__ = [
    "CONCERN",
    "LAYOUTS",
    "NOTED",
    "RECOMMENDATION",
    "SUPPORTED",
    "SUPPORTED_NOTED",
    "UHRI_FIELDS",
    "UPR_POSITIONS",
    "MatrixParseResult",
    "ParseError",
    "RecommendationRecord",
    "html_to_text",
    "iter_uhri",
    "iter_uhri_countries",
    "iter_uhri_json",
    "iter_uhri_xlsx",
    "paragraph_number",
    "parse_sdg_labels",
    "parse_upr_matrix",
    "recommending_states",
    "sanitise_html",
    "upr_cycle_for_session",
]
