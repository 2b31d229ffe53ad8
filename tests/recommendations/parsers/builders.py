"""Small fixture files built in the tests, following PRODUCT.md §5."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import docx
import openpyxl

from recommendations.parsers import UHRI_FIELDS

HEADING = object()


def build_matrix(path: Path, *, title: str, header: list[str], rows: list) -> Path:
    """A UPR matrix: ``title`` in the page header, a table with ``header``, then rows that are
    either ``(HEADING, "Theme: …")`` (one merged cell) or lists of cell texts (lines split on
    "\\n" become paragraphs, as in the OHCHR files)."""
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = title
    table = document.add_table(rows=0, cols=len(header))
    for row in [header, *rows]:
        cells = table.add_row().cells
        if isinstance(row, tuple) and row[0] is HEADING:
            merged = cells[0].merge(cells[-1])
            merged.text = row[1]
            continue
        for cell, text in zip(cells, row, strict=True):
            lines = text.split("\n")
            cell.text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)
    document.save(path)
    return path


# Six UHRI records as the JSON export has them (PRODUCT.md §5): 18 fields, "- " prefixes on
# type and body, lists, HTML with entities, goals and targets mixed in Sdgs, UPR and non-UPR.
UHRI_RECORDS: list[dict] = [
    {
        "AnnotationId": "0f1c2d3e-0000-4000-8000-000000000001",
        "AnnotationType": "- Concerns/Observations",
        "Body": "- CRC",
        "Countries": ["Peru"],
        "DocumentId": "d-crc-per-6-7",
        "Symbol": "CRC/C/PER/CO/6-7",
        "PublicationDate": "2016-03-02",
        "PublicationDateOnUhri": "2023-05-04 10:20:30",
        "Regions": ["Latin America and the Caribbean"],
        "Sdgs": [
            "16 - PEACE, JUSTICE AND STRONG INSTITUTIONS",
            "16.2 - End abuse, exploitation, trafficking and all forms of violence against…",
            "4.1 - By 2030, ensure that all girls and boys complete free, equitable and quality…",
        ],
        "Text": (
            "<p>4.The Committee&nbsp;is concerned that children&#8217;s access to birth "
            "registration &amp; justice remains <b>limited</b> in rural areas.</p>"
        ),
        "Themes": ["Birth registration", "Children: definition; general principles; protection"],
        "AffectedPersons": ["Children", "Persons living in rural areas"],
        "UprCycle": None,
        "UprSession": [],
        "UprPositions": [],
        "UprRecommendingCountry": [],
        "UprRecommendingRegions": [],
    },
    {
        "AnnotationId": "0f1c2d3e-0000-4000-8000-000000000002",
        "AnnotationType": "- Recommendations",
        "Body": "- UPR",
        "Countries": ["Timor-Leste"],
        "DocumentId": "d-upr-tls-3",
        "Symbol": "A/HRC/49/13",
        "PublicationDate": "2022-01-05T00:00:00",
        "PublicationDateOnUhri": "2022-06-30 08:00:00",
        "Regions": ["Asia-Pacific States"],
        "Sdgs": ["5 - GENDER EQUALITY", "5.2 - Eliminate all forms of violence against…"],
        "Text": (
            "<p>136.1 Ratify the Optional Protocol to the Convention on the Rights of the Child "
            "on a communications procedure (Portugal) (Bolivia (Plurinational State of));</p>"
        ),
        "Themes": ["Acceptance of international norms", "A12 Acceptance of international norms"],
        "AffectedPersons": ["Children"],
        "UprCycle": None,
        "UprSession": 40,
        "UprPositions": "Supported",
        "UprRecommendingCountry": ["Portugal", "Bolivia (Plurinational State of)"],
        "UprRecommendingRegions": ["WEOG", "GRULAC"],
    },
    {
        "AnnotationId": "0f1c2d3e-0000-4000-8000-000000000003",
        "AnnotationType": "- Recommendations",
        "Body": "- SR on the right to food",
        "Countries": ["Guinea-Bissau", "Timor-Leste", "Niger"],
        "DocumentId": "d-sr-food-2020",
        "Symbol": "A/HRC/43/44",
        "PublicationDate": "2020-01-21",
        "PublicationDateOnUhri": "2021-02-03",
        "Regions": ["African States", "Asia-Pacific States"],
        "Sdgs": ["2 - ZERO HUNGER", "2.1 - End hunger…"],
        "Text": (
            '<div>12. States should <a href="https://www.ohchr.org/food">protect</a> '
            'small-scale <a href="javascript:alert(1)">farmers</a>'
            "<script>alert('x')</script> &amp; fishers.</div>"
        ),
        "Themes": ["Right to food"],
        "AffectedPersons": ["Persons living in rural areas", "Persons living in poverty"],
        "UprCycle": None,
        "UprSession": [],
        "UprPositions": [],
        "UprRecommendingCountry": [],
        "UprRecommendingRegions": [],
    },
    {
        "AnnotationId": "0f1c2d3e-0000-4000-8000-000000000004",
        "AnnotationType": "- Recommendations",
        "Body": "- CEDAW",
        "Countries": ["Nigeria"],
        "DocumentId": "d-cedaw-nga-7-8",
        "Symbol": "CEDAW/C/NGA/CO/7-8",
        "PublicationDate": "2017-07-24",
        "PublicationDateOnUhri": "2020-01-01",
        "Regions": ["African States"],
        "Sdgs": ["5 - GENDER EQUALITY"],
        "Text": "<p>24. The Committee recommends that the State party&nbsp;adopt…</p>",
        "Themes": ["Discrimination against women"],
        "AffectedPersons": ["Women & girls"],
        "UprCycle": None,
        "UprSession": [],
        "UprPositions": [],
        "UprRecommendingCountry": [],
        "UprRecommendingRegions": [],
    },
    {
        "AnnotationId": "0f1c2d3e-0000-4000-8000-000000000005",
        "AnnotationType": "- Recommendations",
        "Body": "- UPR",
        "Countries": ["Guinea"],
        "DocumentId": "d-upr-gin-4",
        "Symbol": "A/HRC/54/7",
        "PublicationDate": "2023-07-11",
        "PublicationDateOnUhri": "2023-10-01",
        "Regions": ["African States"],
        "Sdgs": [],
        "Text": (
            "<p>38.12 Abolish the death penalty (Iran (Islamic Republic of)) (Timor-Leste);</p>"
        ),
        "Themes": ["Death penalty"],
        "AffectedPersons": [],
        "UprCycle": 4,
        "UprSession": 43,
        "UprPositions": "Supported/Noted",
        "UprRecommendingCountry": ["Iran (Islamic Republic of)", "Timor-Leste"],
        "UprRecommendingRegions": ["Asia-Pacific Group"],
    },
    {
        "AnnotationId": "0f1c2d3e-0000-4000-8000-000000000006",
        "AnnotationType": "- Concerns/Observations",
        "Body": "- CERD",
        "Countries": ["Equatorial Guinea"],
        "DocumentId": "d-cerd-gnq",
        "Symbol": "CERD/C/GNQ/CO/1",
        "PublicationDate": "2019-01-10",
        "PublicationDateOnUhri": "2019-02-10",
        "Regions": ["African States"],
        "Sdgs": ["10 - REDUCED INEQUALITIES"],
        "Text": "<p>The Committee notes&hellip; migrants &amp; refugees.</p>",
        "Themes": ["Racial discrimination"],
        "AffectedPersons": ["Migrants", "Refugees & asylum seekers"],
        "UprCycle": None,
        "UprSession": [],
        "UprPositions": [],
        "UprRecommendingCountry": [],
        "UprRecommendingRegions": [],
    },
]


def write_uhri_json(path: Path, records: list[dict] | None = None) -> Path:
    path.write_text(json.dumps(UHRI_RECORDS if records is None else records, indent=1))
    return path


def _xlsx_value(field: str, value):
    """How the XLSX export writes a value: "- " before each, one per line for lists."""
    if value is None or value == []:
        return None
    if isinstance(value, list):
        return "\n".join(f"- {item}" for item in value)
    if isinstance(value, int):
        return f"- {value}"
    if field == "PublicationDate":
        try:
            return datetime.datetime.fromisoformat(value)  # a real Excel date cell
        except ValueError:
            pass
    return value if value.startswith("- ") else f"- {value}"


def write_uhri_xlsx(path: Path, records: list[dict] | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(UHRI_FIELDS))
    for record in UHRI_RECORDS if records is None else records:
        sheet.append([_xlsx_value(f, record.get(f)) for f in UHRI_FIELDS])
    workbook.save(path)
    return path
