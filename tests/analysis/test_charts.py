"""Charts drawn from result dicts: layout geometry, accessible SVG, text alternative, PNG."""

import copy
import io
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from PIL import Image

from analysis.charts import (
    shapley_svg,
    tree_layout,
    tree_png,
    tree_svg,
    tree_text_alternative,
    trend_svg,
)
from analysis.engine import analyse, result_to_dict
from tests.analysis.engine.conftest import DATA, ESCAP_CIRCUMSTANCES, expand_cells

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result() -> dict:
    """The PRODUCT.md §6 worked example: behind is node 4, ahead node 15."""
    rows = expand_cells(pd.read_csv(DATA / "escap_synthetic_cells.csv"))
    analysed = analyse(rows, outcome="y", circumstances=ESCAP_CIRCUMSTANCES, weight="w")
    return result_to_dict(analysed)


def synthetic_tree(leaf_ids: set[int]) -> dict:
    """A result dict whose leaves are ``leaf_ids`` (rpart numbering), every ancestor split."""
    ids = set()
    for leaf in leaf_ids:
        node = leaf
        while node >= 1:
            ids.add(node)
            node //= 2
    nodes = []
    for node_id in sorted(ids, key=lambda i: bin(i)[3:]):  # depth-first, left before right
        depth = node_id.bit_length() - 1
        condition = None
        if node_id > 1:
            side = "A" if node_id % 2 == 0 else "B"
            condition = {
                "circumstance": f"C{depth}",
                "levels": [side],
                "label": f"C{depth} = {side}",
            }
        nodes.append(
            {
                "id": node_id,
                "parent": node_id // 2 if node_id > 1 else None,
                "depth": depth,
                "condition": condition,
                "n": 100,
                "weight": 100.0,
                "share": 1 / 2**depth,
                "mean": (node_id % 7) / 7,
                "is_leaf": node_id in leaf_ids,
            }
        )
    leaves = sorted(leaf_ids)
    return {
        "n": 100,
        "mean": 0.5,
        "nodes": nodes,
        "furthest_behind": {"node": leaves[0], "mean": 0.1, "share": 0.1, "path": ["x"]},
        "furthest_ahead": {"node": leaves[-1], "mean": 0.9, "share": 0.1, "path": ["y"]},
        "gap": 0.8,
        "barrier": False,
    }


FULL_DEPTH_5 = set(range(32, 64))  # 32 leaves
CHAIN_DEPTH_6 = {3, 5, 9, 17, 33, 64, 65}  # lopsided: one branch goes down to depth 6
MIXED = {2, 12, 13, 14, 30, 62, 63}
ROOT_ONLY = {1}


