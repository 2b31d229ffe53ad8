"""Partner uploads: KoboToolbox CSV/XLSX and ODK Central CSV exports; plain pytest, no database."""

import csv
import datetime as dt
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from consultations.ingest import (
    ExportError,
    FieldSpec,
    NormalisedRow,
    RowProblem,
    detect_format,
    normalise_row,
    open_export,
    parse_submission_time,
    suggest_mapping,
    validate_mapping,
)

DATA = Path(__file__).parent / "data"
UTC = dt.UTC

GROUPS = ("women", "persons_with_disabilities", "migrants", "none", "prefer_not_to_say")
FIELDS = [
    FieldSpec("consent", "consent"),
    FieldSpec("story_title", "title"),
    FieldSpec("story", "story", required=True),
    FieldSpec("story_date", "date"),
    FieldSpec("triad_1", "triad", columns=3),
    FieldSpec("dyad_1", "dyad"),
    FieldSpec("groups", "groups", options=GROUPS),
    FieldSpec(
        "age_band", "age_band", options=("18_24", "25_39", "40_59", "60_plus", "prefer_not_to_say")
    ),
    FieldSpec("sex", "sex", options=("female", "male", "other", "prefer_not_to_say")),
    FieldSpec("language", "language", options=("en", "fr", "es")),
]
KOBO_MAPPING = {
    "consent": ["consent"],
    "story_title": ["story_group/story_title"],
    "story": ["story_group/story"],
    "story_date": ["story_group/story_date"],
    "triad_1": ["triad_1/money", "triad_1/family", "triad_1/luck"],
    "dyad_1": ["dyad_1"],
    "groups": ["identity/groups"],
    "age_band": ["identity/age_band"],
    "sex": ["identity/sex"],
    "language": ["language"],
}


def normalise_all(export, mapping, fields=FIELDS):
    return [
        normalise_row(row, mapping, fields, row_number=number, key_column=export.key_column)
        for number, row in export.iter_rows()
    ]


# --------------------------------------------------------------------------------------------
# Detection and opening


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("kobo_export.csv", "kobo_csv"),
        ("kobo_export.xlsx", "kobo_xlsx"),
        ("odk_export.csv", "odk_csv"),
    ],
)
def test_detect_format(name, fmt):
    assert detect_format(DATA / name) == fmt
    assert open_export(DATA / name).format == fmt


def test_kobo_csv_header_hxl_and_rows():
    export = open_export(DATA / "kobo_export.csv")
    assert export.delimiter == ";"
    assert export.key_column == "meta/rootUuid"
    assert export.submitted_at_column == "_submission_time"
    assert export.columns[:4] == ["start", "end", "today", "consent"]
    assert "identity/groups/women" in export.columns
    assert export.hxl_tags["identity/sex"] == "#gender"
    assert export.hxl_tags["story_group/story"] == "#description+story"
    rows = list(export.iter_rows())
    # Header is row 1, the HXL row is row 2: data starts at spreadsheet row 3.
    assert [number for number, _row in rows] == [3, 4, 5]
    story = rows[1][1]["story_group/story"]
    assert (
        story
        == 'Quand l\'eau a manqué ; nous avons « attendu » deux jours.\nLe maire a dit "patience".'
    )
    assert export.repeats == {}


def test_kobo_csv_normalised():
    export = open_export(DATA / "kobo_export.csv")
    first, second, third = normalise_all(export, KOBO_MAPPING)
    assert isinstance(first, NormalisedRow)
    assert first.row_number == 3
    assert first.key == "0b7c2f4e-6a1d-4d3e-9f4b-2a8e1c7d5b90"  # "uuid:" prefix removed
    assert first.submitted_at == dt.datetime(2024, 3, 5, 7, 15, 32, tzinfo=UTC)
    assert first.values["consent"] is True
    assert first.values["story_title"] == "The clinic closed"
    assert first.values["story_date"] == dt.date(2024, 2, 28)
    assert first.values["triad_1"] == pytest.approx((0.7, 0.2, 0.1))
    assert first.values["dyad_1"] == pytest.approx(0.35)
    assert first.values["groups"] == ("women", "persons_with_disabilities")
    assert first.values["age_band"] == "25_39"
    assert first.values["sex"] == "female"
    assert first.values["language"] == "en"

    assert second.values["consent"] is True  # "Oui"
    assert second.values["story_date"] == dt.date(2024, 3, 1)  # 01/03/2024 is day first
    assert second.values["triad_1"] == pytest.approx((0.2, 0.3, 0.5))  # proportions
    assert second.values["groups"] == ("none",)
    assert second.values["sex"] == "prefer_not_to_say"

    # Identity and signifiers unanswered: accepted, as None. No rootUuid: _uuid is the key.
    assert isinstance(third, NormalisedRow)
    assert third.key == "9a4e7c2d-1b3f-4e5a-8c6d-3f2b1a9e7d44"
    assert third.values["consent"] is True  # "sí"
    for key in ("story_date", "triad_1", "dyad_1", "groups", "age_band", "sex"):
        assert third.values[key] is None


