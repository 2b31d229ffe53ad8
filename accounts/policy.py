"""The access policy: the one place that decides who may do what with which object.

Every view and API endpoint asks this module, never the models directly:

- ``scope(user, queryset, action)`` narrows a queryset to what the user may list/see;
- ``can(user, action, obj_or_model)`` answers for one object (or for a model when there is
  no object yet, e.g. "create");
- ``get_object_or_404(user, queryset, action, **lookup)`` fetches an object the user may
  see, and raises 404 — not 403 — when they may not, so that the existence of another
  organisation's submission is never revealed. If the object is visible but the action is
  not allowed, it raises PermissionDenied (403).

Rules are registered per model with ``register``. A model without a rule is denied to
everyone except superusers: forgetting a rule closes the door rather than opening it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from .models import Membership, Role

if TYPE_CHECKING:
    from .models import User


class Action(StrEnum):
    LIST = "list"
    VIEW = "view"
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    REVIEW = "review"
    EXPORT = "export"


READ_ACTIONS = frozenset({Action.LIST, Action.VIEW, Action.EXPORT})


@dataclass(frozen=True)
class Actor:
    """What the policy needs to know about a user, loaded once per request."""

    user_id: int | None
    is_authenticated: bool
    is_superuser: bool = False
    roles: frozenset[str] = frozenset()
    # organisation id -> role
    organisation_roles: dict[int, str] = field(default_factory=dict)
    # countries where the user is RCO staff
    rco_countries: frozenset[str] = frozenset()
    # role -> the countries of the organisations where the user has that role
    role_countries: dict[str, frozenset[str]] = field(default_factory=dict)
    # a global (not per-country) curator of the shared vocabularies
    is_vocabulary_steward: bool = False

    @property
    def countries(self) -> frozenset[str]:
        """Every country of the user's memberships: the only countries they see."""
        return frozenset().union(*self.role_countries.values())

    def countries_with_role(self, *roles: str) -> frozenset[str]:
        return frozenset().union(*(self.role_countries.get(r, frozenset()) for r in roles))

    @property
    def writer_countries(self) -> frozenset[str]:
        """Countries where the user writes analyses (RCO staff and UNCT members)."""
        return self.countries_with_role(Role.RCO_STAFF, Role.UNCT_MEMBER)

    @property
    def is_member(self) -> bool:
        return bool(self.roles) or self.is_superuser

    @property
    def is_rco_staff(self) -> bool:
        return Role.RCO_STAFF in self.roles or self.is_superuser

    @property
    def is_unct_member(self) -> bool:
        return Role.UNCT_MEMBER in self.roles

    @property
    def is_cso_partner(self) -> bool:
        return Role.CSO_PARTNER in self.roles

    def organisations_with_role(self, role: str) -> frozenset[int]:
        return frozenset(org for org, r in self.organisation_roles.items() if r == role)


ANONYMOUS = Actor(user_id=None, is_authenticated=False)


def actor_for(user: User | None) -> Actor:
    """Build (and cache on the user object) the actor for a user: one query."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_policy_actor", None)
    if cached is not None:
        return cached
    rows = list(
        Membership.objects.filter(user=user).values_list(
            "organisation_id", "role", "organisation__country"
        )
    )
    role_countries: dict[str, set[str]] = {}
    for _org, role, country in rows:
        role_countries.setdefault(role, set()).add(country)
    actor = Actor(
        user_id=user.pk,
        is_authenticated=True,
        is_superuser=user.is_superuser,
        roles=frozenset(role for _, role, _ in rows),
        organisation_roles={org: role for org, role, _ in rows},
        rco_countries=frozenset(c for _, role, c in rows if role == Role.RCO_STAFF),
        role_countries={role: frozenset(c) for role, c in role_countries.items()},
        is_vocabulary_steward=bool(getattr(user, "is_vocabulary_steward", False)),
    )
    user._policy_actor = actor
    return actor


class Rule:
    """Base rule: denies everything. Subclasses override ``scope`` and ``allows``."""

    def scope(self, actor: Actor, queryset: QuerySet, action: Action) -> QuerySet:
        return queryset.none()

    def allows(self, actor: Actor, action: Action, obj: Model | None) -> bool:
        return False


_rules: dict[type[Model], Rule] = {}


def register(model: type[Model], rule: Rule) -> None:
    _rules[model] = rule


def rule_for(model: type[Model]) -> Rule:
    for klass in model.__mro__:
        if klass in _rules:
            return _rules[klass]
    return Rule()


def scope(user, queryset: QuerySet, action: Action = Action.LIST) -> QuerySet:
    """The part of ``queryset`` that ``user`` may list (or see, export…)."""
    actor = actor_for(user)
    if actor.is_superuser:
        return queryset
    if not actor.is_authenticated:
        return queryset.none()
    return rule_for(queryset.model).scope(actor, queryset, Action(action))


def can(user, action: Action | str, obj_or_model: Model | type[Model]) -> bool:
    """May ``user`` perform ``action`` on this object (or on this kind of object)?"""
    actor = actor_for(user)
    if not actor.is_authenticated:
        return False
    if actor.is_superuser:
        return True
    if isinstance(obj_or_model, type):
        model, obj = obj_or_model, None
    else:
        model, obj = type(obj_or_model), obj_or_model
    rule = rule_for(model)
    action = Action(action)
    if (
        obj is not None
        and not rule.scope(actor, model._default_manager.filter(pk=obj.pk), Action.VIEW).exists()
    ):
        return False
    return rule.allows(actor, action, obj)


def get_object_or_404(user, queryset: QuerySet | type[Model], action=Action.VIEW, **lookup):
    """Fetch an object the user may see; 404 if they may not, 403 if seen but not allowed."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        obj = scope(user, queryset, Action.VIEW).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
    if Action(action) != Action.VIEW and not can(user, action, obj):
        raise PermissionDenied
    return obj