def svg_root(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def node_group(root: ET.Element, node_id: int) -> ET.Element:
    groups = [g for g in root.iter(f"{SVG}g") if g.get("data-node-id") == str(node_id)]
    assert len(groups) == 1
    return groups[0]


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


# ---------------------------------------------------------------------------------- layout


@pytest.fixture(params=["escap", "full5", "chain6", "mixed", "root"])
def any_tree(request, result) -> dict:
    return {
        "escap": result,
        "full5": synthetic_tree(FULL_DEPTH_5),
        "chain6": synthetic_tree(CHAIN_DEPTH_6),
        "mixed": synthetic_tree(MIXED),
        "root": synthetic_tree(ROOT_ONLY),
    }[request.param]


def test_layout_places_every_node_once(any_tree):
    layout = tree_layout(any_tree)
    assert sorted(box.id for box in layout.boxes) == sorted(n["id"] for n in any_tree["nodes"])
    assert len(layout.edges) == len(layout.boxes) - 1


def test_layout_boxes_at_the_same_depth_do_not_overlap(any_tree):
    layout = tree_layout(any_tree)
    by_depth: dict[int, list] = {}
    for box in layout.boxes:
        by_depth.setdefault(box.depth, []).append(box)
    for boxes in by_depth.values():
        boxes.sort(key=lambda box: box.x)
        assert len({box.y for box in boxes}) == 1
        for left, right in zip(boxes, boxes[1:], strict=False):
            assert left.x + left.width < right.x


def test_layout_parents_are_centred_over_their_children(any_tree):
    layout = tree_layout(any_tree)
    for box in layout.boxes:
        kids = sorted((b for b in layout.boxes if b.parent == box.id), key=lambda b: b.id)
        if kids:
            assert box.cx == pytest.approx((kids[0].cx + kids[-1].cx) / 2)
            assert all(kid.y > box.bottom for kid in kids)
            assert kids[0].cx < kids[-1].cx  # the 2i branch is drawn on the left


def test_layout_fits_inside_its_area(any_tree):
    layout = tree_layout(any_tree)
    for box in layout.boxes:
        assert 0 <= box.x and box.x + box.width <= layout.width
        assert 0 <= box.y and box.bottom <= layout.height


def test_layout_width_grows_with_leaves_and_height_with_depth():
    small, wide = tree_layout(synthetic_tree(MIXED)), tree_layout(synthetic_tree(FULL_DEPTH_5))
    assert wide.width > small.width
    assert wide.width >= 32 * wide.box_width
    deep = tree_layout(synthetic_tree(CHAIN_DEPTH_6))
    assert max(box.depth for box in deep.boxes) == 6
    assert deep.height > wide.height


def test_layout_leaves_evenly_spaced(result):
    leaves = sorted((b for b in tree_layout(result).boxes if b.is_leaf), key=lambda b: b.x)
    steps = {round(b.x - a.x, 6) for a, b in zip(leaves, leaves[1:], strict=False)}
    assert len(steps) == 1
    assert [leaf.id for leaf in leaves] == [4, 5, 6, 14, 15]


def test_layout_marks_the_extremes(result):
    layout = tree_layout(result)
    assert layout.box(4).marker == "behind"
    assert layout.box(15).marker == "ahead"
    assert [box.id for box in layout.boxes if box.marker] == [4, 15]
    assert tree_layout(synthetic_tree(ROOT_ONLY)).box(1).marker == "both"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r: r.update(nodes=[]), "no tree nodes"),
        (lambda r: r["nodes"][3].update(parent=99), "not in the tree"),
        (lambda r: r["nodes"][3].update(parent=None), "exactly one root"),
    ],
)
def test_layout_rejects_a_broken_tree(result, change, message):
    broken = copy.deepcopy(result)
    change(broken)
    with pytest.raises(ValueError, match=message):
        tree_layout(broken)


# ---------------------------------------------------------------------------------- tree SVG


