"""The two later UPR matrix layouts (PRODUCT.md §5), on small .docx files built here."""

import io

import docx
import pytest

from recommendations.parsers import ParseError, parse_upr_matrix

from .builders import HEADING, build_matrix

UNCODED_HEADER = [
    "Recommendation",
    "Position",
    "Full list of themes",
    "Assessment/comments on level of implementation",
]
SLOVENIA_ROWS = [
    (HEADING, "Theme: Acceptance of international norms"),
    [
        "121.1 Ratify the International Convention for the Protection of All Persons from "
        "Enforced Disappearance (France) (Lithuania);\n"
        "Source of Position: A/HRC/43/15 - Para 121",
        "Supported",
        "- Acceptance of international norms\n- Enforced disappearances\nSDGs: \n"
        "- 16 - PEACE, JUSTICE AND STRONG INSTITUTIONS\nAffected persons: \n"
        "- Disappeared persons",
        "",
    ],
    [
        "122.1 Complete the ratification of the Optional Protocol to the International Covenant "
        "on Economic, Social and Cultural Rights (Bolivia (Plurinational State of)); Consider "
        "ratifying the Protocol (Iran (Islamic Republic of)) (Guinea-Bissau);\n"
        "Source of Position: A/HRC/43/15/Add.1 - Para.3",
        "Noted",
        "- Acceptance of international norms\n"
        "- Economic, social & cultural rights - general measures of implementation",
        "",
    ],
    (HEADING, "Theme: Enforced disappearances"),
    [  # listed again under a second heading: read once, themes merged
        "121.1 Ratify the International Convention for the Protection of All Persons from "
        "Enforced Disappearance (France) (Lithuania);\n"
        "Source of Position: A/HRC/43/15 - Para 121",
        "Supported",
        "- Enforced disappearances\n- Acceptance of international norms\n- Right to life\n"
        "SDGs: \n- 16 - PEACE, JUSTICE AND STRONG INSTITUTIONS\nAffected persons: \n"
        "- Disappeared persons\n- Women & girls",
        "",
    ],
    [
        "121.30 Implement the national action plan (2018–2023) for Roma (Timor-Leste)\n"
        "Source of Position: A/HRC/43/15 - Para 121",
        "Supported/Noted",
        "- Enforced disappearances\nSDGs: \n- 10.2 - Empower and promote the social…\n"
        "Affected persons: \n- Roma, Gypsies, Sinti & Travellers",
        "",
    ],
]


@pytest.fixture
def slovenia(tmp_path):
    path = build_matrix(
        tmp_path / "slovenia.docx",
        title="UPR of Slovenia (3rd Cycle – 34th session)\t\tThematic list of recommendations",
        header=UNCODED_HEADER,
        rows=SLOVENIA_ROWS,
    )
    return parse_upr_matrix(path)


def test_uncoded_layout(slovenia):
    assert slovenia.layout == "uncoded_themes"
    assert (slovenia.state, slovenia.cycle, slovenia.session) == ("Slovenia", 3, 34)
    assert slovenia.symbol == "A/HRC/43/15"
    assert slovenia.warnings == ()
    assert [r.paragraph for r in slovenia.records] == ["121.1", "121.30", "122.1"]
    first = slovenia.records[0]
    assert first.external_id == "A/HRC/43/15#121.1"
    assert first.countries == ("Slovenia",)
    assert first.recommending_states == ("France", "Lithuania")
    assert first.upr_position == "Supported"
    assert first.source_of_position == "A/HRC/43/15 - Para 121"
    assert first.themes == (
        "Acceptance of international norms",
        "Enforced disappearances",
        "Right to life",
    )
    assert first.sdg_goals == (16,)
    assert first.affected_persons == ("Disappeared persons", "Women & girls")


def test_uncoded_layout_nested_parentheses_and_hyphens(slovenia):
    noted = slovenia.records[2]
    assert noted.upr_position == "Noted"
    assert noted.source_of_position == "A/HRC/43/15/Add.1 - Para.3"
    assert noted.recommending_states == (
        "Bolivia (Plurinational State of)",
        "Iran (Islamic Republic of)",
        "Guinea-Bissau",
    )
    assert noted.affected_persons == ()


def test_position_supported_noted_and_year_in_parentheses(slovenia):
    record = slovenia.records[1]
    assert record.upr_position == "Supported/Noted"
    assert record.recommending_states == ("Timor-Leste",)
    assert record.sdg_goals == (10,)
    assert record.sdg_targets == ("10.2",)
    assert record.themes == ("Enforced disappearances",)


SDG_COLUMN_HEADER = [
    "Recommendation and recommending State",
    "Position of the State under review",
    "Human rights themes and groups of persons",
    "Relevant SDGs",
]
SEPARATE_GROUPS_HEADER = ["Recommendation", "Position", "Themes", "SDGs", "Groups of persons"]


