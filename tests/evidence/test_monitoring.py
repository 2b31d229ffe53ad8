"""Monitoring indicators: is the gap closing fast enough? (issue 14, items 1–2)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evidence.models import MonitoringIndicator, MonitoringValue, Revision
from evidence.monitoring import progress
from evidence.monitoring.selectors import indicators_for_group
from evidence.monitoring.services import (
    monitoring_indicator_save,
    monitoring_value_save,
)
from taxonomy.models import PopulationGroup

# A hand-built case. Access to improved sanitation, in percent:
#   2015: the group 40, everyone else 70 -> gap 30, relative 30/70 = 0.428571
#   2020: the group 46, everyone else 73 -> gap 27, relative 27/73 = 0.369863
# The group gains (46-40)/5 = 1.2 points a year, the others (73-70)/5 = 0.6: the gap closes.
# Projected 2030: 46 + 10*1.2 = 58 and 73 + 10*0.6 = 79.
# Target for the group 77 in 2030: it needs (77-46)/10 = 3.1 points a year > 1.2: too slow.
TWO_ROUNDS = [
    progress.Observation(year=2015, group=40.0, others=70.0),
    progress.Observation(year=2020, group=46.0, others=73.0),
]


def test_two_rounds_closing_too_slowly_by_hand():
    result = progress.assess(TWO_ROUNDS, target_group=77.0, bounds=(0, 100))
    assert [g.absolute for g in result.gaps] == [30.0, 27.0]
    assert [round(g.relative, 6) for g in result.gaps] == [0.428571, 0.369863]
    assert result.group_rate == pytest.approx(1.2)
    assert result.others_rate == pytest.approx(0.6)
    assert result.projected_group == pytest.approx(58.0)
    assert result.projected_others == pytest.approx(79.0)
    assert result.needed_rate == pytest.approx(3.1)
    assert result.verdict is progress.Verdict.CLOSING_TOO_SLOWLY


def test_the_verdicts_other_cases():
    assert progress.assess(TWO_ROUNDS, target_group=55.0).verdict is (
        progress.Verdict.CLOSING_ON_TRACK  # needs 0.9 a year, gains 1.2
    )
    widening = [
        progress.Observation(2015, 40.0, 70.0),
        progress.Observation(2020, 41.0, 75.0),
    ]
    assert progress.assess(widening, target_group=77.0).verdict is progress.Verdict.WIDENING
    assert progress.assess(TWO_ROUNDS[:1], target_group=77.0).verdict is (
        progress.Verdict.BASELINE_ONLY
    )
    assert progress.assess(TWO_ROUNDS, target_group=45.0).verdict is (
        progress.Verdict.TARGET_REACHED
    )


def test_a_barrier_gains_when_it_falls():
    # Stunting: the group 40 -> 34 (gains 1.2 a year), the others 20 -> 18 (gain 0.4).
    stunting = [progress.Observation(2015, 40.0, 20.0), progress.Observation(2020, 34.0, 18.0)]
    result = progress.assess(stunting, barrier=True, target_group=15.0)
    assert [g.absolute for g in result.gaps] == [20.0, 16.0]
    assert result.group_rate == pytest.approx(1.2)
    assert result.others_rate == pytest.approx(0.4)
    assert result.needed_rate == pytest.approx(1.9)  # (34 - 15) / 10
    assert result.verdict is progress.Verdict.CLOSING_TOO_SLOWLY


def test_straight_line_milestones_are_three_to_five_years_apart():
    assert progress.default_milestones(baseline_year=2015, baseline=40, target=77) == (
        (2020, pytest.approx(52.333333)),
        (2025, pytest.approx(64.666667)),
        (2030, 77),
    )
    years = [y for y, _ in progress.default_milestones(baseline_year=2018, baseline=0, target=1)]
    assert years == [2023, 2030]  # 2028 would leave 2 years before 2030


@pytest.fixture
def group(db):
    return PopulationGroup.objects.get(slug="persons-living-in-rural-areas")


def _sanitation(group, people):
    indicator = monitoring_indicator_save(
        indicator=MonitoringIndicator(
            name="Improved sanitation",
            source=MonitoringIndicator.Source.MANUAL,
            source_note="Demoland DHS 2015 and 2020, table 2.3",
            target_group=77.0,
            target_others=85.0,
            floor=60.0,
            floor_label="every district",
        ),
        group=group,
        country="Demoland",
        user=people.rco,
    )
    for year, mine, theirs in ((2015, 40.0, 70.0), (2020, 46.0, 73.0)):
        monitoring_value_save(
            value=MonitoringValue(
                indicator=indicator, year=year, group_value=mine, others_value=theirs
            ),
            user=people.rco,
        )
    return indicator


def test_the_selector_gives_the_verdict_in_words(people, group):
    _sanitation(group, people)
    (item,) = indicators_for_group(group, "Demoland", people.partner_own)
    assert item.verdict_text == (
        "The gap is closing, but too slowly to reach the 2030 target: the group needs "
        "3.1 points a year, it gains 1.2."
    )
    assert (item.baseline_year, item.baseline_group, item.baseline_others) == (2015, 40.0, 70.0)
    assert (item.latest_year, item.latest_group, item.latest_others) == (2020, 46.0, 73.0)
    assert [(m.year, round(m.group, 1), round(m.others, 1)) for m in item.milestones] == [
        (2020, 52.3, 75.0),
        (2025, 64.7, 80.0),
        (2030, 77.0, 85.0),
    ]
    assert [r.gap for r in item.rounds] == [30.0, 27.0]


def test_writes_are_for_rco_and_unct_of_the_country_with_revisions(people, group):
    indicator = _sanitation(group, people)
    assert Revision.objects.filter(element=f"monitoringindicator:{indicator.pk}").exists()
    assert Revision.objects.filter(element__startswith="monitoringvalue:").count() == 2
    for outsider in (people.partner_own, people.foreign_rco):
        with pytest.raises(PermissionDenied):
            monitoring_indicator_save(
                indicator=MonitoringIndicator(name="x", source="manual", source_note="y"),
                group=group,
                country="Demoland",
                user=outsider,
            )
    monitoring_indicator_save(
        indicator=MonitoringIndicator(name="UNCT's", source="manual", source_note="MICS"),
        group=group,
        country="Demoland",
        user=people.unct,
    )
    assert indicators_for_group(group, "Demoland", people.foreign_rco) == ()
    assert len(indicators_for_group(group, "Demoland", people.unct)) == 2


def test_an_rco_analyst_adds_an_indicator_and_rounds_in_the_browser_form(people, group, client_for):
    client = client_for("rco")
    url = "/groups/persons-living-in-rural-areas/monitoring/?country=Demoland"
    response = client.post(
        "/groups/persons-living-in-rural-areas/monitoring/add/?country=Demoland",
        {
            "name": "Improved sanitation",
            "source": "manual",
            "source_note": "DHS tables",
            "unit": "%",
            "target_year": "2030",
            "target_group": "77",
            "target_others": "85",
            "milestones_text": "2020: 52, 75\n2025: 65, 80",
            "floor": "60",
            "floor_label": "every district",
        },
    )
    assert response.status_code == 302
    indicator = MonitoringIndicator.objects.get(name="Improved sanitation")
    assert indicator.milestones == [
        {"year": 2020, "group": 52.0, "others": 75.0},
        {"year": 2025, "group": 65.0, "others": 80.0},
    ]
    for year, mine, theirs in (("2015", "40", "70"), ("2020", "46", "73")):
        response = client.post(
            f"/groups/persons-living-in-rural-areas/monitoring/{indicator.pk}/values/"
            "?country=Demoland",
            {
                f"v{indicator.pk}-year": year,
                f"v{indicator.pk}-group_value": mine,
                f"v{indicator.pk}-others_value": theirs,
                f"v{indicator.pk}-group_ci_low": "",
                f"v{indicator.pk}-source": "DHS",
            },
        )
        assert response.status_code == 302
    page = client_for("partner_own").get(url).content.decode()
    assert "too slowly to reach the 2030 target: the group needs 3.1 points a year" in page
    assert "<svg" in page and 'data-series="group"' in page and "Floor 60%" in page
    assert "Add a monitoring indicator" not in page  # partners read only
    # A milestone two years after another is refused, with the reason beside the field.
    bad = client_for("rco").post(
        "/groups/persons-living-in-rural-areas/monitoring/add/?country=Demoland",
        {
            "name": "x",
            "source": "manual",
            "source_note": "y",
            "unit": "%",
            "target_year": "2030",
            "milestones_text": "2025: 1, 2\n2027: 3, 4",
        },
    )
    assert bad.status_code == 400
    assert "three to five years apart" in bad.content.decode()


def test_a_percentage_above_100_is_refused(people, group):
    indicator = _sanitation(group, people)
    with pytest.raises(ValidationError):
        monitoring_value_save(
            value=MonitoringValue(indicator=indicator, year=2022, group_value=140, others_value=1),
            user=people.rco,
        )


@pytest.mark.parametrize(
    "language, verdict",
    [
        ("fr", "L’écart se réduit, mais trop lentement pour atteindre la cible de 2030"),
        ("es", "La brecha se cierra, pero demasiado despacio para alcanzar la meta de 2030"),
    ],
)
def test_the_monitoring_page_speaks_french_and_spanish(
    people, group, client_for, language, verdict
):
    from django.conf import settings

    _sanitation(group, people)
    client = client_for("unct")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(
        "/groups/persons-living-in-rural-areas/monitoring/?country=Demoland"
    ).content.decode()
    assert verdict in page