def country_of(obj: Model | None, path: str) -> str | None:
    """Follow a lookup path such as ``"campaign__country"`` from an object to its country."""
    value = obj
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part, None)
    return value


def viewer_countries(user) -> list[str]:
    """The countries a user may choose between (sorted), e.g. for a ``?country=`` selector.
    Superusers may choose any country that has an organisation."""
    actor = actor_for(user)
    if actor.is_superuser:
        from .models import Organisation

        return sorted(set(Organisation.objects.values_list("country", flat=True)))
    return sorted(actor.countries)


def chosen_country(request) -> str | None:
    """The viewer's country for this request: ``?country=`` if it is one of theirs, else
    their first. ``None`` for someone without a country."""
    countries = viewer_countries(request.user)
    wanted = request.GET.get("country") or request.POST.get("country")
    if wanted in countries:
        return wanted
    return countries[0] if countries else None


def require(user, action: Action | str, model: type[Model]) -> None:
    """Raise 403 unless the user may perform a model-level action (e.g. create)."""
    if not can(user, action, model):
        raise PermissionDenied


# ---------------------------------------------------------------------------
# Reusable rules
# ---------------------------------------------------------------------------


class VocabularyRule(Rule):
    """Shared vocabularies (groups, themes, SDGs, factors, mechanisms) are shared by every
    country: every member reads; only vocabulary stewards (a global role, a flag on the
    user) and superusers change them. ``propose=True`` lets RCO staff create entries, which
    the caller marks for the stewards' review (population groups)."""

    def __init__(self, propose: bool = False):
        self.propose = propose

    def scope(self, actor, queryset, action):
        if actor.is_member or actor.is_vocabulary_steward:
            return queryset
        return queryset.none()

    def allows(self, actor, action, obj):
        if action in READ_ACTIONS:
            return actor.is_member or actor.is_vocabulary_steward
        if actor.is_vocabulary_steward:
            return True
        return self.propose and action == Action.CREATE and obj is None and actor.is_rco_staff


class AuditRule(Rule):
    """The audit log: RCO staff see the events of their countries only — events recorded
    with one of their countries, or (for events without a country) done by someone who
    belongs to an organisation of their countries. Superusers see everything."""

    def scope(self, actor, queryset, action):
        if not actor.rco_countries or action not in READ_ACTIONS:
            return queryset.none()
        from django.db.models import Q

        from .models import Membership

        people = Membership.objects.filter(organisation__country__in=actor.rco_countries).values(
            "user_id"
        )
        return queryset.filter(
            Q(country__in=actor.rco_countries) | Q(country="", actor_id__in=people)
        )

    def allows(self, actor, action, obj):
        return bool(actor.rco_countries) and action in READ_ACTIONS


# Kept for callers that name it; the audit log now uses the country-scoped AuditRule.
RCOOnlyRule = AuditRule


class OrganisationRule(Rule):
    """RCO staff administer the organisations of their country; others see their own."""

    def scope(self, actor, queryset, action):
        from django.db.models import Q

        condition = Q(country__in=actor.rco_countries)
        if action in READ_ACTIONS:
            condition |= Q(pk__in=actor.organisation_roles.keys())
        return queryset.filter(condition)

    def allows(self, actor, action, obj):
        if action in READ_ACTIONS:
            return actor.is_member
        return (
            action in {Action.CREATE, Action.CHANGE, Action.DELETE}
            and bool(actor.rco_countries)
            and (obj is None or obj.country in actor.rco_countries)
        )


class MembershipRule(Rule):
    """RCO staff grant and change roles in their country; a user sees their own memberships."""

    def scope(self, actor, queryset, action):
        from django.db.models import Q

        condition = Q(organisation__country__in=actor.rco_countries)
        if action in READ_ACTIONS:
            condition |= Q(user_id=actor.user_id)
        return queryset.filter(condition)

    def allows(self, actor, action, obj):
        if action in READ_ACTIONS:
            return actor.is_member
        return (
            action in {Action.CREATE, Action.CHANGE, Action.DELETE}
            and bool(actor.rco_countries)
            and (obj is None or country_of(obj, "organisation__country") in actor.rco_countries)
        )


class CountryEvidenceRule(Rule):
    """Evidence held for a country: RCO staff of that country administer it; other members
    read it once it is published (reviewed). ``published_field=None`` keeps it RCO-only.

    ``country_field`` is the lookup path to the country name, e.g. ``"dataset__country"``.
    """

    def __init__(self, country_field: str = "country", published_field: str | None = None):
        self.country_field = country_field
        self.published_field = published_field

    def scope(self, actor, queryset, action):
        from django.db.models import Q

        condition = Q(**{f"{self.country_field}__in": actor.rco_countries})
        if self.published_field and action in READ_ACTIONS and actor.countries:
            # Published evidence is read by the members of its country only.
            condition |= Q(**{f"{self.country_field}__in": actor.countries}) & Q(
                **{self.published_field: True}
            )
        return queryset.filter(condition)

    def allows(self, actor, action, obj):
        if actor.rco_countries and (
            obj is None or country_of(obj, self.country_field) in actor.rco_countries
        ):
            return True
        return bool(self.published_field) and actor.is_member and action in READ_ACTIONS
