"""The one CSV/XLSX reading kernel (``common.spreadsheets``), with files in the shapes that
KoboToolbox, ODK Central, OHCHR and Excel write, and the two importers that read through it
(partner uploads and the recommendations template) agreeing on the same bytes."""

import codecs
import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from common.spreadsheets import (
    UnreadableText,
    cell_text,
    detect_encoding,
    iter_sheet_text,
    open_workbook,
    split_header,
)
from consultations.ingest import ExportError, open_export
from recommendations.template import TemplateError, read_template

DATA = Path(__file__).parent.parent / "consultations" / "data"
KOBO_MARKERS = ("_uuid", "meta/rootUuid", "_submission_time")

# KoboToolbox's CSV export: ';'-separated, every value quoted, UTF-8 (group paths with '/').
KOBO = (DATA / "kobo_export.csv").read_bytes()
# ODK Central's CSV export: ',', UTF-8 without a byte-order mark (central-backend#792),
# group paths with '-', meta-instanceID and KEY.
ODK_CENTRAL = (
    "SubmissionDate,consent,story,language,meta-instanceID,KEY,SubmitterID,SubmitterName,"
    "AttachmentsPresent,AttachmentsExpected,Status,ReviewState,DeviceID,Edits,FormVersion\n"
    '2024-06-01T10:00:00.000Z,yes,"Sí, el pozo se secó",es,uuid:odk-1,uuid:odk-1,5,partner,'
    "0,0,,,,0,v1\n"
).encode()
TEMPLATE = (
    "external_id,mechanism,mechanism_kind,type,symbol,publication_date,paragraph,text\n"
    ",CEACR,ilo,recommendation,,2024-01-01,3,Protéger les défenseurs des droits humains\n"
)


def _excel_unicode_text(text: str) -> bytes:
    """Excel's "Unicode text": UTF-16 little-endian with a byte-order mark, tab-separated,
    CRLF line ends."""
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(rows)
    return codecs.BOM_UTF16_LE + out.getvalue().encode("utf-16-le")


def _excel_csv_semicolon(text: str, encoding: str) -> bytes:
    """Excel's "CSV" in a French or Spanish locale: ';', CRLF, Windows-1252 (or "CSV UTF-8",
    the same with a UTF-8 byte-order mark)."""
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    data = out.getvalue().encode(encoding)
    return codecs.BOM_UTF8 + data if encoding == "utf-8" else data


@pytest.mark.parametrize(
    ("data", "encoding", "noted"),
    [
        (KOBO, "utf-8", False),
        (ODK_CENTRAL, "utf-8", False),
        (codecs.BOM_UTF8 + ODK_CENTRAL, "utf-8-sig", False),
        (_excel_unicode_text(TEMPLATE), "utf-16", False),
        (_excel_csv_semicolon(TEMPLATE, "cp1252"), "cp1252", True),
        (_excel_csv_semicolon(TEMPLATE, "utf-8"), "utf-8-sig", False),
    ],
    ids=["kobo", "odk-central", "odk-bom", "excel-unicode", "excel-csv-1252", "excel-csv-utf8"],
)
def test_encodings_of_real_exports(data, encoding, noted):
    found = detect_encoding(data[:4096], display_name="“f.csv”", complete=len(data) <= 4096)
    assert found.encoding == encoding
    assert bool(found.note) is noted
    assert "é" in data.decode(encoding) or "í" in data.decode(encoding) or b"_uuid" in data


def test_a_late_non_utf8_byte_is_found_when_the_whole_file_is_checked():
    data = b"a,b\n" + b"x,y\n" * 2000 + "é,ü\n".encode("cp1252")
    assert detect_encoding(data[:4096], display_name="f").encoding == "utf-8"  # head only
    whole = detect_encoding(data[:4096], display_name="f", stream=io.BytesIO(data))
    assert whole.encoding == "cp1252" and "Windows-1252" in whole.note