def test_kobo_select_multiple_from_choice_columns_matches_the_space_separated_column():
    export = open_export(DATA / "kobo_export.csv")
    split = dict(KOBO_MAPPING)
    split["groups"] = [f"identity/groups/{choice}" for choice in GROUPS]
    from_split = normalise_all(export, split)
    from_column = normalise_all(export, KOBO_MAPPING)
    assert [row.values["groups"] for row in from_split] == [
        ("women", "persons_with_disabilities"),
        ("none",),
        None,  # empty 1/0 columns: unanswered
    ]
    assert [r.values for r in from_split] == [r.values for r in from_column]


def test_suggest_mapping_for_kobo():
    export = open_export(DATA / "kobo_export.csv")
    mapping = suggest_mapping(export.columns, FIELDS)
    assert mapping == {**KOBO_MAPPING, "groups_other": ["identity/groups_other"]}
    # the dyad's scale is never guessed: the person states it
    [problem] = validate_mapping(mapping, FIELDS, export.columns)
    assert "State the scale of the dyad 'dyad_1'" in problem
    mapping["dyad_1:scale"] = ["0-100"]
    assert validate_mapping(mapping, FIELDS, export.columns) == []
    rows = normalise_all(export, mapping)
    assert rows[0].values["groups_other"] == "widows"
    assert rows[1].values["groups_other"] is None


def test_suggest_mapping_uses_choice_columns_when_there_is_no_combined_column():
    columns = ["consent", "story", "identity/groups/women", "identity/groups/migrants", "_uuid"]
    mapping = suggest_mapping(columns, [FieldSpec("groups", "groups", options=GROUPS)])
    assert mapping == {"groups": ["identity/groups/women", "identity/groups/migrants"]}


def test_suggest_mapping_leaves_unknown_fields_unmapped_and_tries_synonyms():
    columns = ["Gender", "histoire", "q7", "_uuid", "_submission_time", "_index"]
    fields = [
        FieldSpec("sex", "sex"),
        FieldSpec("story", "story"),
        FieldSpec("wellbeing", "dyad"),
    ]
    assert suggest_mapping(columns, fields) == {"sex": ["Gender"], "story": ["histoire"]}


def test_kobo_xlsx_with_repeat_group():
    export = open_export(DATA / "kobo_export.xlsx")
    assert export.format == "kobo_xlsx"
    assert export.key_column == "meta/rootUuid"
    assert export.repeat_sheets == ("household_members",)
    rows = normalise_all(export, suggest_mapping(export.columns, FIELDS))
    assert [row.row_number for row in rows] == [2, 3]
    first, second = rows
    assert first.key == "4a6c8e0f-1b3d-4f5a-9c7e-2d4f6a8c0e11"
    assert first.submitted_at == dt.datetime(2024, 5, 2, 7, 30, 12, tzinfo=UTC)
    assert first.values["story_date"] == dt.date(2024, 4, 28)  # a date cell
    assert first.values["triad_1"] == pytest.approx((0.25, 0.5, 0.25))  # number cells
    assert first.values["dyad_1"] == pytest.approx(0.6)
    assert second.values["groups"] == ("migrants", "none")
    assert second.values["consent"] is True

    members = export.repeats["household_members"]
    assert [m["household_members/member_role"] for m in members] == ["head", "child", "head"]
    by_parent = export.repeats_by_parent("household_members")
    main_index = {row["_index"]: row["meta/rootUuid"] for _n, row in export.iter_rows()}
    assert {main_index[parent]: len(kids) for parent, kids in by_parent.items()} == {
        "uuid:4a6c8e0f-1b3d-4f5a-9c7e-2d4f6a8c0e11": 2,
        "uuid:8d0f2b4c-6e8a-4c1e-b3d5-7f9a1c3e5b22": 1,
    }
    assert [n for n, _row in export.iter_repeat_rows("household_members")] == [2, 3, 4]
    with pytest.raises(ExportError, match="household_members"):
        list(export.iter_repeat_rows("children"))


