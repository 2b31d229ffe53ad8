"""The group dossier as a DOCX file for Common Country Analysis drafters (python-docx).

Respects suppression (counts below 5 are written as "fewer than 5") and consent (a story is
quoted only when its teller agreed to quotation)."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt

STATE_TEXT = {
    "disadvantage": "disadvantage",
    "none": "no disadvantage",
    "silent": "silent",
    "fewer_than_5": "fewer than 5",
}


def _count(value) -> str:
    return "fewer than 5" if value is None else str(value)


def dossier_document(context: dict) -> bytes:
    group, data = context["group"], context["data"]
    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(f"Group dossier: {group.name}", level=0)
    document.add_paragraph(
        f"Evidence as of {context['summary'].computed_at:%Y-%m-%d}. Counts below 5 are not "
        "shown; stories are quoted only where the teller agreed."
    )
    document.add_heading("Where the evidence agrees, disagrees or is silent", level=1)
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ("SDG", "Survey", "Community voice", "Recommendations"), strict=True
    ):
        cell.text = text
    for row in data["matrix"]:
        cells = table.add_row().cells
        cells[0].text = f"{row['goal']}. {row['label']}"
        for cell, key in zip(cells[1:], ("survey", "voice", "recommendations"), strict=True):
            cell.text = STATE_TEXT.get(row[key], row[key])
    document.add_heading("Survey evidence", level=1)
    for row in data["survey"]:
        where = f", {row['region']}" if row["region"] else ""
        document.add_paragraph(
            f"{row['indicator']} ({row['round']}{where}): {', '.join(row['path'])} — "
            f"{row['rate']:.0%} against {row['national']:.0%} nationally; gap to the furthest "
            f"ahead {row['gap_to_ahead'] * 100:.0f} points; {row['share']:.0%} of the "
            "population.",
            style="List Bullet",
        )
    document.add_heading("Community voice", level=1)
    voice = data["voice"]
    document.add_paragraph(
        f"Approved stories: {_count(voice['count'])}; focus-group "
        f"discussions: {voice['focus_groups']}."
    )
    for narrative in context["sample"]:
        if narrative.use_quotation:
            document.add_paragraph(f"“{narrative.story}”", style="Intense Quote")
    for quote in context["quotes"]:
        document.add_paragraph(f"“{quote.text}” — {quote.speaker_group}", style="Intense Quote")
    document.add_heading("Recommendations", level=1)
    document.add_paragraph(f"{data['recommendations']['total']} recommendations name this group.")
    for rec in context["recommendations"]:
        document.add_paragraph(
            f"{rec.mechanism.code} {rec.paragraph}: {rec.text}", style="List Bullet"
        )
    document.add_heading("Problem tree", level=1)
    for cause, depth in context["outline"]:
        paragraph = document.add_paragraph(
            f"{cause.get_level_display()}: {cause.text}", style="List Bullet"
        )
        paragraph.paragraph_format.left_indent = Pt(14 * depth)
        for citation in cause.readable_citations:
            target = citation.target
            paragraph.add_run(f" [{target}]").italic = True
    document.add_heading("Role pattern and capacity gaps", level=1)
    for role in context["roles"]:
        document.add_paragraph(
            f"{role.name} ({role.get_kind_display()}): {role.claims_or_obligations}",
            style="List Bullet",
        )
        for gap in role.gaps.all():
            document.add_paragraph(
                f"{gap.get_dimension_display()} ({gap.get_severity_display()}): {gap.description}",
                style="List Bullet 2",
            )
    document.add_heading("Actions", level=1)
    for action in context["actions"]:
        document.add_paragraph(
            f"{action.title} — {action.owner}, {action.get_status_display()}", style="List Bullet"
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
