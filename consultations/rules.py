"""Access rules for community voice, registered with the portal's policy (accounts/policy.py).

Every rule is scoped by country (a campaign's ``country``): a person sees only the campaigns
of the countries of their memberships, in the role they hold in that country.

- RCO staff see and administer everything in the campaigns of their country.
- CSO partners see campaigns of their country they are invited to, and only their own
  organisation's raw submissions, uploads and mappings.
- UNCT members see their country's campaigns and approved evidence, never the unapproved
  queue.
"""

from django.db.models import Q

from accounts.models import Role
from accounts.policy import READ_ACTIONS, Action, Rule, actor_for, country_of


def _rco_of(actor, obj, path: str) -> bool:
    """Is the actor RCO staff of the object's country (or is there no object yet)?"""
    return bool(actor.rco_countries) and (
        obj is None or country_of(obj, path) in actor.rco_countries
    )


class CampaignRule(Rule):
    def scope(self, actor, queryset, action):
        query = Q(country__in=actor.rco_countries)
        if action in READ_ACTIONS:
            partner_orgs = actor.organisations_with_role(Role.CSO_PARTNER)
            if partner_orgs:
                query |= (
                    Q(partners__in=partner_orgs)
                    & ~Q(status="draft")
                    & Q(country__in=actor.countries_with_role(Role.CSO_PARTNER))
                )
            if actor.is_unct_member:
                query |= ~Q(status="draft") & Q(
                    country__in=actor.countries_with_role(Role.UNCT_MEMBER)
                )
        return queryset.filter(query).distinct()

    def allows(self, actor, action, obj):
        if _rco_of(actor, obj, "country"):
            return True
        return action in READ_ACTIONS and actor.is_member


class CampaignPartRule(CampaignRule):
    """Instruments and signifiers follow their campaign."""

    def scope(self, actor, queryset, action):
        campaigns = CampaignRule().scope(actor, self.campaign_model.objects.all(), action)
        return (
            queryset.filter(campaign__in=campaigns)
            if hasattr(queryset.model, "campaign")
            else queryset.filter(instrument__campaign__in=campaigns)
        )

    def allows(self, actor, action, obj):
        path = "campaign__country" if hasattr(obj, "campaign") else "instrument__campaign__country"
        if _rco_of(actor, obj, path):
            return True
        return action in READ_ACTIONS and actor.is_member

    def __init__(self, campaign_model):
        self.campaign_model = campaign_model


class SubmissionRule(Rule):
    """Stories and focus-group records (raw submissions)."""

    def scope(self, actor, queryset, action):
        query = Q(campaign__country__in=actor.rco_countries)
        partner_orgs = actor.organisations_with_role(Role.CSO_PARTNER)
        if partner_orgs and action in READ_ACTIONS | {Action.CREATE}:
            query |= Q(organisation__in=partner_orgs) & Q(
                campaign__country__in=actor.countries_with_role(Role.CSO_PARTNER)
            )
        if actor.is_unct_member and action in READ_ACTIONS:
            query |= Q(review_status="approved") & Q(
                campaign__country__in=actor.countries_with_role(Role.UNCT_MEMBER)
            )
        return queryset.filter(query)

    def allows(self, actor, action, obj):
        if _rco_of(actor, obj, "campaign__country"):
            return True
        if action in READ_ACTIONS:
            return actor.is_member
        return action == Action.CREATE and actor.is_cso_partner


class PartnerOwnedRule(Rule):
    """Uploads and column mappings: the partner organisation's own, and RCO staff."""

    def scope(self, actor, queryset, action):
        partner_orgs = actor.organisations_with_role(Role.CSO_PARTNER)
        return queryset.filter(
            Q(campaign__country__in=actor.rco_countries)
            | (
                Q(organisation__in=partner_orgs)
                & Q(campaign__country__in=actor.countries_with_role(Role.CSO_PARTNER))
            )
        )

    def allows(self, actor, action, obj):
        return _rco_of(actor, obj, "campaign__country") or actor.is_cso_partner


class QuoteRule(Rule):
    """Focus-group quotes follow their record."""

    def scope(self, actor, queryset, action):
        from .models import FocusGroup

        records = SubmissionRule().scope(actor, FocusGroup.objects.all(), action)
        return queryset.filter(focus_group__in=records)

    def allows(self, actor, action, obj):
        if _rco_of(actor, obj, "focus_group__campaign__country"):
            return True
        if action in READ_ACTIONS:
            return actor.is_member
        return action == Action.CREATE and actor.is_cso_partner


def sees_identities(user, submission) -> bool:
    """Row-level identity attributes (age band, sex, groups, disability, place) go only to
    RCO staff of the submission's country and to the partner organisation that collected it.
    Everyone else (UNCT members) reads identities only as the suppressed counts of the
    campaign analysis and export, never row by row, whatever the teller's quotation consent.
    """
    actor = actor_for(user)
    if actor.is_superuser or submission.campaign.country in actor.rco_countries:
        return True
    return submission.organisation_id in actor.organisations_with_role(Role.CSO_PARTNER)