def test_odk_csv():
    export = open_export(DATA / "odk_export.csv")
    assert export.delimiter == ","
    assert export.key_column == "meta-instanceID"
    assert export.submitted_at_column == "SubmissionDate"
    mapping = suggest_mapping(export.columns, FIELDS)
    assert mapping["story"] == ["story_group-story"]
    assert mapping["triad_1"] == ["triad_1-money", "triad_1-family", "triad_1-luck"]
    assert mapping["groups"] == ["identity-groups"]
    assert mapping["sex"] == ["identity-sex"]
    assert "SubmitterName" not in sum(mapping.values(), [])
    first, second, third = normalise_all(export, mapping)
    assert first.key == "7d3f9a21-5c2e-4b8f-9a1d-6e4c2b8f0a13"
    assert first.submitted_at == dt.datetime(2024, 4, 2, 8, 31, 5, 412000, tzinfo=UTC)
    assert first.values["triad_1"] == pytest.approx((0.15, 0.7, 0.15))
    # An offset is converted to UTC.
    assert second.submitted_at == dt.datetime(2024, 4, 2, 8, 2, 48, 907000, tzinfo=UTC)
    assert second.values["consent"] is True  # "1"
    assert second.values["story_date"] == dt.date(2024, 4, 2)
    assert second.values["groups"] == ("women", "persons_with_disabilities")
    assert third.values["consent"] is True  # "true"
    assert third.values["groups"] == ("prefer_not_to_say",)
    assert third.values["story_title"] is None


def test_bad_rows_give_the_exact_reasons():
    export = open_export(DATA / "kobo_bad_rows.csv")
    assert export.hxl_tags == {}
    good, missing, refused = normalise_all(export, KOBO_MAPPING)
    assert isinstance(good, NormalisedRow)
    assert isinstance(missing, RowProblem)
    assert missing.row_number == 3
    assert missing.key == "c1d2e3f4-0000-4000-8000-000000000002"
    assert missing.reasons == (
        "consent is missing — a story without consent cannot be stored",
        "required field 'story' is empty",
        "unparseable date '31/02/2024'",
        "triad values are all zero for 'triad_1'",
        "unknown choice 'x' for 'sex' (allowed: female, male, other, prefer_not_to_say)",
    )
    assert isinstance(refused, RowProblem)
    assert refused.row_number == 4
    assert refused.reasons == (
        "unparseable submission time 'yesterday'",
        "consent was not given ('no') — a story without consent cannot be stored",
        "dyad 'dyad_1' value '150' is outside its scale 0–100",
        "unknown choice 'aliens' for 'groups' (allowed: women, persons_with_disabilities, "
        "migrants, none, prefer_not_to_say)",
    )


@pytest.mark.parametrize(
    "answer", ["yes", "YES", " Yes ", "1", "true", "True", "oui", "OUI", "sí", "SÍ", "si"]
)
def test_consent_yes(answer):
    row = {"_uuid": "k", "c": answer, "s": "A story."}
    result = normalise_row(row, {"consent": ["c"], "story": ["s"]}, FIELDS[:3], row_number=2)
    assert isinstance(result, NormalisedRow)
    assert result.values["consent"] is True


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("no", "consent was not given ('no')"),
        ("NON", "consent was not given ('NON')"),
        ("0", "consent was not given ('0')"),
        ("false", "consent was not given ('false')"),
        ("", "consent is missing"),
        ("maybe", "unrecognised consent answer 'maybe'"),
        ("y", "unrecognised consent answer 'y'"),
    ],
)
def test_consent_refused(answer, reason):
    row = {"_uuid": "k", "c": answer, "s": "A story."}
    result = normalise_row(row, {"consent": ["c"], "story": ["s"]}, FIELDS[:3], row_number=9)
    assert isinstance(result, RowProblem)
    assert result.row_number == 9
    assert result.reasons[0].startswith(reason)
    assert result.reasons[0].endswith("a story without consent cannot be stored")


def test_unmapped_consent_is_missing_consent_and_no_key_is_a_problem():
    result = normalise_row({"s": "A story."}, {"story": ["s"]}, FIELDS[:3], row_number=2)
    assert isinstance(result, RowProblem)
    assert result.key == ""
    assert result.reasons[0].startswith("the row has no submission id")
    assert result.reasons[1] == "consent is missing — a story without consent cannot be stored"


def test_number_and_text_fields():
    fields = [
        FieldSpec("consent", "consent"),
        FieldSpec("story", "story"),
        FieldSpec("household", "number"),
        FieldSpec("share", "number"),
        FieldSpec("village", "location", required=True),
        FieldSpec("wellbeing", "dyad", scale=10),
    ]
    mapping = {k.key: [k.key] for k in fields}
    row = {
        "KEY": "uuid:abc",
        "consent": "yes",
        "story": "  Two lines\nkept as told. ",
        "household": "6",
        "share": "0,5",
        "village": "  North   ridge ",
        "wellbeing": "7",
    }
    result = normalise_row(row, mapping, fields, row_number=2)
    assert result.key == "abc"
    assert result.values == {
        "consent": True,
        "story": "Two lines\nkept as told.",
        "household": 6,
        "share": 0.5,
        "village": "North ridge",
        "wellbeing": pytest.approx(0.7),
    }
    bad = normalise_row({**row, "household": "six", "village": ""}, mapping, fields, row_number=3)
    assert bad.reasons == (
        "'six' is not a number for 'household'",
        "required field 'village' is empty",
    )


