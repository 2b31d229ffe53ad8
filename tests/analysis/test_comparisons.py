"""Comparisons for a country: bars across indicators, regions and rounds, the regions'
choropleth from an uploaded GeoJSON, and countries side by side (issue 14, item 4)."""

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEvent
from analysis.geo import MapError, choropleth_svg, parse_regions
from analysis.models import Dataset, Indicator, RegionMap, Run


def _run(
    *,
    country="Demoland",
    survey_round="2020",
    region="",
    d=0.2,
    gap=0.4,
    slug="water",
    published=True,
    path=("Bottom 40%", "Rural"),
):
    dataset, _ = Dataset.objects.get_or_create(
        country=country,
        survey_round=survey_round,
        defaults=dict(
            title="S",
            survey_kind="DHS",
            original_name="x.dta",
            sha256="0" * 64,
            status=Dataset.Status.READY,
            file="surveys/x.dta",
        ),
    )
    indicator, _ = Indicator.objects.get_or_create(
        slug=slug, defaults={"name": slug.title(), "definition": {}}
    )
    return Run.objects.create(
        dataset=dataset,
        indicator=indicator,
        batch=uuid.uuid4(),
        region=region,
        definition={},
        status=Run.Status.SUCCEEDED,
        dataset_sha256="0" * 64,
        published=published,
        result={
            "mean": 0.6,
            "d_index": d,
            "hoi": 0.6 * (1 - d),
            "gap": gap,
            "nodes": [],
            "furthest_behind": {"node": 3, "mean": 0.3, "path": list(path)},
        },
    )


def _square(name, x0, y0):
    ring = [[x0, y0], [x0 + 1, y0], [x0 + 1, y0 + 1], [x0, y0 + 1], [x0, y0]]
    return {
        "type": "Feature",
        "properties": {"NAME_1": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


GEOJSON = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            _square("North", 10, 11),
            _square("South", 10, 10),
            _square("East", 11, 10),
        ],
    }
).encode()


def test_geojson_regions_become_rings_and_a_map():
    shapes = parse_regions(GEOJSON, name_property="NAME_1")
    assert sorted(shapes) == ["East", "North", "South"]
    svg = choropleth_svg(
        shapes,
        {"North": 0.1, "South": 0.3, "East": None},
        title="D by region",
        legend_label="D-index",
    )
    regions = dict(
        (name, fill)
        for fill, name in __import__("re").findall(
            r'<path d="[^"]+" fill="([^"]+)"[^>]*data-region="([^"]+)"', svg
        )
    )
    # The lowest value gets the lightest class, the highest the darkest, no value is grey.
    assert regions == {"North": "#fde5d4", "South": "#8c2d04", "East": "#eeeeee"}
    assert "<title>East: No data</title>" in svg
    with pytest.raises(MapError, match="NAME_2"):
        parse_regions(GEOJSON, name_property="NAME_2")
    with pytest.raises(MapError):
        parse_regions(b'{"type": "Feature"}', name_property="x")


def test_a_country_compares_indicators_regions_and_rounds(people, client_for):
    _run(slug="water", d=0.25, gap=0.5, survey_round="2015", path=("Rural",))
    _run(slug="water", d=0.20, gap=0.4, survey_round="2020")
    _run(slug="power", d=0.10, gap=0.2)
    _run(slug="water", region="North", d=0.12)
    _run(slug="water", region="South", d=0.31)
    _run(slug="secret", d=0.9, published=False)  # not published: in no comparison
    _run(slug="water", country="Elsewhere", d=0.55)  # another country

    page = client_for("unct").get("/analysis/compare/?indicator=water").content.decode()
    assert 'data-label="Water (2020)"' in page and 'data-label="Power (2020)"' in page
    assert "Secret" not in page and "0.550" not in page
    assert 'data-label="North"' in page and 'data-label="South"' in page
    assert 'data-label="2015"' in page
    # 2015 and 2020 have different furthest-behind groups: two lines, never joined.
    assert "Furthest behind: Rural" in page and "Furthest behind: Bottom 40% · Rural" in page
    assert "<path" not in page  # no map until one is uploaded

    rco = client_for("rco")
    response = rco.post(
        "/analysis/compare/map/",
        {"file": SimpleUploadedFile("regions.geojson", GEOJSON), "name_property": "NAME_1"},
    )
    assert response.status_code == 302
    assert RegionMap.objects.get(country="Demoland").name_property == "NAME_1"
    assert AuditEvent.objects.filter(target_type="analysis.regionmap").exists()
    page = rco.get("/analysis/compare/?indicator=water").content.decode()
    assert 'data-region="North"' in page and "<title>East: No run</title>" in page

    refused = client_for("unct").post(
        "/analysis/compare/map/", {"file": SimpleUploadedFile("r.geojson", GEOJSON)}
    )
    assert refused.status_code == 403


def test_countries_side_by_side_show_only_the_viewers_countries(people, client_for):
    from accounts.models import Role
    from tests.factories import MembershipFactory

    _run(slug="water", d=0.20)
    _run(slug="water", country="Elsewhere", d=0.55)
    page = client_for("unct").get("/analysis/compare/countries/?indicator=water").content.decode()
    assert 'data-label="Demoland (2020)"' in page and "Elsewhere" not in page
    # A regional office member of both countries sees both, aggregates only.
    MembershipFactory(user=people.unct, organisation=people.foreign_unct_org, role=Role.UNCT_MEMBER)
    page = client_for("unct").get("/analysis/compare/countries/?indicator=water").content.decode()
    assert 'data-label="Demoland (2020)"' in page and 'data-label="Elsewhere (2020)"' in page


@pytest.mark.parametrize(
    "features",
    [
        [
            {
                "type": "Feature",
                "properties": {"NAME_1": "North"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[["12,5", "3,1"], [1, 2], [2, 2], [1, 1]]],
                },
            }
        ],
        [
            {
                "type": "Feature",
                "properties": {"NAME_1": "North"},
                "geometry": {"type": "Polygon", "coordinates": [[[1], [1, 2], [2, 2], [1, 1]]]},
            }
        ],
        ["North"],
    ],
)
def test_a_broken_map_file_gets_a_message_naming_it(people, client_for, features):
    """A GeoJSON file with a coordinate written as text, a point without its latitude or a
    feature that is not an object: the person is told what is wrong with their file (no
    server error), and no map is stored."""
    from django.contrib.messages import get_messages

    content = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    response = client_for("rco").post(
        "/analysis/compare/map/",
        {"file": SimpleUploadedFile("provinces-2024.geojson", content), "name_property": "NAME_1"},
    )
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("provinces-2024.geojson" in m for m in shown), shown
    assert not RegionMap.objects.exists()
