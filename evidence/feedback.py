"""Closing the loop with the people who spoke (UNSDG LNOB guide, step 5 and the cross-cutting
demand for meaningful participation): each campaign's public "what we heard and what is
happening" page, per language, written and published by RCO staff of its country.

What the page shows besides the staff's words is derived when it is shown: counts by theme
and self-identified group (fewer than 5 hidden), quotes whose tellers agreed to quotation and
publication, and the group-page actions whose causes or capacity gaps cite this campaign's
stories or focus-group quotes, with their status."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from accounts.policy import actor_for
from consultations.selectors import CampaignHeard, campaign_heard
from taxonomy.models import PopulationGroup

from .models import CampaignFeedback, GroupAction


def may_edit_feedback(*, user, campaign) -> bool:
    """RCO staff of the campaign's country write and publish its feedback pages."""
    if not getattr(user, "is_authenticated", False):
        return False
    actor = actor_for(user)
    return actor.is_superuser or campaign.country in actor.rco_countries


def feedback_save(*, campaign, language: str, values: dict, user) -> CampaignFeedback:
    """Create or change the campaign's page in ``language``; publishing stamps the date."""
    if not may_edit_feedback(user=user, campaign=campaign):
        raise PermissionDenied
    page = CampaignFeedback.objects.filter(campaign=campaign, language=language).first()
    page = page or CampaignFeedback(campaign=campaign, language=language)
    for field in ("heard", "happening", "easy_read", "next_update", "status"):
        if field in values:
            setattr(page, field, values[field])
    if page.status == CampaignFeedback.Status.PUBLISHED and page.published_at is None:
        page.published_at = timezone.now()
    if page.status == CampaignFeedback.Status.DRAFT:
        page.published_at = None
    page.updated_by = user
    page.full_clean()
    page.save()
    from accounts.models import AuditEvent
    from accounts.services import audit_record

    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=page,
        country=campaign.country,
        # who published or withdrew the public page, never its words
        summary=f"Feedback page ({language}) of campaign {campaign.pk} saved as {page.status}",
        data={"language": language, "status": page.status},
    )
    return page


@dataclass(frozen=True)
class FeedbackAction:
    title: str
    group: str
    group_labels: dict  # the group's name in other languages
    owner: str
    status: str
    status_label: object  # lazy: shown in the page's language
    ends_on: date | None


@dataclass(frozen=True)
class FeedbackPage:
    """Everything the public page shows in one language."""

    page: CampaignFeedback | None
    language: str
    languages: tuple[str, ...]  # languages with a page this viewer may read
    heard: CampaignHeard
    actions: tuple[FeedbackAction, ...]
    preview: bool  # a draft shown to its editors


def campaign_actions(*, campaign, heard: CampaignHeard) -> tuple[FeedbackAction, ...]:
    """Group-page actions of the campaign's country linked to a cause or capacity gap that
    cites one of the campaign's stories or focus-group quotes."""
    stories, quotes = list(heard.story_ids), list(heard.quote_ids)
    if not stories and not quotes:
        return ()
    cites = (
        Q(causes__citations__narrative__in=stories)
        | Q(causes__citations__quote__in=quotes)
        | Q(capacity_gaps__citations__narrative__in=stories)
        | Q(capacity_gaps__citations__quote__in=quotes)
    )
    actions = (
        GroupAction.objects.filter(cites, country=campaign.country)
        .exclude(status=GroupAction.Status.CANCELLED)
        .select_related("group")
        .distinct()
        .order_by("status", "ends_on", "pk")
    )
    return tuple(
        FeedbackAction(
            title=a.title,
            group=a.group.name,
            group_labels=dict(a.group.labels or {}),
            owner=a.owner,
            status=a.status,
            status_label=GroupAction.Status(a.status).label,
            ends_on=a.ends_on,
        )
        for a in actions
    )


def feedback_page(*, campaign, language: str, user) -> FeedbackPage:
    """The page in ``language`` (or the first language that has one): published pages for
    everyone; drafts too for the staff who write them."""
    preview = may_edit_feedback(user=user, campaign=campaign)
    pages = {p.language: p for p in CampaignFeedback.objects.filter(campaign=campaign)}
    readable = {
        lang: p
        for lang, p in pages.items()
        if p.status == CampaignFeedback.Status.PUBLISHED or preview
    }
    order = [lang for lang in campaign.languages or [] if lang in readable]
    order += sorted(lang for lang in readable if lang not in order)
    chosen = language if language in readable else (order[0] if order else language)
    heard = campaign_heard(campaign)
    actions = campaign_actions(campaign=campaign, heard=heard)
    # Group names in the page's language (the vocabulary's own translations), else English.
    pks = {pk for pk, _name, _n in heard.groups}
    names = {
        g.pk: g.name_in(chosen) or g.name
        for g in PopulationGroup.objects.filter(pk__in=pks).only("pk", "name", "labels")
    }
    heard = replace(
        heard, groups=tuple((pk, names.get(pk, name), n) for pk, name, n in heard.groups)
    )
    return FeedbackPage(
        page=readable.get(chosen),
        language=chosen,
        languages=tuple(order),
        heard=heard,
        actions=tuple(replace(a, group=a.group_labels.get(chosen) or a.group) for a in actions),
        preview=preview and chosen in readable and readable[chosen].status != "published",
    )
