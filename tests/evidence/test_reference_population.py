"""The group page compares a survey group with its run's reference population when the
summary carries it (key ``reference_population`` of a survey row)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from evidence.models import GroupSummary
from evidence.summary import compute_summary
from taxonomy.models import PopulationGroup
from tests.evidence.test_group_pages import published_run

pytestmark = pytest.mark.django_db


def test_survey_rows_say_whom_they_are_compared_with(people, client_for, vocabularies):
    """The link records the run's reference population; the summary carries it to the page."""
    from analysis.models import LeafGroupLink

    rural = PopulationGroup.objects.get(name="Persons living in rural areas")
    published_run(goal=7, leaf_mean=0.3, national=0.6, group=rural)
    LeafGroupLink.objects.filter(group=rural).update(reference_population="all women 15-49")
    data = compute_summary(rural, "Demoland")
    assert data["survey"], "the run is linked to the group"
    assert {row["reference_population"] for row in data["survey"]} == {"all women 15-49"}
    GroupSummary.objects.update_or_create(
        group=rural,
        country="Demoland",
        defaults={"data": data, "stale": False, "computed_at": timezone.now()},
    )
    html = client_for("unct").get(reverse("evidence:group_page", args=[rural.slug]))
    assert "vs all women 15-49" in html.content.decode()
