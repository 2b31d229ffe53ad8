"""Triads, dyads and their zones (PRODUCT.md §4); plain pytest, no database."""

import math

import pytest

from consultations.signifiers import (
    TRIAD_ZONES,
    dyad_bin,
    dyad_histogram,
    normalise_dyad,
    normalise_triad,
    triad_zone,
    zone_polygon,
)


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ((60, 20, 20), (0.6, 0.2, 0.2)),
        ((0.6, 0.2, 0.2), (0.6, 0.2, 0.2)),
        ((100, 0, 0), (1.0, 0.0, 0.0)),
        ((1, 1, 2), (0.25, 0.25, 0.5)),
        ((50, 50, 50), (1 / 3, 1 / 3, 1 / 3)),
        (("30", "30", "40"), (0.3, 0.3, 0.4)),
    ],
)
def test_normalise_triad_scales_to_proportions(weights, expected):
    result = normalise_triad(*weights)
    assert result == pytest.approx(expected)
    assert math.fsum(result) == pytest.approx(1.0)


def test_normalise_triad_all_zero_is_a_clear_error():
    with pytest.raises(ValueError, match="all zero"):
        normalise_triad(0, 0, 0)


@pytest.mark.parametrize("weights", [(-1, 50, 50), ("abc", 1, 1), (math.nan, 1, 1)])
def test_normalise_triad_rejects_negative_and_non_numbers(weights):
    with pytest.raises(ValueError):
        normalise_triad(*weights)


@pytest.mark.parametrize(
    ("point", "zone"),
    [
        # Corners: one proportion ≥ 0.6; exactly 0.6 is the corner.
        ((1.0, 0.0, 0.0), "corner_a"),
        ((0.6, 0.2, 0.2), "corner_a"),
        ((0.6, 0.4, 0.0), "corner_a"),
        ((0.2, 0.6, 0.2), "corner_b"),
        ((0.0, 0.0, 1.0), "corner_c"),
        ((0.1, 0.3, 0.6), "corner_c"),
        # Just below 0.6 in the "corner" proportion: no longer a corner.
        ((0.59, 0.21, 0.2), "centre"),
        ((0.59, 0.31, 0.1), "edge_ab"),
        # Edges: two between 0.2 and 0.6, the third < 0.2.
        ((0.45, 0.4, 0.15), "edge_ab"),
        ((0.5, 0.5, 0.0), "edge_ab"),
        ((0.0, 0.5, 0.5), "edge_bc"),
        ((0.19, 0.41, 0.4), "edge_bc"),
        ((0.5, 0.1, 0.4), "edge_ac"),
        # Centre: all three between 0.2 and 0.6; exactly 0.2 counts as in the band.
        ((1 / 3, 1 / 3, 1 / 3), "centre"),
        ((0.4, 0.4, 0.2), "centre"),
        ((0.2, 0.4, 0.4), "centre"),
        ((0.4, 0.2, 0.4), "centre"),
        ((0.4, 0.41, 0.19), "edge_ab"),
    ],
)
def test_triad_zone_at_and_around_boundaries(point, zone):
    assert triad_zone(point) == zone


def test_triad_zone_tolerates_rounding_and_raw_weights():
    assert triad_zone(normalise_triad(60, 20, 20)) == "corner_a"
    assert triad_zone(normalise_triad(1, 1, 3)) == "corner_c"  # 0.2, 0.2, 0.6
    assert triad_zone((0.33, 0.33, 0.33)) == "centre"  # stored with two decimals
    assert triad_zone((20, 40, 40)) == "centre"  # slider weights are re-normalised
    assert triad_zone((0.2 - 1e-12, 0.4, 0.4 + 1e-12)) == "centre"


def test_triad_zone_rejects_bad_points():
    with pytest.raises(ValueError):
        triad_zone((0, 0, 0))
    with pytest.raises(ValueError):
        triad_zone((0.5, 0.5))  # type: ignore[arg-type]


def test_triad_zones_order_and_polygons_tile_the_triangle():
    assert TRIAD_ZONES == (
        "corner_a",
        "corner_b",
        "corner_c",
        "edge_ab",
        "edge_bc",
        "edge_ac",
        "centre",
        "other",
    )

    def area(polygon):
        # Area in the (a, b) plane; the whole triangle has area 1/2.
        return 0.5 * abs(
            sum(
                p[0] * q[1] - q[0] * p[1]
                for p, q in zip(polygon, polygon[1:] + polygon[:1], strict=True)
            )
        )

    total = sum(area(zone_polygon(zone)) for zone in TRIAD_ZONES if zone != "other")
    assert total == pytest.approx(0.5)
    # Every vertex sums to 1, and the centroid of each polygon falls in its own zone.
    for zone in TRIAD_ZONES[:-1]:
        vertices = zone_polygon(zone)
        assert all(sum(v) == pytest.approx(1.0) for v in vertices)
        centroid = tuple(sum(v[i] for v in vertices) / len(vertices) for i in range(3))
        assert triad_zone(centroid) == zone


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [(0, 100, 0.0), (35, 100, 0.35), (100, 100, 1.0), (0.35, 1, 0.35), (7, 10, 0.7)],
)
def test_normalise_dyad(value, scale, expected):
    assert normalise_dyad(value, scale=scale) == pytest.approx(expected)


@pytest.mark.parametrize(("value", "scale"), [(101, 100), (-1, 100), (1.5, 1), (5, 0)])
def test_normalise_dyad_out_of_range(value, scale):
    with pytest.raises(ValueError):
        normalise_dyad(value, scale=scale)


def test_dyad_histogram_bins_edges_and_not_applicable():
    values = [0.0, 0.05, 0.1, 0.3, 0.35, 0.7, 0.99, 1.0, None, 0.5]
    assert dyad_histogram(values) == [2, 1, 0, 2, 0, 1, 0, 1, 0, 2]
    assert dyad_histogram(values, bins=2) == [5, 4]
    assert dyad_histogram([], bins=4) == [0, 0, 0, 0]
    # 30/100 and 0.1 * 3 are both bin 3, as a person reading "0.3" would expect.
    assert dyad_bin(30 / 100) == dyad_bin(0.1 * 3) == 3
    assert dyad_bin(1.0) == 9


@pytest.mark.parametrize("values", [[1.2], [-0.1], [math.nan]])
def test_dyad_histogram_rejects_values_outside_0_1(values):
    with pytest.raises(ValueError):
        dyad_histogram(values)


def test_dyad_histogram_needs_a_bin():
    with pytest.raises(ValueError):
        dyad_histogram([0.5], bins=0)