def test_validate_mapping():
    problems = validate_mapping(
        {"consent": ["consent"], "triad_1": ["a", "b"], "sex": ["x", "y"]}, FIELDS, ["consent", "a"]
    )
    assert problems == [
        "required field 'story' is not mapped to a column",
        "triad 'triad_1' needs three columns (one per corner), got 2",
        "column 'b' for 'triad_1' is not in the file",
        "field 'sex' takes one column, got 2",
        "column 'x' for 'sex' is not in the file",
        "column 'y' for 'sex' is not in the file",
    ]
    with pytest.raises(ValueError, match="three columns"):
        normalise_row(
            {"_uuid": "k", "consent": "yes", "a": "1"},
            {"consent": ["consent"], "triad_1": ["a"]},
            FIELDS,
            row_number=2,
        )


def test_field_spec_checks_its_kind():
    with pytest.raises(ValueError):
        FieldSpec("x", "slider")
    with pytest.raises(ValueError):
        FieldSpec("t", "triad")  # columns=3 is required


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05T10:15:32", dt.datetime(2024, 3, 5, 10, 15, 32, tzinfo=UTC)),
        ("2024-03-05T10:15:32.5", dt.datetime(2024, 3, 5, 10, 15, 32, 500000, tzinfo=UTC)),
        ("2024-03-05T10:15:32.123Z", dt.datetime(2024, 3, 5, 10, 15, 32, 123000, tzinfo=UTC)),
        ("2024-03-05T13:15:32+03:00", dt.datetime(2024, 3, 5, 10, 15, 32, tzinfo=UTC)),
        ("2024-03-05 10:15:32", dt.datetime(2024, 3, 5, 10, 15, 32, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_parse_submission_time(value, expected):
    result = parse_submission_time(value)
    assert result == expected
    if result is not None:
        assert result.tzinfo is not None


def test_parse_submission_time_rejects_text():
    with pytest.raises(ValueError, match="unparseable submission time 'last tuesday'"):
        parse_submission_time("last tuesday")


# --------------------------------------------------------------------------------------------
# Encodings and damaged files


def _kobo_text():
    return (DATA / "kobo_export.csv").read_text(encoding="utf-8")


def test_utf8_with_bom(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _kobo_text().encode("utf-8"))
    export = open_export(path)
    assert export.columns[0] == "start"
    assert export.notes == ()
    assert [row["language"] for _n, row in export.iter_rows()] == ["en", "fr", "es"]


def test_cp1252_fallback_with_a_note(tmp_path):
    path = tmp_path / "windows.csv"
    text = _kobo_text().replace("« attendu »", "attendu").replace("Tengo 41 años.", "")
    path.write_bytes(text.encode("cp1252"))
    export = open_export(path)
    assert export.encoding == "cp1252"
    assert "Windows-1252" in export.notes[0]
    rows = [row for _n, row in export.iter_rows()]
    assert rows[1]["story_group/story"].startswith("Quand l'eau a manqué")
    assert rows[2]["story_group/story"].startswith("En 2019 perdí")


def test_comma_separated_kobo_csv(tmp_path):
    path = tmp_path / "comma.csv"
    with (DATA / "kobo_export.csv").open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source, delimiter=";"))
    with path.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows(rows)
    export = open_export(path)
    assert (export.format, export.delimiter) == ("kobo_csv", ",")
    assert len(list(export.iter_rows())) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\x00\x01\x02garbage\xff\xfe\x00", "not a text CSV"),
        (b'"name";"age"\n"Amina";"34"\n', "does not look like a KoboToolbox or ODK Central export"),
        (b"\x81\x8d\x8f\x90\x9d" * 10, "could not be read"),
    ],
)
def test_unreadable_files_raise_export_error(tmp_path, content, message):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(ExportError, match=message):
        open_export(path)
    assert issubclass(ExportError, ValueError)


def test_zip_of_an_odk_main_table_without_repeats_is_read(tmp_path):
    path = tmp_path / "odk.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("stories.csv", (DATA / "odk_export.csv").read_text())
    assert detect_format(path) == "odk_zip"
    export = open_export(path)
    plain = open_export(DATA / "odk_export.csv")
    assert export.repeat_sheets == () and export.columns == plain.columns
    assert list(export.iter_rows()) == list(plain.iter_rows())


def test_workbook_renamed_csv_is_recognised(tmp_path):
    path = tmp_path / "export.csv"
    shutil.copy(DATA / "kobo_export.xlsx", path)
    assert detect_format(path) == "kobo_xlsx"


