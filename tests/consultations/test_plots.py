"""Ternary plots and dyad histograms as SVG; plain pytest, no database."""

import random
import xml.etree.ElementTree as ET

import pytest

from consultations.plots import histogram_svg, ternary_svg, zone_names
from consultations.signifiers import TRIAD_ZONES

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ("Money", "Family", "Luck")


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("width") is None and root.get("height") is None
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}desc") is not None
    assert "system-ui" in root.get("font-family", "")
    assert "<script" not in svg
    return root


def links(root: ET.Element) -> list[str]:
    return [a.get("href") for a in root.iter(f"{SVG}a")]


def desc(root: ET.Element) -> str:
    return root.find(f"{SVG}desc").text


def random_points(count, seed=1):
    rng = random.Random(seed)
    return [(rng.random(), rng.random(), rng.random()) for _ in range(count)]


def test_ternary_plot_draws_points_zones_and_links():
    points = random_points(3000)
    zone_links = {zone: f"?sig=t1&zone={zone}" for zone in TRIAD_ZONES}
    svg = ternary_svg(points, labels=LABELS, title="What helped most?", zone_links=zone_links)
    root = parse(svg)
    assert root.get("role") == "group"  # links inside must stay reachable by screen readers
    assert len(list(root.iter(f"{SVG}circle"))) == 3000 + 1  # + the legend marker
    assert sorted(links(root)) == sorted(v for k, v in zone_links.items() if k != "other")
    for anchor in root.iter(f"{SVG}a"):
        assert anchor.get("aria-label", "").startswith("Read the stories ")
    text = "".join(root.itertext())
    for label in LABELS:
        assert label in text
    assert "3000 stories" in desc(root)
    assert "mostly Money:" in desc(root)
    assert "a balance of all three:" in desc(root)


def test_ternary_plot_without_links_is_an_image():
    root = parse(ternary_svg(random_points(10), labels=LABELS, title="T"))
    assert root.get("role") == "img"
    assert links(root) == []
    labelled = root.get("aria-labelledby").split()
    assert [root.find(f"{SVG}title").get("id"), root.find(f"{SVG}desc").get("id")] == labelled


def test_ternary_zone_counts_in_desc_are_suppressed():
    points = [(0.9, 0.05, 0.05)] * 20 + [(0.05, 0.9, 0.05)] * 3 + [(1 / 3, 1 / 3, 1 / 3)] * 7
    root = parse(ternary_svg(points, labels=LABELS, title="T"))
    text = desc(root)
    assert "mostly Money: 20" in text
    assert "mostly Family: fewer than 5" in text
    # Complementary: with the total shown, the centre's 7 is hidden too.
    assert "a balance of all three: fewer than 5" in text
    assert "mostly Luck: 0" in text


def test_ternary_highlight_group_has_its_own_colour_and_legend():
    svg = ternary_svg(
        random_points(200),
        labels=LABELS,
        title="T",
        highlight=random_points(40, seed=2),
        main_label="Everyone else",
        highlight_label="Persons with disabilities",
    )
    root = parse(svg)
    text = "".join(root.itertext())
    assert "Everyone else (200 stories)" in text
    assert "Persons with disabilities (40 stories)" in text
    assert len(list(root.iter(f"{SVG}rect"))) == 40 + 1  # squares + legend swatch
    assert "#b5441b" in svg and "#1c5a94" in svg


@pytest.mark.parametrize("count", [0, 1, 4])
def test_ternary_fewer_than_five_draws_nothing(count):
    svg = ternary_svg(
        random_points(count), labels=LABELS, title="T", zone_links={"centre": "?zone=centre"}
    )
    root = parse(svg)
    assert list(root.iter(f"{SVG}circle")) == [next(root.iter(f"{SVG}circle"))]  # legend only
    text = "".join(root.itertext())
    assert "Fewer than 5 stories" in text
    assert "fewer than 5 stories" in desc(root)
    assert f"({count} stories)" not in text


def test_ternary_small_highlight_is_not_drawn():
    root = parse(
        ternary_svg(random_points(50), labels=LABELS, title="T", highlight=random_points(3))
    )
    assert list(root.iter(f"{SVG}rect")) == [next(root.iter(f"{SVG}rect"))]  # legend only
    assert "Selected group (fewer than 5 stories, not drawn)" in "".join(root.itertext())


def test_ternary_min_count_is_a_parameter():
    root = parse(ternary_svg(random_points(4), labels=LABELS, title="T", min_count=3))
    assert len(list(root.iter(f"{SVG}circle"))) == 4 + 1


