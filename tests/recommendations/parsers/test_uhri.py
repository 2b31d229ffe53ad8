"""UHRI bulk export, JSON and XLSX (PRODUCT.md §5), on small files built here."""

import copy
import datetime
import io
import json

import openpyxl
import pytest

from recommendations.parsers import (
    ParseError,
    iter_uhri,
    iter_uhri_countries,
    iter_uhri_json,
    iter_uhri_xlsx,
)

from .builders import UHRI_RECORDS, write_uhri_json, write_uhri_xlsx


@pytest.fixture(params=["json", "xlsx"])
def export(request, tmp_path):
    """The same six records as a JSON and as an XLSX export, and the reader for each."""
    if request.param == "json":
        return write_uhri_json(tmp_path / "export-full-en.json"), iter_uhri_json
    return write_uhri_xlsx(tmp_path / "export-full-en.xlsx"), iter_uhri_xlsx


def _ids(records):
    return [r.external_id[-1] for r in records]


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        (None, ["1", "2", "3", "4", "5", "6"]),
        ("Timor-Leste", ["2", "3"]),
        ("timor-leste", ["2", "3"]),
        ("Guinea-Bissau", ["3"]),
        ("Guinea", ["5"]),  # not Guinea-Bissau nor Equatorial Guinea
        ("Niger", ["3"]),  # not Nigeria
        ("Nigeria", ["4"]),
        ("Atlantis", []),
    ],
)
def test_country_filter(export, country, expected):
    path, reader = export
    assert _ids(reader(path, country=country)) == expected


def test_treaty_body_concern_fields(export):
    path, reader = export
    (record,) = reader(path, country="Peru")
    assert record.external_id == "0f1c2d3e-0000-4000-8000-000000000001"
    assert record.annotation_type == "concern"
    assert record.body == "CRC"
    assert record.countries == ("Peru",)
    assert record.document_id == "d-crc-per-6-7"
    assert record.symbol == "CRC/C/PER/CO/6-7"
    assert record.publication_date == datetime.date(2016, 3, 2)
    assert record.publication_date_on_uhri == datetime.date(2023, 5, 4)
    assert record.regions == ("Latin America and the Caribbean",)
    assert record.sdg_goals == (4, 16)
    assert record.sdg_targets == ("4.1", "16.2")
    assert record.text == (
        "4.The Committee is concerned that children’s access to birth registration & justice "
        "remains limited in rural areas."
    )
    assert record.text_html == (
        "<p>4.The Committee&nbsp;is concerned that children’s access to birth registration "
        "&amp; justice remains <strong>limited</strong> in rural areas.</p>"
    )
    assert record.paragraph == "4"
    assert record.themes == (
        "Birth registration",
        "Children: definition; general principles; protection",
    )
    assert record.affected_persons == ("Children", "Persons living in rural areas")
    assert (record.upr_cycle, record.upr_session, record.upr_position) == (None, None, "")
    assert record.recommending_states == record.recommending_regions == ()
    assert record.source_of_position == ""


def test_upr_recommendation_fields(export):
    path, reader = export
    record = next(r for r in reader(path, country="Timor-Leste") if r.body == "UPR")
    assert record.annotation_type == "recommendation"
    assert record.paragraph == "136.1"
    assert record.upr_session == 40
    assert record.upr_cycle == 3  # derived from session 40
    assert record.upr_position == "Supported"
    assert record.recommending_states == ("Portugal", "Bolivia (Plurinational State of)")
    assert record.recommending_regions == ("WEOG", "GRULAC")
    assert record.publication_date == datetime.date(2022, 1, 5)
    assert record.themes == (
        "Acceptance of international norms",
        "A12 Acceptance of international norms",
    )
    (guinea,) = reader(path, country="Guinea")
    assert (guinea.upr_cycle, guinea.upr_session) == (4, 43)
    assert guinea.upr_position == "Supported/Noted"
    assert guinea.recommending_states == ("Iran (Islamic Republic of)", "Timor-Leste")
    assert guinea.sdg_goals == guinea.sdg_targets == ()