def test_missing_file():
    with pytest.raises(ExportError, match="not found"):
        open_export(DATA / "nope.csv")


def test_row_with_too_many_values_is_named(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text('"_uuid";"story"\n"a";"one"\n"b";"two";"extra"\n', encoding="utf-8")
    export = open_export(path)
    with pytest.raises(ExportError, match="Row 3 has 3 values but the header has 2 columns"):
        list(export.iter_rows())


def test_repeated_column_names_are_kept(tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text('"_uuid";"note";"note"\n"a";"x";"y"\n', encoding="utf-8")
    export = open_export(path)
    assert export.columns == ["_uuid", "note", "note (2)"]
    assert "more than once" in export.notes[0]
    assert list(export.iter_rows()) == [(2, {"_uuid": "a", "note": "x", "note (2)": "y"})]


# --------------------------------------------------------------------------------------------
# Bounded memory


def test_100000_rows_stream_in_bounded_memory(tmp_path):
    with (DATA / "kobo_export.csv").open(encoding="utf-8", newline="") as source:
        header, hxl, *samples = list(csv.reader(source, delimiter=";"))
    uuid_at = header.index("_uuid")
    root_at = header.index("meta/rootUuid")
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target, delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        writer.writerow(hxl)
        for index in range(100_000):
            row = list(samples[index % len(samples)])
            row[uuid_at] = f"00000000-0000-4000-8000-{index:012d}"
            row[root_at] = f"uuid:{row[uuid_at]}"
            writer.writerow(row)

    export = open_export(path)
    accepted = problems = 0
    last_row = 0
    tracemalloc.start()
    try:
        for number, row in export.iter_rows():
            result = normalise_row(
                row, KOBO_MAPPING, FIELDS, row_number=number, key_column=export.key_column
            )
            if isinstance(result, NormalisedRow):
                accepted += 1
            else:
                problems += 1
            last_row = number
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (accepted, problems) == (100_000, 0)
    assert last_row == 100_002
    assert peak < 30 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


# --- a repeat nested in a repeat (Kobo XLSX) ------------------------------------------------

from consultations.ingest import RepeatAnswers  # noqa: E402

from .kobo_nested import MEMBERS, SUBMISSIONS  # noqa: E402
from .kobo_nested import build as build_nested  # noqa: E402


def test_nested_repeat_rows_go_to_their_own_submission_row_by_row(tmp_path):
    export = open_export(build_nested(tmp_path / "nested.xlsx"))
    assert export.main_sheet == "Household voices"
    assert export.repeat_sheets == ("household", "member")
    links = export.link_repeats()
    assert not links.orphans and not links.reasons
    placed = {
        (link.sheet, link.row_number): (
            link.submission_index,
            link.parent_sheet,
            link.parent_index,
            link.label,
        )
        for rows in links.by_submission.values()
        for link in rows
    }
    assert placed == {
        ("household", 2): ("1", "Household voices", "1", "household 1"),
        ("household", 3): ("1", "Household voices", "1", "household 2"),
        ("household", 4): ("2", "Household voices", "2", "household 1"),
        ("household", 5): ("3", "Household voices", "3", "household 1"),
        ("member", 2): ("1", "household", "1", "household 1 › member 1"),
        ("member", 3): ("1", "household", "2", "household 2 › member 1"),
        ("member", 4): ("2", "household", "3", "household 1 › member 1"),
        ("member", 5): ("3", "household", "4", "household 1 › member 1"),
        ("member", 6): ("2", "household", "3", "household 1 › member 2"),
    }
    # every member row lands on the submission named by its own _submission__uuid
    assert len(placed) == len(MEMBERS) + 4
    by_uuid = {
        link.row["_submission__uuid"]: SUBMISSIONS[link.submission_index][1]
        for rows in links.by_submission.values()
        for link in rows
    }
    assert all(k == v for k, v in by_uuid.items())


def test_nested_repeat_answers_are_labelled_lists_never_joined_with_spaces(tmp_path):
    export = open_export(build_nested(tmp_path / "nested.xlsx"))
    answers = export.repeat_answers(export.link_repeats(["member"]))
    ages = answers["2"]["member/household/member/age"]
    assert isinstance(ages, RepeatAnswers)
    assert ages.items == (("household 1 › member 1", "60"), ("household 1 › member 2", "40"))
    assert "3" not in answers or "member/household/member/age" in answers["3"]
    fields = [
        FieldSpec("consent", "consent"),
        FieldSpec("story", "story"),
        FieldSpec("age_band", "age_band"),
        FieldSpec("groups", "groups", options=GROUPS),
    ]
    rows = {number: row | answers.get(row["_index"], {}) for number, row in export.iter_rows()}
    # a list into a one-value field: the row is refused with the reason
    result = normalise_row(
        rows[3],
        {"consent": ["consent"], "story": ["story"], "age_band": ["member/household/member/age"]},
        fields,
        row_number=3,
        key_column=export.key_column,
    )
    assert isinstance(result, RowProblem)
    assert "holds 2 answers of a repeat group" in result.reasons[0]
    assert "one-value field 'age_band'" in result.reasons[0]
    # a list into a multiple-choice field: the union of the members' answers
    result = normalise_row(
        rows[3],
        {"consent": ["consent"], "story": ["story"], "groups": ["member/household/member/groups"]},
        fields,
        row_number=3,
        key_column=export.key_column,
    )
    assert isinstance(result, NormalisedRow)
    assert result.values["groups"] == ("women", "migrants", "persons_with_disabilities")


def test_a_nested_row_whose_chain_disagrees_with_its_submission_uuid_is_not_attached(tmp_path):
    wrong = SUBMISSIONS["3"][1]
    export = open_export(build_nested(tmp_path / "nested.xlsx", member_uuid_override={"2": wrong}))
    links = export.link_repeats(["member"])
    attached = {
        (link.sheet, link.row_number) for rows in links.by_submission.values() for link in rows
    }
    assert ("member", 3) not in attached
    # the submission the row says it belongs to is refused with the reason
    [reason] = links.reasons["3"]
    assert "sheet 'member' row 3" in reason and "_submission__uuid" in reason


def test_a_nested_row_pointing_nowhere_is_reported(tmp_path):
    members = [*MEMBERS, ("6", "99", 50, "", "1")]
    export = open_export(build_nested(tmp_path / "nested.xlsx", members=members))
    links = export.link_repeats(["member"])
    assert links.reasons["1"] == [
        "sheet 'member' row 7 points to row _index 99 of sheet 'household', which does not "
        "exist; it was not attached to any submission"
    ]


# --- submission keys ------------------------------------------------------------------------


def _kobo_csv(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        writer.writerows(rows)
    return path


KEY_FIELDS = [FieldSpec("consent", "consent"), FieldSpec("story", "story")]
KEY_MAPPING = {"consent": ["consent"], "story": ["story"]}


@pytest.mark.parametrize(
    ("header", "row", "key"),
    [
        # the real export: _uuid empty, _id present
        (
            ["consent", "story", "_id", "_uuid", "_submission_time", "_index"],
            ["yes", "A story", "3001", "", "2024-05-02T07:30:12", "1"],
            "3001",
        ),
        # no _uuid column at all
        (
            ["consent", "story", "_id", "_submission_time", "_index"],
            ["yes", "A story", "3002", "2024-05-02T07:30:12", "1"],
            "3002",
        ),
        # meta/rootUuid first, whatever _uuid and _id say
        (
            ["consent", "story", "_id", "_uuid", "_submission_time", "meta/rootUuid"],
            ["yes", "A story", "3003", "abc", "2024-05-02T07:30:12", "uuid:root-1"],
            "root-1",
        ),
        # then _uuid
        (
            ["consent", "story", "_id", "_uuid", "_submission_time", "meta/rootUuid"],
            ["yes", "A story", "3004", "uuid:inst-4", "2024-05-02T07:30:12", ""],
            "inst-4",
        ),
    ],
)
def test_kobo_key_is_root_uuid_then_uuid_then_id(tmp_path, header, row, key):
    export = open_export(_kobo_csv(tmp_path / "kobo.csv", header, [row]))
    [result] = normalise_all(export, KEY_MAPPING, KEY_FIELDS)
    assert isinstance(result, NormalisedRow), result
    assert result.key == key


def test_kobo_xlsx_with_empty_uuid_is_keyed_on_id(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["consent", "story", "_id", "_uuid", "_submission_time", "_index"])
    sheet.append(["yes", "A story", 3001, None, "2024-05-02T07:30:12", 1])
    sheet.append(["yes", "Another", 3002, None, "2024-05-02T07:31:12", 2])
    workbook.save(tmp_path / "kobo.xlsx")
    export = open_export(tmp_path / "kobo.xlsx")
    results = normalise_all(export, KEY_MAPPING, KEY_FIELDS)
    assert [r.key for r in results] == ["3001", "3002"]


def test_odk_key_is_instance_id_then_key(tmp_path):
    path = tmp_path / "odk.csv"
    path.write_text(
        "SubmissionDate,consent,story,meta-instanceID,KEY\n"
        "2024-05-02T07:30:12.000Z,yes,A story,uuid:odk-1,uuid:key-1\n"
        "2024-05-02T07:30:12.000Z,yes,A story,,uuid:key-2\n"
    )
    export = open_export(path)
    assert [r.key for r in normalise_all(export, KEY_MAPPING, KEY_FIELDS)] == ["odk-1", "key-2"]


# --- values: dyad scales, places, choice labels -----------------------------------------------


def _one(row, mapping, fields, number=7):
    base = {"consent": "yes", "story": "A story", "_uuid": "k-1"}
    return normalise_row(
        base | row,
        {"consent": ["consent"], "story": ["story"]} | mapping,
        [FieldSpec("consent", "consent"), FieldSpec("story", "story"), *fields],
        row_number=number,
    )


@pytest.mark.parametrize(
    ("scale", "cell", "expected"),
    [
        ("1-10", "3.5", (3.5 - 1) / 9),
        ("1-10", "1", 0.0),
        ("1-10", "10", 1.0),
        ("0-1", "0.35", 0.35),
        ("0-100", "35", 0.35),
        ("2-7", "4.5", 0.5),
    ],
)
def test_dyad_uses_the_scale_stated_in_the_mapping(scale, cell, expected):
    result = _one({"d": cell}, {"d1": ["d"], "d1:scale": [scale]}, [FieldSpec("d1", "dyad")])
    assert isinstance(result, NormalisedRow), result
    assert result.values["d1"] == pytest.approx(expected)


@pytest.mark.parametrize(("scale", "cell"), [("1-10", "34"), ("1-10", "0.5"), ("0-1", "35")])
def test_dyad_outside_the_stated_scale_is_refused_with_the_row(scale, cell):
    result = _one({"d": cell}, {"d1": ["d"], "d1:scale": [scale]}, [FieldSpec("d1", "dyad")], 12)
    assert isinstance(result, RowProblem) and result.row_number == 12
    low, high = scale.split("-")
    assert result.reasons == (f"dyad 'd1' value '{cell}' is outside its scale {low}–{high}",)


def test_a_mapping_without_a_valid_dyad_scale_is_refused():
    fields = [FieldSpec("story", "story"), FieldSpec("consent", "consent"), FieldSpec("d1", "dyad")]
    base = {"story": ["s"], "consent": ["c"], "d1": ["d"]}
    assert validate_mapping(base | {"d1:scale": ["1-10"]}, fields) == []
    assert "State the scale" in validate_mapping(base, fields)[0]
    assert "lower to a higher" in validate_mapping(base | {"d1:scale": ["10-1"]}, fields)[0]
    assert "is not a scale" in validate_mapping(base | {"d1:scale": ["ten"]}, fields)[0]


PLACES = FieldSpec("location", "location", options=("Puno", "Cusco", "Madre de Dios"))


@pytest.mark.parametrize("cell", ["-12.0464 -77.0428 150 5", "-13.53,-71.97", "-13.5 -71.9"])
def test_a_geopoint_is_not_a_place_of_the_campaign(cell):
    result = _one({"loc": cell}, {"location": ["loc"]}, [PLACES])
    assert isinstance(result, RowProblem)
    assert "is a GPS point, not a place the campaign allows" in result.reasons[0]
    assert "Puno" in result.reasons[0]


def test_places_are_checked_against_the_campaign_list():
    ok = _one({"loc": "madre  de dios"}, {"location": ["loc"]}, [PLACES])
    assert isinstance(ok, NormalisedRow) and ok.values["location"] == "Madre de Dios"
    bad = _one({"loc": "Lima"}, {"location": ["loc"]}, [PLACES])
    assert isinstance(bad, RowProblem) and "unknown choice 'Lima'" in bad.reasons[0]


SAFE = FieldSpec(
    "feels_safe",
    "single",
    options=("yes", "no_unsure"),
    labels=(
        ("Yes", "yes"),
        ("Sí", "yes"),
        ("No / Unsure", "no_unsure"),
        ("No / Inseguro", "no_unsure"),
    ),
)
BARRIERS = FieldSpec(
    "barriers",
    "multiple",
    options=("cost", "distance", "no_documents"),
    labels=(
        ("Cost", "cost"),
        ("Costo", "cost"),
        ("Distance", "distance"),
        ("Distancia", "distance"),
        ("No documents", "no_documents"),
        ("Sin documentos", "no_documents"),
    ),
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("No / Inseguro", "no_unsure"), ("no / unsure", "no_unsure"), ("Sí", "yes"), ("yes", "yes")],
)
def test_single_choice_matches_names_and_labels_in_every_language(cell, expected):
    result = _one({"q": cell}, {"feels_safe": ["q"]}, [SAFE])
    assert isinstance(result, NormalisedRow), result
    assert result.values["feels_safe"] == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Sin documentos", ("no_documents",)),  # the whole label first
        ("Costo Sin documentos", ("cost", "no_documents")),
        ("Distance No documents Cost", ("distance", "no_documents", "cost")),
        ("cost no_documents", ("cost", "no_documents")),  # names, as Kobo writes them
    ],
)
def test_multiple_choice_labels_with_spaces_are_matched_whole(cell, expected):
    result = _one({"q": cell}, {"barriers": ["q"]}, [BARRIERS])
    assert isinstance(result, NormalisedRow), result
    assert result.values["barriers"] == expected