def test_plot_text_is_escaped():
    evil = '<script>alert("x")</script> & "quotes"'
    svg = ternary_svg(
        random_points(10),
        labels=(evil, "B", "C"),
        title=evil,
        zone_links={"centre": '?q="><script>alert(1)</script>&zone=centre'},
    )
    root = parse(svg)
    assert root.find(f"{SVG}title").text == evil
    assert links(root) == ['?q="><script>alert(1)</script>&zone=centre']
    hist = histogram_svg([5, 5], left_label=evil, right_label="R", title=evil)
    assert parse(hist).find(f"{SVG}title").text == evil


def test_unsafe_links_are_refused():
    with pytest.raises(ValueError):
        ternary_svg([], labels=LABELS, title="T", zone_links={"centre": "javascript:alert(1)"})
    with pytest.raises(ValueError):
        histogram_svg([1], left_label="L", right_label="R", title="T", bin_links=[" data:x"])


def test_zone_names():
    names = zone_names(LABELS)
    assert set(names) == set(TRIAD_ZONES)
    assert names["edge_ac"] == "between Money and Luck"


def test_histogram_with_links():
    counts = [12, 8, 0, 5, 30, 2, 9, 14, 6, 20]
    bin_links = [f"?sig=d1&bin={i}" for i in range(10)]
    root = parse(
        histogram_svg(
            counts,
            left_label="Alone",
            right_label="Together",
            title="Who helped?",
            bin_links=bin_links,
        )
    )
    assert links(root) == bin_links
    text = "".join(root.itertext())
    assert "Alone" in text and "Together" in text
    assert "Stories (106 stories)" in text
    # The bars: one per non-empty bin (plus the link areas and legend swatch).
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#1c5a94" and r.get("x") != "31"]
    assert len(bars) == 9
    assert "bar 5: 30" in desc(root)
    assert "bar 6: fewer than 5" in desc(root)


def test_histogram_compare_uses_shares():
    group = [0, 10, 10, 0]  # 20 stories
    others = [50, 50, 50, 50]  # 200 stories
    root = parse(
        histogram_svg(
            group,
            left_label="L",
            right_label="R",
            title="T",
            compare=others,
            main_label="Women",
            compare_label="Everyone else",
        )
    )
    # The group's bars take "this group"'s colour, as its squares in the ternary plots do.
    main_bars = [
        r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#b5441b" and r.get("x") != "31"
    ]
    other_bars = [
        r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#1c5a94" and r.get("x") != "31"
    ]
    assert len(main_bars) == 2 and len(other_bars) == 4
    # Half of the group's stories vs a quarter of everyone else's: bar heights 2:1.
    assert float(main_bars[0].get("height")) == pytest.approx(
        2 * float(other_bars[0].get("height"))
    )
    text = "".join(root.itertext())
    assert "Women (20 stories)" in text and "Everyone else (200 stories)" in text
    assert "%" in text
    assert "share" in desc(root)


@pytest.mark.parametrize("counts", [[0, 0, 0], [1, 2, 1], [4, 0, 0]])
def test_histogram_fewer_than_five(counts):
    root = parse(
        histogram_svg(
            counts, left_label="L", right_label="R", title="T", bin_links=["?a", "?b", "?c"]
        )
    )
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#1c5a94" and r.get("x") != "31"]
    assert bars == []
    assert "Fewer than 5 stories" in "".join(root.itertext())
    assert "fewer than 5 stories" in desc(root)
    for anchor in root.iter(f"{SVG}a"):
        assert "(" not in anchor.get("aria-label")  # no per-bar count when not drawn


def test_histogram_small_comparison_is_not_drawn():
    root = parse(
        histogram_svg([10, 10], left_label="L", right_label="R", title="T", compare=[1, 2])
    )
    other_bars = [
        r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#1c5a94" and r.get("x") != "31"
    ]
    assert other_bars == []
    assert "Everyone else (fewer than 5 stories, not drawn)" in "".join(root.itertext())


def test_histogram_input_checks():
    with pytest.raises(ValueError):
        histogram_svg([], left_label="L", right_label="R", title="T")
    with pytest.raises(ValueError):
        histogram_svg([1, 2], left_label="L", right_label="R", title="T", compare=[1])
    with pytest.raises(ValueError):
        histogram_svg([1, 2], left_label="L", right_label="R", title="T", bin_links=["?a"])