def test_multi_country_special_procedure_and_unsafe_html(export):
    path, reader = export
    (record,) = reader(path, country="Niger")
    assert record.countries == ("Guinea-Bissau", "Timor-Leste", "Niger")
    assert record.body == "SR on the right to food"
    assert record.paragraph == "12"
    assert record.text == "12. States should protect small-scale farmers & fishers."
    assert "script" not in record.text_html and "javascript" not in record.text_html
    assert '<a href="https://www.ohchr.org/food" rel="noopener noreferrer">protect</a>' in (
        record.text_html
    )
    assert record.regions == ("African States", "Asia-Pacific States")


def test_json_and_xlsx_give_the_same_records(tmp_path):
    from_json = list(iter_uhri_json(write_uhri_json(tmp_path / "e.json"), country=None))
    from_xlsx = list(iter_uhri_xlsx(write_uhri_xlsx(tmp_path / "e.xlsx"), country=None))
    assert from_json == from_xlsx


def test_entities_and_ellipsis(export):
    path, reader = export
    (record,) = reader(path, country="Equatorial Guinea")
    assert record.text == "The Committee notes… migrants & refugees."
    assert record.paragraph == ""


def test_readers_accept_open_binary_files_and_sniff_the_format(export):
    path, reader = export
    with open(path, "rb") as handle:
        assert len(list(reader(handle, country="Timor-Leste"))) == 2
    data = io.BytesIO(path.read_bytes())
    assert len(list(iter_uhri(data, country="Timor-Leste"))) == 2


def test_country_picker(export):
    path, _ = export
    assert list(iter_uhri_countries(path)) == [
        "Peru",
        "Timor-Leste",
        "Guinea-Bissau",
        "Niger",
        "Nigeria",
        "Guinea",
        "Equatorial Guinea",
    ]
    assert list(iter_uhri_countries(io.BytesIO(path.read_bytes())))[:2] == ["Peru", "Timor-Leste"]


# --- XLSX quirks ------------------------------------------------------------------------------


def _sheet_cell(path, row, field):
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    return sheet.cell(row=row, column=header.index(field) + 1)


def test_xlsx_fixture_follows_the_export_quirks(tmp_path):
    path = write_uhri_xlsx(tmp_path / "e.xlsx")
    assert _sheet_cell(path, 4, "Countries").value == "- Guinea-Bissau\n- Timor-Leste\n- Niger"
    assert _sheet_cell(path, 2, "Body").value == "- CRC"
    assert _sheet_cell(path, 2, "Text").value.startswith("- <p>4.The Committee&nbsp;")
    assert _sheet_cell(path, 3, "UprSession").value == "- 40"
    assert _sheet_cell(path, 2, "PublicationDate").is_date


def test_xlsx_excel_serial_dates_and_windows_line_breaks(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["AnnotationId", "AnnotationType", "Countries", "Text", "PublicationDate"])
    sheet.append(["a1", "- Recommendations", "- Timor-Leste\r\n- Guinea-Bissau", "- 5. Do", 44197])
    workbook.save(tmp_path / "e.xlsx")
    (record,) = iter_uhri_xlsx(tmp_path / "e.xlsx", country="guinea-bissau")
    assert record.countries == ("Timor-Leste", "Guinea-Bissau")
    assert record.publication_date == datetime.date(2021, 1, 1)
    assert (record.text, record.paragraph) == ("5. Do", "5")


# --- malformed input --------------------------------------------------------------------------


def _json_file(tmp_path, content: str | bytes):
    path = tmp_path / "bad.json"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _broken(index: int, **changes) -> list[dict]:
    records = copy.deepcopy(UHRI_RECORDS)
    for field, value in changes.items():
        if value is KeyError:
            del records[index][field]
        else:
            records[index][field] = value
    return records