def test_multiple_choice_unknown_label_is_refused():
    result = _one({"q": "Costo Lluvia"}, {"barriers": ["q"]}, [BARRIERS])
    assert isinstance(result, RowProblem) and "unknown choice" in result.reasons[0]


# --- ODK Central: the CSV ZIP, and a repeat table alone ---------------------------------------

from . import odk_zip  # noqa: E402


def test_odk_zip_links_nested_repeats_by_parent_key(tmp_path):
    path = odk_zip.build(tmp_path / "voices.zip")
    assert detect_format(path) == "odk_zip"
    export = open_export(path)
    assert export.key_column == "meta-instanceID"
    assert export.repeat_sheets == ("household", "member")
    assert [row["story"] for _n, row in export.iter_rows()] == ["Story one", "Story two"]
    links = export.link_repeats()
    assert not links.orphans and not links.reasons
    placed = {
        (link.sheet, link.row_number): (link.submission_index, link.label)
        for rows in links.by_submission.values()
        for link in rows
    }
    assert placed == {
        ("household", 2): ("uuid:odk-1", "household 1"),
        ("household", 3): ("uuid:odk-2", "household 1"),
        ("household", 4): ("uuid:odk-2", "household 2"),
        ("member", 2): ("uuid:odk-1", "household 1 › member 1"),
        ("member", 3): ("uuid:odk-2", "household 2 › member 1"),
        ("member", 4): ("uuid:odk-2", "household 1 › member 1"),
    }
    answers = export.repeat_answers(links)
    assert answers["uuid:odk-2"]["member/groups"].values == (
        "migrants",
        "persons_with_disabilities",
    )


