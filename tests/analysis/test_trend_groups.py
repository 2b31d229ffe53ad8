"""The trend across survey rounds never joins different groups (issue 14, item 4)."""

import re

from analysis.charts import trend_series, trend_svg


def _result(mean: float, behind: float, first: tuple, second: tuple) -> dict:
    """A stored result whose furthest-behind leaf is node 3: ``first`` then ``second``
    split (circumstance, level), as the engine writes them."""
    return {
        "mean": mean,
        "nodes": [
            {"id": 1, "parent": None, "condition": None},
            {
                "id": 2,
                "parent": 1,
                "condition": {"circumstance": first[0], "levels": [first[1]], "label": first[1]},
            },
            {
                "id": 3,
                "parent": 2,
                "condition": {"circumstance": second[0], "levels": [second[1]], "label": second[1]},
            },
        ],
        "furthest_behind": {"node": 3, "mean": behind, "path": [first[1], second[1]]},
    }


POOR_RURAL = (("wealth", "Bottom 40%"), ("residence", "Rural"))
RURAL_POOR = (("residence", "Rural"), ("wealth", "Bottom 40%"))  # same group, other order
POOR_UNEDUCATED = (("wealth", "Bottom 40%"), ("education", "Lower"))


def test_different_groups_are_different_lines():
    rounds = [
        ("2010", _result(0.60, 0.20, *POOR_RURAL)),
        ("2015", _result(0.70, 0.30, *POOR_UNEDUCATED)),
        ("2020", _result(0.80, 0.45, *RURAL_POOR)),
    ]
    series = trend_series(rounds, national="National mean", behind="Furthest behind")
    assert [s["name"] for s in series] == [
        "National mean",
        "Furthest behind: Bottom 40% · Rural",
        "Furthest behind: Bottom 40% · Lower",
    ]
    # Poor rural households in 2010 and 2020 (reached by splits in another order) are one
    # group; 2015's furthest behind is another group, a point of its own.
    assert series[1]["points"] == [("2010", 0.20), ("2015", None), ("2020", 0.45)]
    assert series[2]["points"] == [("2010", None), ("2015", 0.30), ("2020", None)]

    svg = trend_svg(series, title="Electricity", y_label="Rate")
    lines = dict(re.findall(r'data-series="([^"]+)">\s*(.*?)</g>', svg, re.S))
    # No polyline for the furthest-behind groups: no two consecutive rounds share a group.
    assert "<polyline" in lines["National mean"]
    assert "<polyline" not in lines["Furthest behind: Bottom 40% · Rural"]
    assert "<polyline" not in lines["Furthest behind: Bottom 40% · Lower"]


def test_the_same_group_in_consecutive_rounds_is_joined():
    rounds = [
        ("2015", _result(0.70, 0.30, *POOR_RURAL)),
        ("2020", _result(0.80, 0.45, *RURAL_POOR)),
    ]
    series = trend_series(rounds, national="National mean", behind="Furthest behind")
    assert len(series) == 2
    svg = trend_svg(series, title="Electricity", y_label="Rate")
    lines = dict(re.findall(r'data-series="([^"]+)">\s*(.*?)</g>', svg, re.S))
    assert lines["Furthest behind: Bottom 40% · Rural"].count("<polyline") == 1
