"""Access rules for the recommendations tracker (registered in the AppConfig).

- RCO staff administer the recommendations of the countries of their RCO membership.
- UNCT members read everything of their organisation's country and update the actions and
  assessments of the institutions assigned to their organisation.
- CSO partners read published recommendations and clusters of their organisation's country
  and may submit (and change) their own organisation's shadow assessments.
- Everyone else sees nothing (404).
"""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Organisation, Role
from accounts.policy import READ_ACTIONS, Action, Actor, Rule


def countries_where(actor: Actor, role: str):
    """A subquery of the countries of the organisations where the actor has ``role``."""
    return Organisation.objects.filter(pk__in=list(actor.organisations_with_role(role))).values(
        "country"
    )


def assigned_to_actor(actor: Actor, institution) -> bool:
    """Is the institution assigned to one of the actor's UNCT organisations?"""
    unct_orgs = actor.organisations_with_role(Role.UNCT_MEMBER)
    if institution is None or not unct_orgs:
        return False
    return institution.organisations.filter(pk__in=unct_orgs).exists()


class TrackedRule(Rule):
    """Country-held tracker records. ``published`` is the lookup (or ``Q``) that makes a
    record readable by CSO partners; ``None`` keeps it from them."""

    def __init__(self, country_field: str = "country", published: Q | str | None = None):
        self.country_field = country_field
        self.published = Q(**{published: True}) if isinstance(published, str) else published

    def _in(self, countries) -> Q:
        return Q(**{f"{self.country_field}__in": countries})

    def scope(self, actor, queryset, action):
        condition = Q(pk__in=[])
        if actor.is_rco_staff:
            condition |= self._in(actor.rco_countries)
        if action in READ_ACTIONS:
            if actor.is_unct_member:
                condition |= self._in(countries_where(actor, Role.UNCT_MEMBER))
            if actor.is_cso_partner and self.published is not None:
                condition |= self._in(countries_where(actor, Role.CSO_PARTNER)) & self.published
        return queryset.filter(condition)

    def allows(self, actor, action, obj):
        if actor.is_rco_staff and (obj is None or self._rco_country(actor, obj)):
            return True
        return action in READ_ACTIONS and actor.is_member

    def _rco_country(self, actor, obj) -> bool:
        value = obj
        for part in self.country_field.split("__"):
            value = getattr(value, part, None)
        return value in actor.rco_countries


class RecommendationRule(TrackedRule):
    def __init__(self):
        super().__init__("country", "published")


class ClusterRule(TrackedRule):
    def __init__(self):
        super().__init__("country", "published")


class StaffRecordRule(TrackedRule):
    """Institutions, indicators, history: RCO staff edit, UNCT members read."""

    def __init__(self):
        super().__init__("country", None)

    def allows(self, actor, action, obj):
        if actor.is_rco_staff and (obj is None or self._rco_country(actor, obj)):
            return True
        return action in READ_ACTIONS and actor.is_unct_member


_PUBLISHED_SUBJECT = Q(recommendation__published=True) | Q(cluster__published=True)


class ActionRule(TrackedRule):
    """Actions: RCO staff edit; UNCT members of an assigned organisation create and update."""

    def __init__(self):
        super().__init__("country", _PUBLISHED_SUBJECT)

    def allows(self, actor, action, obj):
        if actor.is_rco_staff and (obj is None or self._rco_country(actor, obj)):
            return True
        if action in READ_ACTIONS:
            return actor.is_member
        if actor.is_unct_member and action in (Action.CREATE, Action.CHANGE):
            return obj is None or assigned_to_actor(actor, obj.institution)
        return False


class AssessmentRule(TrackedRule):
    """Official assessments: RCO staff, and UNCT members for institutions assigned to their
    organisation. Shadow assessments: the CSO partner organisation that wrote them."""

    def __init__(self):
        super().__init__("country", _PUBLISHED_SUBJECT)

    def allows(self, actor, action, obj):
        if action in READ_ACTIONS:
            return actor.is_member
        if obj is None:  # model level: may this person submit some assessment?
            return actor.is_rco_staff or actor.is_unct_member or actor.is_cso_partner
        if obj.kind == obj.Kind.SHADOW:
            own = obj.organisation_id in actor.organisations_with_role(Role.CSO_PARTNER)
            if action in (Action.CHANGE, Action.DELETE) and own:
                return True
            # RCO staff moderate (remove) shadow assessments but never rewrite them.
            return action == Action.DELETE and self._rco_country(actor, obj)
        if actor.is_rco_staff and self._rco_country(actor, obj):
            return True
        return (
            actor.is_unct_member
            and action == Action.CHANGE
            and assigned_to_actor(actor, obj.institution)
        )