@pytest.mark.parametrize(
    ("data", "encoding"),
    [(TEMPLATE.encode("utf-16-le"), "utf-16-le"), (TEMPLATE.encode("utf-16-be"), "utf-16-be")],
)
def test_utf16_without_a_byte_order_mark_is_read_with_a_note(data, encoding):
    found = detect_encoding(data, display_name="“upload.csv”", complete=True)
    assert found.encoding == encoding and "without a byte-order mark" in found.note
    assert "Protéger" in data.decode(found.encoding)


def test_text_windows_1252_cannot_read_is_refused_not_read_as_latin1():
    # 0x81 is no Windows-1252 character; Latin-1 would read it as a C1 control character, so
    # accepting the file as Latin-1 would only ever read letters wrong, silently
    data = ("région;note\n" + "Hauts-Bassins;ça va\n" * 20).encode("cp1252") + b"x\x81y;1\n"
    with pytest.raises(UnreadableText) as refused:
        detect_encoding(data, display_name="“notes.csv”", complete=True)
    assert refused.value.reason == "undecodable" and "“notes.csv”" in str(refused.value)


def test_junk_after_the_first_block_is_refused_when_the_whole_file_is_read():
    # the start is clean ASCII; the C1 bytes come after the sniffed head
    data = b"region;note\n" + b"North;fine\n" * 10_000 + b"\x81\x8d\x8f\x90\x9d;1\n" * 100
    with pytest.raises(UnreadableText):
        detect_encoding(data[:4096], display_name="f", stream=io.BytesIO(data[4096:]))


@pytest.mark.parametrize(
    ("data", "reason", "message"),
    [
        (b"\x00\x01\x02binary\xff\x00" * 20, "binary", "contains binary data"),
        (bytes(range(1, 9)) * 50 + b"\x81\x8d", "undecodable", "could not be decoded as text"),
        (b"\x81\x8d\x8f\x90\x9d" * 10, "undecodable", "characters could not be read"),
        (b"PK\x03\x04\x14\x00\x00\x00" + b"x" * 100, "zip", "rename it to .xlsx"),
    ],
    ids=["nul-bytes", "control-characters", "c1-controls", "zip"],
)
def test_unreadable_text_is_refused_with_what_to_do(data, reason, message):
    with pytest.raises(UnreadableText, match=message) as refused:
        detect_encoding(data, display_name="“upload.csv”", complete=True)
    assert "“upload.csv”" in str(refused.value) and refused.value.reason == reason


@pytest.mark.parametrize(
    ("line", "markers", "delimiter", "width"),
    [
        (KOBO.decode().splitlines()[0], KOBO_MARKERS, ";", 32),
        (ODK_CENTRAL.decode().splitlines()[0], ("meta-instanceID",), ",", 15),
        ("external_id\tmechanism\ttext", (), "\t", 3),
        ("external_id;mechanism;text", (), ";", 3),
        ("a single column", (), ",", 1),
    ],
)
def test_delimiter_from_the_header(line, markers, delimiter, width):
    header, found = split_header(line, markers=markers)
    assert found == delimiter and len(header) == width


def test_the_delimiter_is_the_one_that_splits_every_row_alike():
    # The header alone splits as well by ';' as by ',' (2 cells, and ';' comes first on a
    # tie); the rows decide.
    text = "id,age;years\n1,34\n2,36\n3,41\n"
    assert split_header(text) == (["id", "age;years"], ",")
    # quoted delimiters inside values (a story with ';') do not count
    text = 'name,comment\nA,"yes; mostly"\nB,"no; never"\n'
    assert split_header(text)[1] == ","


def test_a_marker_beats_a_wider_split():
    # Kobo's ';' header whose labels hold commas: the marker decides, not the width
    header, delimiter = split_header('"_uuid";"Age, in years";"Sex, as told"', markers=("_uuid",))
    assert delimiter == ";" and header == ["_uuid", "Age, in years", "Sex, as told"]


