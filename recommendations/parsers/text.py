"""Small, shared conversions: HTML to safe HTML and plain text, paragraph numbers, SDG labels,
UPR positions, cycles and dates."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterable
from html.parser import HTMLParser

import nh3

from common.messages import Message, gettext_noop

from .records import NOTED, SUPPORTED, SUPPORTED_NOTED

ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "a"}
# "*" empties ammonia's default generic attributes (lang, title).
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "*": set()}
ALLOWED_URL_SCHEMES = {"http", "https"}

# Presentational tags that old exports use for what we keep as semantic emphasis.
_TAG_RENAMES = {"b": "strong", "i": "em"}
_RENAME_RE = re.compile(r"<(/?)(b|i)(\s[^>]*)?>", re.IGNORECASE)
# UHRI texts are sometimes escaped twice ("&amp;#8217;", "&amp;nbsp;").
_DOUBLE_ESCAPED_RE = re.compile(r"&amp;(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_BLOCK_TAGS = {"p", "br", "li", "div", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP_CONTENT_TAGS = {"script", "style"}
_HORIZONTAL_SPACE_RE = re.compile(r"[^\S\n]+")


def _keep_http_links(element: str, attribute: str, value: str) -> str | None:
    if element == "a" and attribute == "href":
        return value if value.strip().lower().startswith(("http://", "https://")) else None
    return value


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP_CONTENT_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_CONTENT_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def normalise_whitespace(text: str) -> str:
    """Collapse runs of spaces (including no-break spaces) within lines, drop empty lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (_HORIZONTAL_SPACE_RE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: entities decoded, one line per block, spaces collapsed."""
    fragment = _DOUBLE_ESCAPED_RE.sub(r"&\1;", fragment or "")
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return normalise_whitespace("".join(extractor.parts))


def sanitise_html(fragment: str) -> tuple[str, str]:
    """Return ``(safe_html, plain_text)`` for an HTML fragment from an outside source.

    Only ``p, br, em, strong, ul, ol, li`` and ``a[href]`` with an http(s) URL survive (``b`` and
    ``i`` become ``strong`` and ``em``); other tags are dropped but their text kept, and
    ``script``/``style`` are dropped with their content. The plain text has entities decoded
    (``&amp;``, ``&#8217;``, ``&nbsp;``) and whitespace normalised.
    """
    fragment = _DOUBLE_ESCAPED_RE.sub(r"&\1;", fragment or "")
    renamed = _RENAME_RE.sub(
        lambda m: f"<{m.group(1)}{_TAG_RENAMES[m.group(2).lower()]}{m.group(3) or ''}>", fragment
    )
    safe = nh3.clean(
        renamed,
        tags=ALLOWED_TAGS,
        clean_content_tags=_SKIP_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_http_links,
        url_schemes=ALLOWED_URL_SCHEMES,
        url_relative="deny",
    ).strip()
    return safe, html_to_text(fragment)


def text_to_html(text: str) -> str:
    """Safe HTML for a plain-text recommendation: one ``<p>`` per line."""
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in text.split("\n") if line)


# "136.1 Ratify…", "4.The Committee…", "4. The Committee…", "28.4 Continue…", "12) Ensure…".
# At most three digits before the first dot so that "2030 Agenda…" is not read as a number.
_PARAGRAPH_RE = re.compile(
    r"^\s*(?:para(?:graph)?\.?\s*)?(\d{1,3}(?:\.\d{1,4})*)(?:[.)](?!\d)\s*|\s+)(?=\S)"
)


def paragraph_number(text: str) -> str:
    """The paragraph number a UHRI or matrix text starts with ("136.1", "4"), or ""."""
    match = _PARAGRAPH_RE.match(text or "")
    return match.group(1) if match else ""


# "16 - PEACE…" (goal), "16.2 - Protect…" / "16.a - …" (target), "SDG 16 - …", "Goal 4",
# "Target 16.2", and the coded matrix themes "S16 SDG 16 - peace…", "S04 SDG 4 - education".
_SDG_RE = re.compile(
    r"^\s*(?:-\s+)?(?:S\d{1,2}\s+)?(?:SDGs?|Goal|Target)?\s*(\d{1,2})(?:\.(\d{1,2}|[a-z]))?(?!\d)"
    r"(?:\s*(?:-|–|:|$)|\s)",
    re.IGNORECASE,
)


def parse_sdg_label(label: str) -> tuple[int | None, str | None]:
    """``(goal, target)`` for one SDG label; ``target`` is None for a goal label.

    Returns ``(None, None)`` when the label names no goal between 1 and 17.
    """
    match = _SDG_RE.match(label or "")
    if not match:
        return None, None
    goal = int(match.group(1))
    if not 1 <= goal <= 17:
        return None, None
    sub = match.group(2)
    return goal, (f"{goal}.{sub.lower()}" if sub else None)


def _target_sort_key(target: str) -> tuple[int, int, str]:
    goal, _, sub = target.partition(".")
    return (int(goal), int(sub) if sub.isdigit() else 1000, sub)


def parse_sdg_labels(labels: Iterable[str]) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Split UHRI ``Sdgs`` labels into sorted goals and targets.

    Goals are the goals named and those of the targets named ("16.2 - …" also gives goal 16),
    so that filtering by goal finds a recommendation tagged only with a target. Labels that name
    no SDG (e.g. the coded matrix theme "S Sustainable Development Goal implementation") are
    skipped.
    """
    goals: set[int] = set()
    targets: set[str] = set()
    for label in labels:
        goal, target = parse_sdg_label(label)
        if goal is None:
            continue
        goals.add(goal)
        if target:
            targets.add(target)
    return tuple(sorted(goals)), tuple(sorted(targets, key=_target_sort_key))


def upr_cycle_for_session(session: int) -> int | None:
    """The UPR cycle a Working Group session belongs to.

    Sessions 1–12 are cycle 1 (2008–2011); every later cycle has 14 sessions: 13–26 → 2,
    27–40 → 3, 41–54 → 4 (and, by the same rule, 55–68 → 5). None for a session below 1.
    """
    if session is None or session < 1:
        return None
    if session <= 12:
        return 1
    return 2 + (session - 13) // 14


_POSITIONS = {
    "supported": SUPPORTED,
    "accepted": SUPPORTED,
    "noted": NOTED,
    "supported/noted": SUPPORTED_NOTED,
    "noted/supported": SUPPORTED_NOTED,
    "partially supported": SUPPORTED_NOTED,
    "supported in part": SUPPORTED_NOTED,
}


def normalise_position(value: str | Iterable[str] | None) -> str | None:
    """The position as "Supported", "Noted", "Supported/Noted", or "" when there is none.

    None when the value is not a UPR position the caller can store.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        found = [normalise_position(v) for v in value]
        if None in found:
            return None
        found = [f for f in found if f]
        distinct = list(dict.fromkeys(found))
        if not distinct:
            return ""
        return distinct[0] if len(distinct) == 1 else SUPPORTED_NOTED
    cleaned = re.sub(r"\s*/\s*", "/", strip_dash(value).strip().lower())
    cleaned = re.sub(r"\s+", " ", cleaned)
    if not cleaned:
        return ""
    return _POSITIONS.get(cleaned)


def strip_dash(value: str) -> str:
    """Remove the ``"- "`` UHRI puts before values, keeping hyphens inside names."""
    value = value.strip()
    if value.startswith("- "):
        return value[2:].strip()
    if value == "-":
        return ""
    return value


_ORDINAL_NUMBER_RE = re.compile(r"\d+")


def parse_int(value) -> int | None:
    """The first integer in a value ("31", "- 31", "31st session", 31, 31.0), or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    match = _ORDINAL_NUMBER_RE.search(str(value))
    return int(match.group()) if match else None


_DATE_FORMATS = ("%d/%m/%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y", "%B %d, %Y")


def parse_date(value) -> datetime.date:
    """A date from ISO ("2019-03-01", "2019-03-01T10:00:00Z"), "YYYY-MM-DD HH:MM:SS", a
    datetime (openpyxl), an Excel serial day number, or "01/03/2019" (day first, UN usage).

    Raises ValueError for anything else; callers turn it into a row-level ParseError.
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Excel's 1900 date system, as openpyxl.utils.datetime.from_excel without the import.
        if not 1 <= value < 2958466:
            raise ValueError(
                Message(gettext_noop("%(value)s is not an Excel date"), value=repr(value))
            )
        day = int(value)
        if day < 60:  # Excel's phantom 1900-02-29
            day += 1
        return datetime.date(1899, 12, 30) + datetime.timedelta(days=day)
    text = strip_dash(str(value))
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return datetime.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(
        Message(
            gettext_noop("%(value)s is not a date (expected e.g. 2019-03-01)"), value=repr(value)
        )
    )