def test_odk_repeat_row_pointing_nowhere_is_reported(tmp_path):
    member = [
        *odk_zip.MEMBER,
        ["women", "uuid:odk-9/household[1]", "uuid:odk-9/household[1]/member[1]"],
    ]
    export = open_export(odk_zip.build(tmp_path / "voices.zip", member=member))
    links = export.link_repeats(["member"])
    assert links.orphans == [
        (
            "member",
            5,
            "table 'member' row 5 points to PARENT_KEY uuid:odk-9/household[1], found in no "
            "table; it was not attached to any submission",
        )
    ]


def test_a_lone_odk_repeat_table_is_refused(tmp_path):
    path = odk_zip.repeat_table(tmp_path / "voices-household.csv")
    with pytest.raises(ExportError, match="is a repeat table of an ODK Central export") as caught:
        detect_format(path)
    assert "'voices-household.csv'" in str(caught.value)
    assert "main table" in str(caught.value) and "ZIP" in str(caught.value)
    with pytest.raises(ExportError, match="repeat table"):
        open_export(path, fmt="odk_csv")


def test_a_zip_of_repeat_tables_without_the_main_table_is_refused(tmp_path):
    path = odk_zip.build(tmp_path / "voices.zip", with_main=False)
    with pytest.raises(ExportError, match="none is the main table"):
        detect_format(path)


