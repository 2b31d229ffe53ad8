"""The group dossier and the country report as DOCX files for Common Country Analysis
drafters (python-docx): country and date on the title, the sections of ``evidence.chapter``,
figures as PNG images, page numbers ("Page N of M" as Word field codes), document properties
(title, author organisation, date), no empty section and no repeated quote.

Respects suppression (counts below the ``SMALL_COUNT_MIN`` setting are written as "fewer
than N") and consent (a story is quoted only when its teller agreed to quotation)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

from common.suppression import is_small, min_count

from .chapter import MONITORING_COLUMNS, Chapter


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES…) that Word and LibreOffice compute when they lay out."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), ("instr", code), ("separate", None), ("text", "1")):
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        elif kind == "text":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def _page_numbers(document, label: str) -> None:
    for section in document.sections:
        paragraph = section.footer.paragraphs[0]
        paragraph.text = ""
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(f"{label} — " + _("page") + " ")
        _field(paragraph, "PAGE")
        paragraph.add_run(" " + _("of") + " ")
        _field(paragraph, "NUMPAGES")


def _table(document, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = str(text)


def _bullets(document, lines: Sequence[str], style: str = "List Bullet") -> None:
    for line in lines:
        document.add_paragraph(line, style=style)


def _new_document(*, title: str, subject: str, author: str, when: datetime):
    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    properties = document.core_properties
    properties.title = title
    properties.subject = subject
    properties.author = author
    properties.last_modified_by = author
    properties.created = when
    properties.modified = when
    properties.keywords = "LNOB; Common Country Analysis; leave no one behind"
    properties.comments = _(
        "Counts below %(n)s are written as “fewer than %(n)s”; stories are quoted only where "
        "the teller agreed to quotation."
    ) % {"n": min_count()}
    return document


def _title(document, title: str, country: str, when: datetime, author: str) -> None:
    document.add_heading(title, level=0)
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{country} · {date_format(when, 'DATE_FORMAT')} · {author}").bold = True
    document.add_paragraph(
        _(
            "Counts below %(n)s are written as “fewer than %(n)s”; stories are quoted only "
            "where the teller agreed to quotation."
        )
        % {"n": min_count()}
    )


def add_chapter(document, chapter: Chapter, *, level: int = 1) -> None:
    """The chapter's sections, each only when it has something to say."""
    sub = level + 1 if level > 0 else 1

    def heading(text: str) -> None:
        document.add_heading(text, level=sub)

    if chapter.summary:
        heading(_("Summary"))
        for line in chapter.summary:
            document.add_paragraph(line)
    if chapter.survey or chapter.figures:
        heading(_("Survey evidence"))
        _bullets(document, chapter.survey)
        for figure in chapter.figures:
            document.add_picture(io.BytesIO(figure.png), width=Inches(6))
            caption = document.add_paragraph(f"{figure.caption}. {figure.alt}")
            caption.style = "Caption"
    if chapter.voice or chapter.quotes:
        heading(_("Community voice"))
        for line in chapter.voice:
            document.add_paragraph(line)
        for quote in chapter.quotes:
            said_by = f" — {quote.said_by}" if quote.said_by else ""
            document.add_paragraph(f"“{quote.text}”{said_by}", style="Intense Quote")
    if chapter.recommendations:
        heading(_("Recommendations"))
        document.add_paragraph(
            chapter.recommendations_note
            or _("All %(total)s recommendations naming the group.")
            % {"total": chapter.recommendations_total}
        )
        _bullets(document, chapter.recommendations)
    if chapter.convergence or chapter.data_gaps:
        heading(_("Convergence and data gaps"))
        if chapter.convergence:
            _table(
                document,
                (_("SDG"), _("Survey"), _("Community voice"), _("Recommendations")),
                chapter.convergence,
            )
        if chapter.data_gaps:
            document.add_paragraph(_("Data gaps") + ":")
            _bullets(document, chapter.data_gaps)
    if chapter.causes:
        heading(_("Problem tree"))
        for depth, text in chapter.causes:
            paragraph = document.add_paragraph(text, style="List Bullet")
            paragraph.paragraph_format.left_indent = Pt(18 + 14 * depth)
    if chapter.roles:
        heading(_("Roles and capacity gaps"))
        for role, gaps in chapter.roles:
            document.add_paragraph(role, style="List Bullet")
            _bullets(document, gaps, "List Bullet 2")
    if chapter.actions:
        heading(_("Actions"))
        _bullets(document, chapter.actions)
    if chapter.monitoring:
        heading(_("Monitoring"))
        _table(document, [str(c) for c in MONITORING_COLUMNS], chapter.monitoring)
    if chapter.sources:
        heading(_("Sources"))
        for kind, items in chapter.sources.items():
            document.add_paragraph(kind, style="Heading 4" if sub < 4 else None)
            _bullets(document, items)
    if chapter.annex:
        heading(
            _("Annex: all %(n)s recommendations naming %(g)s")
            % {"n": len(chapter.annex), "g": chapter.group}
        )
        _bullets(document, chapter.annex, "List Number")


