"""The shared SVG primitives (common/svg.py) and the charts that use them."""

import xml.etree.ElementTree as ET

import pytest

from common import svg
from evidence.diagram import problem_tree_svg
from recommendations.charts import bar_chart


def test_wrap_cuts_a_long_first_word_instead_of_leaving_an_empty_line():
    # The old problem-tree copy started with an empty line and overflowed the box here.
    lines = svg.wrap("Intersectionaldiscriminationinhousing persists", 12, 3)
    assert lines[0] == "Intersection"
    assert all(0 < len(line) <= 12 for line in lines)
    assert lines[-1].endswith("…")


def test_wrap_keeps_words_whole_when_they_fit():
    assert svg.wrap("Women with disabilities in rural areas", 16) == (
        "Women with",
        "disabilities in",
        "rural areas",
    )
    assert svg.wrap("", 10) == ("",)


def test_escaping_drops_xml_control_characters_and_quotes():
    assert svg.esc('a<b & "c"\x07') == "a&lt;b &amp; &quot;c&quot;"
    with pytest.raises(ValueError):
        svg.href(" javascript:alert(1)")
    assert svg.href("/groups/?q=a&b") == "/groups/?q=a&amp;b"


def test_nice_ticks_are_round_and_cover_the_range():
    assert svg.nice_ticks(0, 0.83) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert svg.nice_ticks(3, 3) == [3.0, 3.2, 3.4, 3.6, 3.8, 4.0]


def test_problem_tree_boxes_wrap_long_words_and_parse_as_svg():
    causes = [
        {
            "id": 1,
            "parent": None,
            "level": "manifestation",
            "level_label": "Manifestation",
            "text": "Nondiscriminationlegislationunenforced for <migrants> & refugees",
        }
    ]
    drawing = problem_tree_svg(causes, title="Problem tree")
    root = ET.fromstring(drawing)
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[1].startswith("Nondiscrimination")  # no empty first line
    assert any("<migrants> &" in t for t in texts)  # escaped in the file, read back intact
    assert svg.FONT_STACK in drawing.replace("&quot;", '"')


def test_bar_chart_uses_the_shared_palette_and_font():
    drawing = str(bar_chart([("UPR", 3), ("CEDAW", 1)], title="By mechanism"))
    ET.fromstring(drawing)
    assert f'fill="{svg.OTHERS}"' in drawing
    assert "system-ui" in drawing
