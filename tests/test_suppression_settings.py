"""The small-count minimum is one setting, read by the rule, the display and the templates."""

from django.template import Context, Template

from common.suppression import format_count, min_count, suppress_counts


def test_default_minimum_is_5_and_3_for_partner_only_views():
    assert min_count() == 5
    assert min_count(partner_only=True) == 3
    assert suppress_counts({"a": 4, "b": 9, "c": 0}) == {"a": None, "b": 9, "c": 0}


def test_a_deployment_can_raise_the_minimum_everywhere(settings):
    settings.SMALL_COUNT_MIN = 10
    assert suppress_counts({"a": 7, "b": 12}) == {"a": None, "b": 12}
    assert format_count(7) == "fewer than 10"
    rendered = Template("{% load suppression %}{{ a|small_count }} / {{ b|small_count }}").render(
        Context({"a": 7, "b": 12})
    )
    assert rendered == "fewer than 10 / 12"


def test_partner_only_views_use_their_own_minimum(settings):
    settings.SMALL_COUNT_MIN_PARTNER = 3
    rendered = Template(
        "{% load suppression %}"
        "{{ a|small_count:True }} {{ b|small_count:True }} {{ n|small_count }}"
    ).render(Context({"a": 2, "b": 4, "n": None}))
    assert rendered == "fewer than 3 4 fewer than 5"