def _bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def dossier_document(chapter: Chapter, *, author: str, when: datetime | None = None) -> bytes:
    """One group's dossier: title with country and date, then the chapter."""
    when = when or datetime.now()
    title = _("Group dossier: %(g)s") % {"g": chapter.group}
    document = _new_document(
        title=f"{title} ({chapter.country})",
        subject=f"LNOB: {chapter.group}, {chapter.country}",
        author=author,
        when=when,
    )
    _title(document, title, chapter.country, when, author)
    add_chapter(document, chapter, level=0)
    _page_numbers(document, f"{chapter.group}, {chapter.country}")
    return _bytes(document)


def participation_section(document, indicators, *, level: int = 1) -> None:
    """The participation indicators (``evidence.participation``) as tables."""
    p = indicators.participation

    def count(value) -> str:
        return _("fewer than %(n)s") % {"n": min_count()} if is_small(value) else str(value)

    document.add_heading(_("Participation: who was heard, and who was not"), level=level)
    lines = [f"{_('Approved stories')}: {count(p.stories)}."]
    if p.focus_groups:
        lines.append(
            f"{_('Focus-group discussions')}: {p.focus_groups} "
            f"({count(p.participants)} {_('participants')}); "
            f"{_('Focus groups with accessibility accommodations')}: "
            f"{p.accessible_focus_groups} / {p.focus_groups}."
        )
    for line in lines:
        document.add_paragraph(line)
    if p.heard:
        document.add_paragraph(_("Population groups people self-identified with") + ":")
        _table(
            document,
            (_("Group"), _("Stories"), _("Focus-group participants")),
            [(g.name, count(g.stories), count(g.participants)) for g in p.heard],
        )
    if indicators.not_heard:
        document.add_paragraph(
            _("Who was not heard")
            + ": "
            + _(
                "Groups that human-rights recommendations name, that survey trees found "
                "furthest behind, or that a campaign set out to hear, from whom no story or "
                "focus group has come. Each is a data gap on the group's page."
            )
        )
        _table(
            document,
            (
                _("Group"),
                _("Recommendations naming it"),
                _("Furthest behind in"),
                _("A campaign wanted to hear it"),
            ),
            [
                (
                    g.name,
                    str(g.recommendations),
                    ", ".join(g.furthest_behind) or "—",
                    _("yes") if g.wanted else "—",
                )
                for g in indicators.not_heard
            ],
        )
    if p.story_languages:
        document.add_paragraph(
            _("Languages used")
            + ": "
            + ", ".join(f"{code} ({count(n)})" for code, n in p.story_languages)
            + "."
        )


def country_report_document(
    chapters: Sequence[Chapter], indicators, *, country: str, author: str, when=None
) -> bytes:
    """The country report: participation indicators, then one chapter per selected group."""
    when = when or datetime.now()
    title = _("Leave no one behind: country report, %(c)s") % {"c": country}
    document = _new_document(
        title=title,
        subject="LNOB: Common Country Analysis",
        author=author,
        when=when,
    )
    _title(document, title, country, when, author)
    if chapters:
        document.add_paragraph(_("Groups to include") + ": " + "; ".join(c.group for c in chapters))
    participation_section(document, indicators, level=1)
    for chapter in chapters:
        document.add_heading(chapter.group, level=1)
        add_chapter(document, chapter, level=1)
    _page_numbers(document, _("Country report: %(c)s") % {"c": country})
    return _bytes(document)
