"""Access rules for community voice, registered with the portal's policy (accounts/policy.py).

- RCO staff see and administer everything in the campaigns of their country.
- CSO partners see campaigns they are invited to, and only their own organisation's raw
  submissions, uploads and mappings.
- UNCT members see campaigns and approved evidence, never the unapproved queue.
"""

from django.db.models import Q

from accounts.models import Role
from accounts.policy import READ_ACTIONS, Action, Rule


class CampaignRule(Rule):
    def scope(self, actor, queryset, action):
        if actor.is_rco_staff:
            return queryset.filter(country__in=actor.rco_countries)
        if action not in READ_ACTIONS:
            return queryset.none()
        query = Q(pk__in=[])
        partner_orgs = actor.organisations_with_role(Role.CSO_PARTNER)
        if partner_orgs:
            query |= Q(partners__in=partner_orgs) & ~Q(status="draft")
        if actor.is_unct_member:
            query |= ~Q(status="draft")
        return queryset.filter(query).distinct()

    def allows(self, actor, action, obj):
        if actor.is_rco_staff:
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

    def __init__(self, campaign_model):
        self.campaign_model = campaign_model


class SubmissionRule(Rule):
    """Stories and focus-group records (raw submissions)."""

    def scope(self, actor, queryset, action):
        if actor.is_rco_staff:
            return queryset.filter(campaign__country__in=actor.rco_countries)
        query = Q(pk__in=[])
        partner_orgs = actor.organisations_with_role(Role.CSO_PARTNER)
        if partner_orgs and action in READ_ACTIONS | {Action.CREATE}:
            query |= Q(organisation__in=partner_orgs)
        if actor.is_unct_member and action in READ_ACTIONS:
            query |= Q(review_status="approved")
        return queryset.filter(query)

    def allows(self, actor, action, obj):
        if actor.is_rco_staff:
            return True
        if action in READ_ACTIONS:
            return actor.is_member
        return action == Action.CREATE and actor.is_cso_partner


class PartnerOwnedRule(Rule):
    """Uploads and column mappings: the partner organisation's own, and RCO staff."""

    def scope(self, actor, queryset, action):
        if actor.is_rco_staff:
            return queryset.filter(campaign__country__in=actor.rco_countries)
        partner_orgs = actor.organisations_with_role(Role.CSO_PARTNER)
        return queryset.filter(organisation__in=partner_orgs)

    def allows(self, actor, action, obj):
        return actor.is_rco_staff or actor.is_cso_partner


class QuoteRule(Rule):
    """Focus-group quotes follow their record."""

    def scope(self, actor, queryset, action):
        from .models import FocusGroup

        records = SubmissionRule().scope(actor, FocusGroup.objects.all(), action)
        return queryset.filter(focus_group__in=records)

    def allows(self, actor, action, obj):
        return SubmissionRule().allows(actor, action, obj)
