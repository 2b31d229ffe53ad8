"""E-mail to partner organisations (Django's e-mail backend: the console in development):
an invitation to a campaign, a daily digest of review outcomes, an upload that finished.

Each message goes to the people who hold the CSO-partner role in the organisation
concerned (for an upload: the person who uploaded it) and names only that organisation's
own submissions, as counts — never a story's words.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Membership, Organisation, Role

from .models import Campaign, FocusGroup, Narrative, ReviewStatus, Upload

logger = logging.getLogger(__name__)


def _site_url(path: str) -> str:
    base = getattr(settings, "PORTAL_BASE_URL", "") or ""
    return f"{base.rstrip('/')}{path}"


def partner_recipients(organisation_id: int) -> list[str]:
    """E-mail addresses of the active CSO-partner members of an organisation."""
    return sorted(
        set(
            Membership.objects.filter(
                organisation_id=organisation_id,
                role=Role.CSO_PARTNER,
                user__is_active=True,
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def _send(subject: str, body: str, recipients: list[str]) -> int:
    if not recipients:
        return 0
    try:
        return send_mail(subject, body, None, recipients)
    except Exception:  # a mail server failure must not undo the work it reports on
        logger.exception("e-mail %r could not be sent", subject)
        return 0


def _language_of(campaign) -> str:
    """The language a partner's e-mail about ``campaign`` is written in: the campaign's first
    language (a partner working on a French campaign reads French), else the site's."""
    languages = [code for code, _name in settings.LANGUAGES]
    first = (getattr(campaign, "languages", None) or [""])[0]
    return first if first in languages else settings.LANGUAGE_CODE


def notify_campaign_invitation(*, campaign: Campaign, organisation_ids) -> int:
    """Tell newly invited partner organisations about a campaign they can now see."""
    sent = 0
    with override(_language_of(campaign)):
        for org in Organisation.objects.filter(pk__in=list(organisation_ids)):
            subject = _("Your organisation is invited to the consultation “%(title)s”") % {
                "title": campaign.title
            }
            body = "\n\n".join(
                [
                    _(
                        "%(org)s is invited to collect stories and focus-group records for "
                        "“%(title)s” (%(start)s – %(end)s)."
                    )
                    % {
                        "org": org.name,
                        "title": campaign.title,
                        "start": campaign.starts_on,
                        "end": campaign.ends_on,
                    },
                    _("Open the campaign: %(url)s")
                    % {"url": _site_url(campaign.get_absolute_url())},
                ]
            )
            sent += _send(subject, body, partner_recipients(org.pk))
    return sent


def notify_upload_finished(*, upload: Upload) -> int:
    """Tell the person who uploaded a file that its import ended, and how."""
    if upload.status not in Upload.FINAL_STATUSES or upload.uploaded_by is None:
        return 0
    email = upload.uploaded_by.email
    with override(_language_of(upload.campaign)):
        if upload.status == Upload.Status.IMPORTED:
            subject = _("Upload imported: %(name)s") % {"name": upload.original_name}
        else:
            subject = _("Upload not imported: %(name)s") % {"name": upload.original_name}
        body = "\n\n".join(
            [
                upload.message or _("%(n)s stories imported.") % {"n": upload.rows_imported},
                _("See the upload: %(url)s") % {"url": _site_url(upload.get_absolute_url())},
            ]
        )
        return _send(subject, body, [email] if email else [])


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def review_outcomes(*, day: datetime.date) -> dict[int, dict]:
    """{organisation id: {(campaign id, kind): {status: count}}} for submissions reviewed on
    ``day`` (the server's time zone). Campaigns are told apart by id: two campaigns may
    share a title (the same consultation run again, or in another language)."""
    start, end = _day_bounds(day)
    outcomes: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for model, kind in ((Narrative, "stories"), (FocusGroup, "focus_groups")):
        rows = (
            model.objects.filter(
                reviewed_at__gte=start,
                reviewed_at__lt=end,
                organisation__isnull=False,
            )
            .exclude(review_status=ReviewStatus.PENDING)
            .values_list("organisation_id", "campaign_id", "review_status")
        )
        for org_id, campaign_id, status in rows:
            outcomes[org_id][(campaign_id, kind)][status] += 1
    return outcomes


def review_digest_send(*, day: datetime.date | None = None) -> int:
    """Send each partner organisation the review outcomes of its own submissions on ``day``
    (default: yesterday), as counts per campaign. Run daily by Celery beat and
    ``manage.py send_review_digest``. Returns the number of messages sent."""
    day = day or (timezone.localdate() - datetime.timedelta(days=1))
    labels = dict(ReviewStatus.choices)
    outcomes = review_outcomes(day=day)
    campaign_ids = {campaign_id for per in outcomes.values() for campaign_id, _kind in per}
    campaigns = Campaign.objects.only("title", "languages", "starts_on", "ends_on").in_bulk(
        campaign_ids
    )
    sent = 0
    for org_id, per_campaign in outcomes.items():
        # Campaigns by title (then id); the digest is written in the first one's language.
        rows = sorted(
            per_campaign.items(),
            key=lambda item: (campaigns[item[0][0]].title, item[0][0], item[0][1]),
        )
        first = campaigns[rows[0][0][0]]
        titles = Counter(campaigns[pk].title for pk in {pk for pk, _kind in per_campaign})
        with override(_language_of(first)):
            kinds = {"stories": _("stories"), "focus_groups": _("focus-group records")}
            lines = []
            for (campaign_id, kind), counts in rows:
                parts = ", ".join(f"{labels[status]}: {n}" for status, n in sorted(counts.items()))
                campaign = campaigns[campaign_id]
                name = campaign.title
                if titles[name] > 1:  # two of its campaigns share the title: add the dates
                    name += f" ({campaign.starts_on} – {campaign.ends_on})"
                lines.append(f"• {name} — {kinds[kind]}: {parts}")
            subject = _("Review outcomes of %(day)s") % {"day": day.isoformat()}
            body = "\n".join(
                [
                    _("Your organisation's submissions reviewed on %(day)s:")
                    % {"day": day.isoformat()},
                    "",
                    *lines,
                    "",
                    _("See all your submissions: %(url)s")
                    % {"url": _site_url(reverse("consultations:our_submissions"))},
                ]
            )
            sent += _send(subject, body, partner_recipients(org_id))
    return sent