def test_tree_svg_is_accessible_standalone_svg(result):
    svg = tree_svg(result, title="Secondary completion", indicator_label="Secondary completion")
    root = svg_root(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") is None and root.get("height") is None
    assert root.get("viewBox").startswith("0 0 ")
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Secondary completion"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    for forbidden in ("<script", "href", "url(", "http://", "https://", "@import"):
        assert forbidden not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_tree_svg_marks_furthest_behind_and_ahead_nodes(result):
    root = svg_root(tree_svg(result, title="Tree"))
    behind, ahead = node_group(root, 4), node_group(root, 15)
    assert "Furthest behind" in texts(behind)
    assert "furthest-behind" in behind.get("class")
    assert "Furthest ahead" in texts(ahead)
    assert "furthest-ahead" in ahead.get("class")
    for node_id in (1, 2, 3, 5, 6, 7, 14):
        node_texts = " ".join(texts(node_group(root, node_id)))
        assert "Furthest" not in node_texts
    legend = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
    assert "Furthest behind" in " ".join(texts(legend[0]))


def test_tree_svg_boxes_show_condition_mean_share_and_n(result):
    root = svg_root(tree_svg(result, title="Tree"))
    assert texts(node_group(root, 15))[:4] == [
        "Residence = Urban",
        "Mean 93.2%",
        "19.1% of population",
        "n = 700",
    ]
    assert texts(node_group(root, 1))[0] == "All"
    assert " ".join(texts(node_group(root, 5))).startswith("HighestEducation in {Secondary,")


def test_tree_svg_shows_values_when_not_percent(result):
    root = svg_root(tree_svg(result, title="Tree", percent=False))
    assert "Mean 0.932" in texts(node_group(root, 15))


def test_tree_svg_desc_summarises_in_plain_language(result):
    desc = svg_root(tree_svg(result, title="Tree")).find(f"{SVG}desc").text
    assert "National mean: 61.3%" in desc
    assert "Furthest behind: PoorerHousehold = 1 and HighestEducation = Lower" in desc
    assert "mean of 33.6% and 31.2% of the population" in desc
    assert "Residence = Urban, with a mean of 93.2% and 19.1%" in desc
    assert "gap between the furthest ahead and the furthest behind is 59.5 percentage" in desc


def test_tree_svg_escapes_hostile_text(result):
    hostile = copy.deepcopy(result)
    name = "<script>alert('x')</script>"
    for node in hostile["nodes"]:
        if node["condition"] and node["condition"]["circumstance"] == "Residence":
            level = node["condition"]["levels"][0]
            node["condition"]["circumstance"] = name
            node["condition"]["label"] = f"{name} = {level}"
    hostile["furthest_ahead"]["path"][-1] = f"{name} = Urban"
    svg = tree_svg(hostile, title='Title "&" <b>', indicator_label="<i>")
    assert "<script" not in svg and "<b>" not in svg and "<i>" not in svg
    root = svg_root(svg)
    assert root.find(f"{SVG}title").text == 'Title "&" <b>'
    # The label is cut across lines in the box; the box's tooltip carries it whole.
    assert node_group(root, 15).find(f"{SVG}title").text == f"{name} = Urban"
    assert name in root.find(f"{SVG}desc").text
    assert tree_png(hostile, title="<b>").startswith(PNG_SIGNATURE)


def test_tree_svg_ids_are_stable_and_overridable(result):
    assert tree_svg(result, title="A") == tree_svg(result, title="A")
    root = svg_root(tree_svg(result, title="A", id_prefix="first"))
    assert root.find(f"{SVG}title").get("id") == "first-title"


def test_tree_svg_handles_long_labels_and_wide_trees():
    wide = synthetic_tree(FULL_DEPTH_5)
    wide["nodes"][5]["condition"]["label"] = "Region in {" + ", ".join(["Province"] * 30) + "}"
    root = svg_root(tree_svg(wide, title="Wide"))
    assert len([g for g in root.iter(f"{SVG}g") if g.get("data-node-id")]) == len(wide["nodes"])
    long_box = node_group(root, wide["nodes"][5]["id"])
    assert long_box.find(f"{SVG}title").text.startswith("Region in {Province")


# ------------------------------------------------------------------------------ text alternative


def test_text_alternative_lists_every_node_as_an_outline(result):
    lines = tree_text_alternative(result).splitlines()
    assert len(lines) == len(result["nodes"])
    for line, node in zip(lines, result["nodes"], strict=True):
        assert line.startswith("  " * node["depth"] + "- ")
    assert lines[0] == "- All: mean 61.3%, 100.0% of the population, n = 3,750"
    assert lines[2] == (
        "    - HighestEducation = Lower: mean 33.6%, 31.2% of the population, n = 1,150"
        " [furthest behind]"
    )
    assert lines[-1].endswith(
        "Residence = Urban: mean 93.2%, 19.1% of the population, n = 700 [furthest ahead]"
    )
    assert sum("furthest" in line for line in lines) == 2


def test_text_alternative_does_not_depend_on_node_order(result):
    shuffled = copy.deepcopy(result)
    shuffled["nodes"].reverse()
    assert tree_text_alternative(shuffled) == tree_text_alternative(result)
    assert tree_svg(shuffled, title="T") == tree_svg(result, title="T")


# ---------------------------------------------------------------------------------- Shapley


def test_shapley_bars_sorted_descending_and_labelled(result):
    root = svg_root(shapley_svg(result["shapley"], title="Drivers"))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "Drivers"
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert [bar.get("data-circumstance") for bar in bars] == [
        "PoorerHousehold",
        "HighestEducation",
        "Residence",
    ]
    widths = [float(bar.find(f"{SVG}rect").get("width")) for bar in bars]
    assert widths == sorted(widths, reverse=True)
    labels = [t.text for bar in bars for t in bar.iter(f"{SVG}text") if t.get("class") == "value"]
    assert labels == ["45.2%", "33.8%", "21.0%"]
    desc = root.find(f"{SVG}desc").text
    assert "PoorerHousehold 45.2%; HighestEducation 33.8%; Residence 21.0%" in desc


def test_shapley_escapes_names_and_handles_negative_and_empty():
    svg = shapley_svg(
        {"<script>": {"value": 0.1, "share": 1.1}, "B & C": {"value": -0.01, "share": -0.1}},
        title="<T>",
    )
    assert "<script" not in svg
    root = svg_root(svg)
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert [bar.get("data-circumstance") for bar in bars] == ["<script>", "B & C"]
    assert "-10.0%" in texts(bars[1])
    empty = svg_root(shapley_svg({}, title="None"))
    assert "No Shapley decomposition" in empty.find(f"{SVG}desc").text


# ---------------------------------------------------------------------------------- trend


def test_trend_with_one_point():
    root = svg_root(
        trend_svg(
            [{"name": "National mean", "points": [("2017", 0.613)]}], title="T", y_label="Rate"
        )
    )
    assert root.get("role") == "img"
    series = [g for g in root.iter(f"{SVG}g") if g.get("class") == "series"]
    assert len(series) == 1
    assert series[0].find(f"{SVG}polyline") is None
    assert series[0].find(f"{SVG}circle") is not None
    assert "61.3%" in texts(series[0])
    assert "National mean: 2017 61.3%." in root.find(f"{SVG}desc").text


def test_trend_with_several_series_and_rounds():
    data = [
        {"name": "National mean", "points": [("2012", 0.55), ("2017", 0.6), ("2022", 0.613)]},
        {"name": "Furthest behind", "points": [["2012", 0.25], ["2017", None], ["2022", 0.336]]},
        {"name": "<Furthest ahead>", "points": [{"label": "2017", "value": 0.9}]},
    ]
    svg = trend_svg(data, title="Rounds", y_label="Share with access")
    assert "<Furthest" not in svg
    root = svg_root(svg)
    series = [g for g in root.iter(f"{SVG}g") if g.get("class") == "series"]
    assert [g.get("data-series") for g in series] == [d["name"] for d in data]
    assert len(series[0].findall(f"{SVG}polyline")) == 1
    assert series[1].find(f"{SVG}polyline") is None  # the missing round breaks the line
    assert len(series[1].findall(f"{SVG}rect")) == 2  # squares mark the points present
    assert [t for t in texts(series[0])] == ["55.0%", "60.0%", "61.3%"]
    legend = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend-entry"]
    assert [texts(g)[0] for g in legend] == [d["name"] for d in data]
    axis = texts(root)
    assert axis.index("2012") < axis.index("2017") < axis.index("2022")
    desc = root.find(f"{SVG}desc").text
    assert "Share with access by survey round (2012, 2017 and 2022)" in desc
    assert "Furthest behind: 2012 25.0%, 2017 n/a, 2022 33.6%." in desc


def test_trend_value_labels_do_not_collide():
    data = [{"name": str(i), "points": [("2020", 0.5 + i * 0.001)]} for i in range(3)]
    root = svg_root(trend_svg(data, title="Close", y_label="Rate"))
    ys = sorted(float(t.get("y")) for t in root.iter(f"{SVG}text") if t.get("class") == "value")
    assert all(b - a >= 14 for a, b in zip(ys, ys[1:], strict=False))


def test_trend_needs_a_point():
    with pytest.raises(ValueError):
        trend_svg([{"name": "Empty", "points": []}], title="T", y_label="Rate")


# ---------------------------------------------------------------------------------- PNG


def test_tree_png_is_a_png_the_size_of_the_svg(result):
    data = tree_png(result, title="Tree")
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    image.verify()
    view_box = svg_root(tree_svg(result, title="Tree")).get("viewBox").split()
    width, height = float(view_box[2]), float(view_box[3])
    assert Image.open(io.BytesIO(data)).size == (round(width), round(height))
    double = Image.open(io.BytesIO(tree_png(result, title="Tree", scale=2.0)))
    assert double.size == (round(width * 2), round(height * 2))


def test_tree_png_uses_the_highlight_colours(result):
    image = Image.open(io.BytesIO(tree_png(result, title="Tree"))).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1_000_000)}
    assert (0xFB, 0xE3, 0xD6) in colours  # furthest behind fill
    assert (0xDB, 0xE9, 0xF6) in colours  # furthest ahead fill


def test_tree_png_rejects_a_bad_scale(result):
    with pytest.raises(ValueError):
        tree_png(result, title="Tree", scale=0)
