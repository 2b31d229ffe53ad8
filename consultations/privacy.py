"""Privacy helpers for community voice: personal identifiers in free text, and small counts.

**Identifiers.** :func:`find_identifiers` looks for *obvious* personal identifiers a teller or a
data collector may have typed into a story — phone numbers, e-mail addresses, national-ID-like
numbers and web links — so a reviewer sees them highlighted (:func:`highlight_html`) and can
redact them with one click (:func:`redact`). It is a reviewer's aid, not a guarantee: names and
places are not detected. It is tuned against false alarms in story text: years ("2019"),
year ranges ("2018-2019"), ages, "3 children", "50%", dates ("12-05-2019", "2024-03-01"),
decimals and amounts written with thousands separators ("1 500 000 FCFA") are not flagged.
A number written like an amount is still flagged when a phone word ("tel", "téléphone",
"teléfono", "WhatsApp", "call me"…) comes just before it.

**Small counts.** :func:`suppress_counts` applies the portal's rule (PRODUCT.md §3): a count of
1 to 4 is never shown; it becomes ``None``, shown by :func:`format_count` as "fewer than 5".
Zero is shown as 0: it describes nobody, and hiding it would make "fewer than 5" ambiguous
(a hidden cell is never 0). When the table total is known, complementary suppression hides
further cells so the hidden ones cannot be worked out by subtraction from it.

Pure Python; no Django. Formula-injection neutralising for exports is
``lnob_portal.exports.safe_cell``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "IDENTIFIER_KINDS",
    "MIN_CELL",
    "REDACTION_LABELS",
    "IdentifierSpan",
    "find_identifiers",
    "format_count",
    "highlight_html",
    "redact",
    "suppress_counts",
]

IDENTIFIER_KINDS: tuple[str, ...] = ("phone", "email", "national_id", "url")

#: The minimum cell size (PRODUCT.md §3): a count below it is shown as "fewer than 5". The
#: one place community voice reads it from (counts, plots' captions, exports).
MIN_CELL = 5

#: What replaces each kind of identifier in redacted text.
REDACTION_LABELS: dict[str, str] = {
    "phone": "[phone removed]",
    "email": "[email removed]",
    "national_id": "[ID number removed]",
    "url": "[link removed]",
}


@dataclass(frozen=True)
class IdentifierSpan:
    """A personal identifier found in a text: ``text == source[start:end]``."""

    start: int
    end: int
    kind: str
    text: str


# --------------------------------------------------------------------------------------------
# Finding identifiers

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# Letters then digits ("AB1234567", "P-12345678", NIE "X1234567L") or digits then a check
# letter (Spanish DNI "12345678Z"). Upper case only, so words such as "covid19" are left alone.
_LETTER_ID = re.compile(r"\b(?:[A-Z]{1,3}-?\d{6,10}[A-Z]?|\d{7,8}-?[A-Z])\b")
# A run of digit groups joined by single spaces, dashes or dots, optionally with a leading
# "+" and a bracketed area code: the widest candidate; classified by _classify_number.
_NUMBER = re.compile(
    r"(?<![\w+./\-])\+?(?:\(\d{1,4}\)[ .\-]?)?\d+(?:(?:[ .\-]|[ ]?\(\d{1,4}\)[ ]?)\d+)*"
)
_PHONE_WORDS = re.compile(
    r"(?:\b(?:tel|tél|tlf|phone|telephone|téléphone|teléfono|telefono|mobile|móvil|movil|"
    r"portable|cell|cellphone|celular|whatsapp|sms|call|appel|appelle[rz]?|llam\w*|"
    r"number|numéro|número|numero|contact|contacto)\b)[^\d\n]{0,20}$",
    re.IGNORECASE,
)
_DATE = re.compile(r"\d{1,2}[.\-]\d{1,2}[.\-](?:\d{2}|\d{4})|\d{4}[.\-]\d{1,2}[.\-]\d{1,2}")
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:[ .]\d{3})+")
_YEAR = re.compile(r"(?:19|20)\d\d")
_URL_TRAILING = ".,;:!?)]}'\""


def _after_blocks(text: str, end: int) -> bool:
    """True when what follows a number makes it part of something else (50%, 3.5kg, 10:30)."""
    if end >= len(text):
        return False
    following = text[end]
    if following.isalnum() or following in "%‰°_@/":
        return True
    return following in ",:" and end + 1 < len(text) and text[end + 1].isdigit()  # 1,500 or 10:30


def _classify_number(text: str, start: int, candidate: str) -> str | None:
    """The kind of identifier a digit run is, or ``None`` when it is an ordinary number."""
    digits = re.sub(r"\D", "", candidate)
    groups = re.findall(r"\d+", candidate)
    international = candidate.startswith("+")
    phone_word = bool(_PHONE_WORDS.search(text[max(0, start - 40) : start]))
    separated = len(groups) > 1
    if len(digits) < 7 or len(digits) > 18:
        return None
    if not international:
        if _DATE.fullmatch(candidate):
            return None
        if separated and all(len(g) == 4 and _YEAR.fullmatch(g) for g in groups):
            return None  # 2018-2019, "2019 2020"
        if len(groups) == 2 and "." in candidate and " " not in candidate:
            return None  # a decimal number, 1234.5678
        if _THOUSANDS.fullmatch(candidate) and not phone_word:
            return None  # 1 500 000, 1.500.000
    if international:
        return "phone" if len(digits) <= 15 else None
    if not separated:
        if phone_word or (digits.startswith("0") and len(digits) <= 11):
            return "phone"
        return "national_id" if len(digits) >= 9 else None
    if len(digits) >= 13:
        return "national_id"  # e.g. a French NIR "1 85 05 78 006 084 36"
    return "phone"


def find_identifiers(text: str) -> list[IdentifierSpan]:
    """Obvious personal identifiers in ``text``: non-overlapping spans sorted by position.

    Kinds: ``phone`` (international ``+…`` numbers; local numbers of at least 7 digits written
    with spaces, dashes or dots, or an unbroken run starting with 0), ``email``, ``url``
    (``http(s)://…`` and ``www.…``) and ``national_id`` (unbroken runs of 9–18 digits, or an
    upper-case letter-and-digit code such as "AB1234567" or "12345678Z"). When two candidates
    overlap, links and e-mail addresses win over the numbers inside them.
    """
    found: list[IdentifierSpan] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str) -> None:
        if start >= end or any(start < t_end and t_start < end for t_start, t_end in taken):
            return
        taken.append((start, end))
        found.append(IdentifierSpan(start=start, end=end, kind=kind, text=text[start:end]))

    for match in _URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _URL_TRAILING:
            end -= 1
        add(match.start(), end, "url")
    for match in _EMAIL.finditer(text):
        add(match.start(), match.end(), "email")
    for match in _LETTER_ID.finditer(text):
        add(match.start(), match.end(), "national_id")
    for match in _NUMBER.finditer(text):
        if _after_blocks(text, match.end()):
            continue
        kind = _classify_number(text, match.start(), match.group())
        if kind:
            add(match.start(), match.end(), kind)
    return sorted(found, key=lambda span: span.start)


def _checked_spans(text: str, spans: Sequence[IdentifierSpan] | None) -> list[IdentifierSpan]:
    """Spans sorted and checked against ``text``, so a stale list cannot cut the wrong words."""
    if spans is None:
        return find_identifiers(text)
    ordered = sorted(spans, key=lambda span: span.start)
    previous_end = 0
    for span in ordered:
        if span.kind not in REDACTION_LABELS:
            raise ValueError(f"Unknown identifier kind {span.kind!r}.")
        if not 0 <= span.start < span.end <= len(text) or text[span.start : span.end] != span.text:
            raise ValueError(
                f"The {span.kind} at {span.start}–{span.end} does not match the text; "
                "the text has changed since it was scanned. Scan it again."
            )
        if span.start < previous_end:
            raise ValueError("Identifier spans overlap; pass non-overlapping spans.")
        previous_end = span.end
    return ordered


def redact(text: str, spans: Sequence[IdentifierSpan] | None = None) -> str:
    """``text`` with each span replaced by its label, e.g. "[phone removed]".

    With ``spans=None`` every identifier :func:`find_identifiers` finds is redacted. Spans
    that do not match the text (it was edited after scanning) raise :class:`ValueError`.
    """
    pieces: list[str] = []
    position = 0
    for span in _checked_spans(text, spans):
        pieces.append(text[position : span.start])
        pieces.append(REDACTION_LABELS[span.kind])
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def highlight_html(text: str, spans: Sequence[IdentifierSpan] | None = None) -> str:
    """HTML-escaped ``text`` with ``<mark class="pii" data-kind="…">`` around each span.

    Safe to insert into a page as is (mark it safe in the template): every character of the
    text, inside and outside the marks, is escaped. ``spans=None`` finds them first.
    """
    pieces: list[str] = []
    position = 0
    for span in _checked_spans(text, spans):
        pieces.append(html.escape(text[position : span.start]))
        pieces.append(
            f'<mark class="pii" data-kind="{html.escape(span.kind)}">'
            f"{html.escape(span.text)}</mark>"
        )
        position = span.end
    pieces.append(html.escape(text[position:]))
    return "".join(pieces)


# --------------------------------------------------------------------------------------------
# Small counts


def suppress_counts(
    counts: Mapping[str, int], *, threshold: int = MIN_CELL, total: int | None = None
) -> dict[str, int | None]:
    """Counts safe to show: ``None`` for a hidden cell (shown as "fewer than 5").

    1. *Primary*: a count with ``0 < count < threshold`` is hidden. Zero stays 0: it describes
       nobody, and showing it keeps "fewer than 5" unambiguous (a hidden cell means 1 or more).
    2. *Complementary*, when the table total is known — pass ``total`` whenever the cells
       partition a number that is shown or known (stories by partner, by language…): while
       exactly one cell is hidden, or the hidden cells add up to less than ``threshold`` (two
       hidden cells summing to 2 must both be 1), the smallest visible non-zero cell is
       hidden too (ties: the first in ``counts`` order). Zero cells are never used for this.

    Without ``total`` only primary suppression applies: use that for tables whose cells do not
    add up to a known number, such as self-identified groups where one story can be in
    several cells. A ``total`` below the threshold hides every non-zero cell (the total itself
    is then shown as "fewer than 5" by :func:`format_count`). When one non-zero cell is all
    there is, it stays hidden and so must the total, which is then below the threshold too.
    Cells may add up to more than ``total`` (multiple choice); ``total`` may not be below the
    largest cell.
    """
    if threshold < 1:
        raise ValueError(f"The suppression threshold must be at least 1, got {threshold}.")
    for key, value in counts.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"Count for {key!r} must be a whole number ≥ 0, got {value!r}.")
    if total is not None:
        if total < 0:
            raise ValueError(f"The total cannot be negative, got {total}.")
        if counts and total < max(counts.values()):
            raise ValueError(f"The total {total} is smaller than a cell of the table.")

    hidden = {
        key
        for key, value in counts.items()
        if 0 < value < threshold or (total is not None and total < threshold and value > 0)
    }

    def needs_more() -> bool:
        if not hidden or total is None:
            return False
        return len(hidden) == 1 or sum(counts[key] for key in hidden) < threshold

    order = {key: index for index, key in enumerate(counts)}
    while needs_more():
        visible = [key for key, value in counts.items() if value > 0 and key not in hidden]
        if not visible:
            break
        hidden.add(min(visible, key=lambda key: (counts[key], order[key])))
    return {key: (None if key in hidden else value) for key, value in counts.items()}


def format_count(value: int | None, threshold: int = MIN_CELL) -> str:
    """A count for display: "fewer than 5" for a hidden (``None``) or small count."""
    if value is None or 0 < value < threshold:
        return f"fewer than {threshold}"
    return str(value)
