"""Group pages, per country: the members of a country read its reviewed evidence and its
analyses; its UNCT members and RCO staff write them; CSO partners read (their raw
submissions stay theirs). Nobody reads or writes another country's analyses."""

from django.db.models import Q

from accounts.policy import READ_ACTIONS, Rule, country_of


class AnalysisRule(Rule):
    """``country_fields``: lookups to the element's country (any may match, e.g. a citation
    of a cause or of a capacity gap)."""

    def __init__(self, *country_fields: str):
        self.country_fields = country_fields or ("country",)

    def _in(self, countries) -> Q:
        query = Q(pk__in=[])
        for path in self.country_fields:
            query |= Q(**{f"{path}__in": countries})
        return query

    def scope(self, actor, queryset, action):
        countries = actor.countries if action in READ_ACTIONS else actor.writer_countries
        return queryset.filter(self._in(countries))

    def allows(self, actor, action, obj):
        if action in READ_ACTIONS:
            return actor.is_member
        if obj is None:
            return bool(actor.writer_countries)
        return any(country_of(obj, path) in actor.writer_countries for path in self.country_fields)


class CircumstanceFactorRule(Rule):
    """The circumstance → factor table: members read the defaults and their countries'
    rows; RCO staff change their own countries' rows; the defaults (no country) are changed
    by superusers only (a data migration seeds them)."""

    def scope(self, actor, queryset, action):
        if action in READ_ACTIONS:
            return queryset.filter(Q(country="") | Q(country__in=actor.countries))
        return queryset.filter(country__in=actor.rco_countries)

    def allows(self, actor, action, obj):
        if action in READ_ACTIONS:
            return actor.is_member
        if obj is None:
            return bool(actor.rco_countries)
        return obj.country in actor.rco_countries
