"""The real OHCHR matrix for China (3rd cycle, 31st session, 2018): every recommendation read.

The expected counts are checked against an independent reading of the document: the raw
WordprocessingML paragraphs, without python-docx and without the parser.
"""

import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from recommendations.parsers import UPR_POSITIONS, parse_upr_matrix

CHINA = Path(__file__).parent / "data" / "upr_matrix_china_2018.docx"
EXPECTED_RECOMMENDATIONS = 346  # 28.1 … 28.346, each once
EXPECTED_SUPPORTED = 284
EXPECTED_NOTED = 62


def _raw_paragraph_texts() -> list[str]:
    xml = zipfile.ZipFile(CHINA).read("word/document.xml").decode("utf-8")
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S)
    return ["".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p)) for p in paragraphs]


@pytest.fixture(scope="module")
def raw_positions() -> dict[str, str]:
    """Recommendation number → the first position paragraph after it, from the raw XML."""
    texts = _raw_paragraph_texts()
    found: dict[str, str] = {}
    for index, text in enumerate(texts):
        match = re.match(r"\s*(\d+\.\d+)\s", text)
        if match:
            following = (t.strip() for t in texts[index + 1 :])
            found[match.group(1)] = next(t for t in following if t in UPR_POSITIONS)
    return found


@pytest.fixture(scope="module")
def china():
    return parse_upr_matrix(CHINA)


@pytest.fixture(scope="module")
def by_number(china):
    return {record.paragraph: record for record in china.records}


def test_independent_count_matches_expectation(raw_positions):
    assert len(raw_positions) == EXPECTED_RECOMMENDATIONS
    assert sorted(int(n.split(".")[1]) for n in raw_positions) == list(range(1, 347))
    assert Counter(raw_positions.values()) == {
        "Supported": EXPECTED_SUPPORTED,
        "Noted": EXPECTED_NOTED,
    }


def test_every_recommendation_is_read_once(china, raw_positions):
    numbers = [record.paragraph for record in china.records]
    assert len(numbers) == EXPECTED_RECOMMENDATIONS
    assert len(set(numbers)) == len(numbers)
    assert set(numbers) == set(raw_positions)
    assert len({record.external_id for record in china.records}) == EXPECTED_RECOMMENDATIONS


def test_positions(china, raw_positions):
    assert {record.upr_position for record in china.records} <= set(UPR_POSITIONS)
    assert Counter(record.upr_position for record in china.records) == {
        "Supported": EXPECTED_SUPPORTED,
        "Noted": EXPECTED_NOTED,
    }
    assert {r.paragraph: r.upr_position for r in china.records} == raw_positions


def test_document_facts(china):
    assert china.layout == "coded_themes"
    assert china.state == "China"
    assert (china.cycle, china.session, china.symbol) == (3, 31, "A/HRC/40/6")
    assert china.warnings == ()
    for record in china.records:
        assert record.countries == ("China",)
        assert record.body == "UPR"
        assert record.annotation_type == "recommendation"
        assert record.symbol == "A/HRC/40/6"
        assert record.external_id == f"A/HRC/40/6#{record.paragraph}"
        assert record.source_of_position.startswith("A/HRC/40/6/Add.1 - Para.")
        assert (record.upr_cycle, record.upr_session) == (3, 31)
        assert record.text.startswith(record.paragraph + " ")
        assert record.recommending_states, record.paragraph
        assert record.themes and record.affected_persons


def test_recommendation_with_three_states(by_number):
    record = by_number["28.4"]
    assert record.external_id == "A/HRC/40/6#28.4"
    assert record.text.startswith(
        "28.4 Continue working towards ratification of the International Covenant on Civil"
    )
    assert record.text.endswith("(Uruguay) (Mali);")
    assert record.recommending_states == ("New Zealand", "Uruguay", "Mali")
    assert record.upr_position == "Supported"
    assert record.source_of_position == "A/HRC/40/6/Add.1 - Para. 2"
    assert record.themes == (
        "A12 Acceptance of international norms",
        "D1 Civil & political rights - general measures of implementation",
        "S16 SDG 16 - peace, justice and strong institutions",
    )
    assert record.sdg_goals == (16,)
    assert record.affected_persons == ("general",)
    assert record.text_html.startswith("<p>28.4 Continue working")


def test_recommendation_with_six_clauses(by_number):
    record = by_number["28.9"]
    assert record.recommending_states == (
        "Benin",
        "Estonia",
        "Georgia",
        "Latvia",
        "Malta",
        "Namibia",
    )


def test_parentheses_that_are_not_states(by_number):
    assert by_number["28.74"].recommending_states == ("Kyrgyzstan",)  # "(2016–2020) (Kyrgyzstan)"
    assert by_number["28.114"].recommending_states == ("Iraq",)  # "(2011–2020) (Iraq)"
    record = by_number["28.14"]  # "(the Paris Principles) (Niger); … (Philippines); … (Indonesia);"
    assert record.recommending_states == ("Niger", "Philippines", "Indonesia")
    assert record.upr_position == "Noted"
    assert "G4 Migrants" in record.themes
    assert record.affected_persons == ("general", "migrants")


def test_last_recommendation_and_odd_endings(by_number):
    record = by_number["28.346"]
    assert record.text.endswith("Convention on the Rights of the Child (Croatia).")
    assert record.recommending_states == ("Croatia",)
    assert record.affected_persons == ("children",)
    assert "F31 Children: definition; general principles; protection" in record.themes
    assert by_number["28.129"].recommending_states == ("Egypt",)  # no closing ";"
    # "S Sustainable Development Goal implementation" names no goal
    assert by_number["28.129"].sdg_goals == ()


def test_states_with_long_names_are_whole(china):
    states = {s for record in china.records for s in record.recommending_states}
    assert {
        "Bolivarian Republic of Venezuela",
        "Plurinational State of Bolivia",
        "Islamic Republic of Iran",
        "United Kingdom of Great Britain and Northern Ireland",
        "Democratic People’s Republic of Korea",
        "State of Palestine",
    } <= states
    assert not any("(" in s or ")" in s or re.search(r"\d", s) for s in states)


def test_affected_persons_lower_case_labels_as_given(by_number, china):
    persons = Counter(p for record in china.records for p in record.affected_persons)
    assert persons["children"] == 34
    assert persons["persons with disabilities"] == 19
    assert by_number["28.321"].affected_persons == (
        "minorities/ racial, ethnic, linguistic, religious or descent-based groups",
    )