def test_a_zip_that_is_not_an_odk_export_says_so(tmp_path):
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("report.docx", b"x")
    with pytest.raises(ExportError, match="'photos.zip' is a zip archive but not an ODK"):
        detect_format(path)


def test_an_xlsform_is_recognised_as_a_form_definition(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "survey"
    workbook.active.append(["type", "name", "label"])
    workbook.create_sheet("choices").append(["list_name", "name", "label"])
    workbook.create_sheet("settings").append(["form_title"])
    workbook.save(tmp_path / "form.xlsx")
    with pytest.raises(ExportError, match="'form.xlsx' is an XLSForm"):
        detect_format(tmp_path / "form.xlsx")


def test_a_google_forms_export_is_recognised(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text("Timestamp,Tell us a story,Consent\n2024/06/01 10:00:00,Once,Yes\n")
    with pytest.raises(ExportError, match="'responses.csv' looks like a Google Forms export"):
        detect_format(path)


def test_suggest_mapping_does_not_take_kobos_end_column_for_gender():
    # Kobo exports start/end/today metadata; "end" is inside "gender" but is not it.
    columns = ["start", "end", "today", "story", "_uuid"]
    fields = [FieldSpec("sex", "sex"), FieldSpec("story", "story")]
    assert suggest_mapping(columns, fields) == {"story": ["story"]}
    assert suggest_mapping([*columns, "gender"], fields)["sex"] == ["gender"]