def test_xlsx_cells_read_as_the_text_a_csv_would_hold(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Stories"
    sheet.append(["_id", "_submission_time", "today", "dyad_1", "consent", "note"])
    sheet.append(
        [1001.0, dt.datetime(2024, 3, 5, 7, 15, 32), dt.date(2024, 3, 5), 0.35, True, None]
    )
    path = tmp_path / "kobo.xlsx"
    workbook.save(path)
    with open_workbook(path, display_name="“kobo.xlsx”") as book:
        rows = list(iter_sheet_text(book.worksheets[0]))
    assert rows[1] == (2, ["1001", "2024-03-05T07:15:32", "2024-03-05", "0.35", "1", ""])
    assert cell_text(3.0) == "3" and cell_text(False) == "0"


def test_a_damaged_workbook_is_refused_naming_the_upload(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(UnreadableText, match="“stories.xlsx” could not be opened"):
        with open_workbook(path, display_name="“stories.xlsx”"):
            pass


# --- both importers read through the kernel ---------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: _excel_unicode_text(text),
        lambda text: _excel_csv_semicolon(text, "cp1252"),
        lambda text: _excel_csv_semicolon(text, "utf-8"),
    ],
    ids=["utf8-comma", "excel-unicode-text", "excel-csv-1252", "excel-csv-utf8"],
)
def test_the_template_reads_what_excel_saves(tmp_path, encode):
    path = tmp_path / "ilo.csv"
    path.write_bytes(encode(TEMPLATE))
    (record,) = list(read_template(path, display_name="ilo.csv"))
    assert record.text == "Protéger les défenseurs des droits humains"
    assert record.body == "CEACR" and record.publication_date == dt.date(2024, 1, 1)


def test_the_template_xlsx_streams_through_the_kernel(tmp_path):
    workbook = openpyxl.Workbook()
    rows = list(csv.reader(io.StringIO(TEMPLATE)))
    workbook.active.append(rows[0])
    values = rows[1]
    values[5] = dt.datetime(2024, 1, 1)  # Excel turns the date into a date cell
    values[6] = 3.0  # and the paragraph into a number
    workbook.active.append(values)
    path = tmp_path / "ilo.xlsx"
    workbook.save(path)
    (record,) = list(read_template(path, display_name="ilo.xlsx"))
    assert record.publication_date == dt.date(2024, 1, 1) and record.paragraph == "3"


def test_a_kobo_export_saved_by_excel_as_unicode_text_is_read(tmp_path):
    text = KOBO.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(rows)
    path = tmp_path / "kobo.txt.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + out.getvalue().encode("utf-16-le"))
    export = open_export(path)
    assert export.encoding == "utf-16" and export.delimiter == "\t"
    original = open_export(DATA / "kobo_export.csv")
    assert [row for _n, row in export.iter_rows()] == [row for _n, row in original.iter_rows()]


# --- the three readers (survey files, partner uploads, the template) on the same bytes --------

# One file that every reader accepts: a Kobo export (it has _uuid) that also holds the
# template's columns, with accents, a comma and a semicolon inside quoted values.
SHARED_ROWS = [
    ["_uuid", "mechanism", "text", "région"],
    ["uuid-1", "CEACR", "Protéger les défenseurs; « vite », dit-elle", "Hauts-Bassins"],
    ["uuid-2", "CEDAW", "Niñas, adolescentes y mujeres rurales", "Centre-Est"],
]


def _csv_bytes(delimiter: str, line_end: str, encoding: str, bom: bytes = b"") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=line_end).writerows(SHARED_ROWS)
    return bom + out.getvalue().encode(encoding)


def _zip_renamed_csv() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("stories.csv", _csv_bytes(",", "\n", "utf-8"))
    return buffer.getvalue()