def _fourth_cycle_rows(separate_groups: bool) -> list:
    def row(text, position, themes, groups, sdgs):
        if separate_groups:
            return [text, position, themes, sdgs, groups]
        return [text, position, f"{themes}\nGroups of Persons: \n{groups}", sdgs]

    return [
        (HEADING, "Theme: Ratification of & accession to international instruments"),
        row(
            "140.7 Ratify the Optional Protocol to the International Covenant on Economic, "
            "Social and Cultural Rights (Maldives) (Portugal);\n"
            "Source of Position: A/HRC/59/15/Add.1 - Para.3",
            "Supported",
            "- Ratification of & accession to international instruments\n"
            "- Economic, social & cultural rights - general measures of implementation",
            "- Public officials",
            "- 1 - NO POVERTY\n- 4 - QUALITY EDUCATION\n- 4.5 - Eliminate gender disparities…",
        ),
        (HEADING, "Theme: Equality & non-discrimination"),
        row(
            "140.43 Prevent hate speech and acts of violence based on ethnicity, gender identity "
            "and sexual orientation (Luxembourg);\n"
            "Source of Position: A/HRC/59/15/Add.1 - Para.3",
            "Noted",
            "- Equality & non-discrimination\n- Sexual & gender-based violence",
            "- Lesbian, gay, bisexual and transgender and intersex persons (LGBTI)\n"
            "- Women & girls",
            "- 5 - GENDER EQUALITY\n- 16 - PEACE, JUSTICE AND STRONG INSTITUTIONS",
        ),
        (HEADING, "Theme: Sexual & gender-based violence"),
        row(
            "140.43 Prevent hate speech and acts of violence based on ethnicity, gender identity "
            "and sexual orientation (Luxembourg);\n"
            "Source of Position: A/HRC/59/15/Add.1 - Para.3",
            "Noted",
            "- Sexual & gender-based violence\n- Equality & non-discrimination",
            "- Women & girls",
            "- 5 - GENDER EQUALITY",
        ),
    ]


@pytest.mark.parametrize("separate_groups", [False, True], ids=["groups-in-themes", "groups-col"])
def test_fourth_cycle_layout_with_sdg_column(tmp_path, separate_groups):
    path = build_matrix(
        tmp_path / "slovenia4.docx",
        title="UPR of Slovenia (4th Cycle – 48th session)",
        header=SEPARATE_GROUPS_HEADER if separate_groups else SDG_COLUMN_HEADER,
        rows=_fourth_cycle_rows(separate_groups),
    )
    result = parse_upr_matrix(path)
    assert result.layout == "sdg_column"
    assert (result.state, result.cycle, result.session) == ("Slovenia", 4, 48)
    assert result.symbol == "A/HRC/59/15"
    assert result.warnings == ()
    assert [r.paragraph for r in result.records] == ["140.7", "140.43"]
    ratify, hate = result.records
    assert ratify.recommending_states == ("Maldives", "Portugal")
    assert ratify.themes == (
        "Ratification of & accession to international instruments",
        "Economic, social & cultural rights - general measures of implementation",
    )
    assert ratify.affected_persons == ("Public officials",)
    assert ratify.sdg_goals == (1, 4)
    assert ratify.sdg_targets == ("4.5",)
    assert hate.upr_position == "Noted"
    assert hate.themes == ("Equality & non-discrimination", "Sexual & gender-based violence")
    assert hate.affected_persons == (
        "Lesbian, gay, bisexual and transgender and intersex persons (LGBTI)",
        "Women & girls",
    )
    assert hate.sdg_goals == (5, 16)
    assert hate.upr_cycle == 4 and hate.upr_session == 48


def test_cycle_from_session_and_binary_file(tmp_path):
    path = build_matrix(
        tmp_path / "m.docx",
        title="UPR of Guinea-Bissau – 35th session",
        header=UNCODED_HEADER,
        rows=[
            [
                "110.2 Adopt a law (Côte d’Ivoire);\nSource of position: A/HRC/44/16 - Para. 110",
                "Supported",
                "- Legal & institutional reform",
                "",
            ]
        ],
    )
    result = parse_upr_matrix(io.BytesIO(path.read_bytes()))
    assert (result.state, result.session, result.cycle) == ("Guinea-Bissau", 35, 3)
    assert result.records[0].recommending_states == ("Côte d’Ivoire",)
    assert result.records[0].countries == ("Guinea-Bissau",)


def test_problems_become_warnings(tmp_path):
    path = build_matrix(
        tmp_path / "m.docx",
        title="UPR of Peru (4th Cycle – 41st session)",
        header=UNCODED_HEADER,
        rows=[
            ["Continuation without a number (Chile);", "Supported", "- Right to health", ""],
            ["75.1 Do something (Freedonia);", "Maybe", "- Right to health", ""],
            ["75.2 Do something else", "Noted", "- Right to health", ""],
        ],
    )
    result = parse_upr_matrix(path)
    assert [r.paragraph for r in result.records] == ["75.1", "75.2"]
    assert result.records[0].upr_position == ""
    assert result.records[0].recommending_states == ("Freedonia",)
    assert result.symbol == ""
    assert result.records[0].external_id == "UPR Peru session 41#75.1"
    text = "\n".join(result.warnings)
    assert "row 2: no recommendation number" in text
    assert "'Maybe', not Supported/Noted" in text
    assert "'Freedonia' was read as a recommending state" in text
    assert "Recommendation 75.2 (table row 4): no recommending state" in text
    assert "No report symbol found" in text


def test_not_a_matrix(tmp_path):
    document = docx.Document()
    document.add_paragraph("Minutes of the meeting")
    document.save(tmp_path / "minutes.docx")
    with pytest.raises(ParseError, match="No recommendations table found"):
        parse_upr_matrix(tmp_path / "minutes.docx")
    (tmp_path / "fake.docx").write_bytes(b"not a zip at all")
    with pytest.raises(ParseError, match="not a readable Word"):
        parse_upr_matrix(tmp_path / "fake.docx")