def test_truncated_json_names_the_record(tmp_path):
    text = json.dumps(UHRI_RECORDS)
    cut = text.index('"0f1c2d3e-0000-4000-8000-000000000003"') + 20
    path = _json_file(tmp_path, text[:cut])
    with pytest.raises(ParseError, match=r"malformed or truncated at record 2 \(counting from 0"):
        list(iter_uhri_json(path, country=None))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"AnnotationId": "x"}', "must be one array of records"),
        ("", "empty"),
        ("   \n", "empty"),
        ("[1, 2]", r"record 0: expected an object"),
        ('[{"AnnotationId": "a", "Text": "t", "AnnotationType": "- Recommendations"}, [1]]',
         r"record 1: expected an object"),
        ("[{]", "malformed or truncated at record 0"),
    ],
)  # fmt: skip
def test_json_that_is_not_an_array_of_objects(tmp_path, content, message):
    with pytest.raises(ParseError, match=message):
        list(iter_uhri_json(_json_file(tmp_path, content), country=None))


@pytest.mark.parametrize(
    ("index", "changes", "message"),
    [
        (1, {"AnnotationId": KeyError}, "record 1: the required field AnnotationId is missing"),
        (0, {"Text": ""}, "record 0: the required field Text is missing or empty"),
        (2, {"Text": ["<p>x</p>"]}, "record 2: Text should be a text"),
        (3, {"Countries": 7}, "record 3: Countries should be a list of texts, not int"),
        (1, {"Themes": ["ok", {"label": "x"}]}, "record 1: Themes should hold texts"),
        (1, {"PublicationDate": "next Tuesday"}, "record 1: PublicationDate: 'next Tuesday'"),
        (1, {"UprPositions": "Maybe"}, "record 1: UprPositions 'Maybe' is not Supported"),
        (1, {"UprSession": "forty"}, "record 1: UprSession should be a number"),
        (
            5,
            {"AnnotationType": "- Press release"},
            "record 5: AnnotationType 'Press release' is neither",
        ),
        (0, {"Body": {"name": "CRC"}}, "record 0: Body should be a text"),
    ],
)
def test_json_field_errors_name_the_record(tmp_path, index, changes, message):
    path = write_uhri_json(tmp_path / "e.json", _broken(index, **changes))
    with pytest.raises(ParseError, match=message):
        list(iter_uhri_json(path, country=None))


def test_byte_order_mark_and_invalid_utf8(tmp_path):
    path = _json_file(tmp_path, b"\xef\xbb\xbf" + json.dumps(UHRI_RECORDS[:1]).encode())
    assert len(list(iter_uhri_json(path, country="Peru"))) == 1
    path = _json_file(tmp_path, b'[{"AnnotationId": "a", "Text": "\xff\xfe"}]')
    with pytest.raises(ParseError, match="record 0"):
        list(iter_uhri_json(path, country=None))


def test_text_mode_file_is_refused(tmp_path):
    path = write_uhri_json(tmp_path / "e.json")
    with open(path, encoding="utf-8") as handle, pytest.raises(ParseError, match="binary"):
        list(iter_uhri_json(handle, country=None))


def test_missing_file(tmp_path):
    with pytest.raises(ParseError, match="Cannot open"):
        list(iter_uhri_json(tmp_path / "nope.json", country=None))


def test_xlsx_errors(tmp_path):
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ParseError, match="not a readable XLSX"):
        list(iter_uhri_xlsx(tmp_path / "fake.xlsx", country=None))

    workbook = openpyxl.Workbook()
    workbook.active.append(["Id", "Countries", "Text"])
    workbook.save(tmp_path / "header.xlsx")
    with pytest.raises(ParseError, match="Row 1 .* lacks AnnotationId"):
        list(iter_uhri_xlsx(tmp_path / "header.xlsx", country=None))

    path = write_uhri_xlsx(tmp_path / "e.xlsx", _broken(2, PublicationDate="31 Febtember"))
    with pytest.raises(ParseError, match="row 4: PublicationDate"):
        list(iter_uhri_xlsx(path, country=None))

    empty = openpyxl.Workbook()
    empty.save(tmp_path / "empty.xlsx")
    with pytest.raises(ParseError, match="empty"):
        list(iter_uhri_xlsx(tmp_path / "empty.xlsx", country=None))