READABLE = {
    "utf8-bom-crlf-semicolon": _csv_bytes(";", "\r\n", "utf-8", codecs.BOM_UTF8),
    "cp1252-accents": _csv_bytes(",", "\r\n", "cp1252"),
    "utf16le-no-bom-tab": _csv_bytes("\t", "\r\n", "utf-16-le"),
}
REFUSED = {
    "zip-renamed-csv": (_zip_renamed_csv(), ("zip", "workbook")),
    "binary-junk": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
        ("contains binary data",),
    ),
    "control-junk": (bytes(range(1, 9)) * 50 + b"\x81\x8d", ("could not be read",)),
}


def _survey(path: Path):
    from analysis.surveyio import read_survey

    survey = read_survey(path)
    header = list(survey.frame.columns)
    rows = [[str(value) for value in row] for row in survey.frame.itertuples(index=False)]
    return header, rows, survey.messages


def _upload(path: Path):
    export = open_export(path)
    rows = [[row[column] for column in export.columns] for _n, row in export.iter_rows()]
    return list(export.columns), rows, export.notes


def _template(path: Path):
    return [(record.body, record.text) for record in read_template(path, display_name=path.name)]


@pytest.mark.parametrize("case", list(READABLE))
def test_the_three_readers_decode_the_same_file_alike(tmp_path, case):
    path = tmp_path / "stories.csv"
    path.write_bytes(READABLE[case])
    from analysis.surveyio import check_survey_upload

    assert check_survey_upload(path) == "csv"  # the survey upload's quick check (head only)
    survey_header, survey_rows, survey_notes = _survey(path)
    upload_header, upload_rows, upload_notes = _upload(path)
    assert survey_header == upload_header == SHARED_ROWS[0]
    assert survey_rows == upload_rows == SHARED_ROWS[1:]
    assert _template(path) == [(row[1], row[2]) for row in SHARED_ROWS[1:]]
    # the same note (or none) when the encoding had to be guessed
    assert list(survey_notes) == [note for note in upload_notes if "read as" in note]
    assert bool(survey_notes) is (case != "utf8-bom-crlf-semicolon")


@pytest.mark.parametrize("case", list(REFUSED))
def test_the_three_readers_refuse_the_same_files(tmp_path, case):
    from analysis.surveyio import SurveyFileError, read_survey

    data, words = REFUSED[case]
    path = tmp_path / "stories.csv"
    path.write_bytes(data)
    refusals = []
    for read, error in (
        (read_survey, SurveyFileError),
        (open_export, ExportError),
        (lambda p: list(read_template(p, display_name=p.name)), TemplateError),
    ):
        with pytest.raises(error) as refused:
            read(path)
        refusals.append(str(refused.value))
    for message in refusals:
        assert "stories.csv" in message  # names the person's file
        assert any(word in message.lower() for word in words), message
    if case != "zip-renamed-csv":  # one message, word for word, from the kernel
        assert all("could not be decoded as text" in message for message in refusals)


def test_the_three_readers_name_xlsx_columns_alike(tmp_path):
    # Excel stores a year typed as a header as the number 2024.0: every reader names the
    # column "2024", the text a CSV export of the sheet holds.
    workbook = openpyxl.Workbook()
    workbook.active.append([*SHARED_ROWS[0], 2024.0])
    for row in SHARED_ROWS[1:]:
        workbook.active.append([*row, 3.0])
    path = tmp_path / "stories.xlsx"
    workbook.save(path)
    expected = [*SHARED_ROWS[0], "2024"]
    survey_header, survey_rows, _notes = _survey(path)
    upload_header, upload_rows, _notes = _upload(path)
    assert survey_header == upload_header == expected
    assert [row[:4] for row in survey_rows] == [row[:4] for row in upload_rows] == SHARED_ROWS[1:]
    assert [row[4] for row in upload_rows] == ["3", "3"]  # the kernel's cell text
    assert _template(path) == [(row[1], row[2]) for row in SHARED_ROWS[1:]]
