"""Country-level pages: participation indicators and the country report for the CCA."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_noop

from accounts import policy

from .feedback import may_edit_feedback
from .participation import campaign_choices, participation_indicators

ACCOMMODATION_LABELS = {
    "sign_language": gettext_noop("Sign language"),
    "captioning": gettext_noop("Captioning"),
    "easy_read": gettext_noop("Easy-read materials"),
    "accessible_venue": gettext_noop("Accessible venue"),
    "transport": gettext_noop("Transport or allowance"),
}


def _language_rows(participation) -> list[tuple[str, int | None]]:
    """Story languages by their own name ("français"), or the code when it is not one the
    portal knows."""
    from django.utils.translation import get_language_info

    rows = []
    for code, n in participation.story_languages:
        try:
            rows.append((get_language_info(code)["name_local"], n))
        except KeyError:
            rows.append((code, n))
    return rows


def _country(request) -> str:
    return policy.chosen_country(request) or ""


@login_required
def participation(request):
    """Who was heard and who was not, in the viewer's country or one of its campaigns."""
    country = _country(request)
    campaigns = campaign_choices(viewer=request.user, country=country)
    campaign = None
    if request.GET.get("campaign"):
        campaign = next((c for c in campaigns if str(c.pk) == request.GET["campaign"]), None)
        if campaign is None:
            raise Http404
    indicators = participation_indicators(viewer=request.user, country=country, campaign=campaign)
    return render(
        request,
        "evidence/participation.html",
        {
            "country": country,
            "countries": policy.viewer_countries(request.user),
            "campaigns": campaigns,
            "campaign": campaign,
            "ind": indicators,
            "p": indicators.participation,
            "story_languages": _language_rows(indicators.participation),
            "accommodation_labels": ACCOMMODATION_LABELS,
            "can_write_feedback": bool(campaigns)
            and may_edit_feedback(user=request.user, campaign=campaigns[0]),
        },
    )


def _report(request):
    """The groups the viewer chose (``?groups=slug``, in the order of the list) and their
    chapters, with the country's participation indicators."""
    from accounts.policy import Action
    from taxonomy.models import PopulationGroup

    from .chapter import build_chapter
    from .views import group_context

    country = _country(request)
    choices = list(
        policy.scope(request.user, PopulationGroup.objects.order_by("name"), Action.EXPORT)
    )
    wanted = set(request.GET.getlist("groups"))
    chosen = [g for g in choices if g.slug in wanted]
    chapters = [
        build_chapter(group_context(request, group), viewer=request.user) for group in chosen
    ]
    indicators = participation_indicators(viewer=request.user, country=country)
    return country, choices, chosen, chapters, indicators


@login_required
def country_report(request):
    """The country report as a printable page: pick the groups, read, print."""
    import base64

    from django.utils import timezone

    from .chapter import author_organisation

    country, choices, chosen, chapters, indicators = _report(request)
    figures = {
        id(figure): base64.b64encode(figure.png).decode()
        for chapter in chapters
        for figure in chapter.figures
    }
    return render(
        request,
        "evidence/country_report.html",
        {
            "country": country,
            "countries": policy.viewer_countries(request.user),
            "choices": choices,
            "chosen": {g.slug for g in chosen},
            "chapters": [(c, [(f, figures[id(f)]) for f in c.figures]) for c in chapters],
            "ind": indicators,
            "p": indicators.participation,
            "story_languages": _language_rows(indicators.participation),
            "accommodation_labels": ACCOMMODATION_LABELS,
            "today": timezone.localdate(),
            "author": author_organisation(request.user, country),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def country_report_docx(request):
    """The same report as one DOCX for the CCA drafters (audited as an export)."""
    from django.http import HttpResponse

    from accounts.models import AuditEvent
    from accounts.services import audit_record

    from .chapter import author_organisation
    from .dossier import country_report_document

    country, _choices, chosen, chapters, indicators = _report(request)
    content = country_report_document(
        chapters, indicators, country=country, author=author_organisation(request.user, country)
    )
    audit_record(
        country=country,
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=None,
        request=request,
        summary=f"country report (DOCX): {', '.join(g.name for g in chosen) or 'participation'}",
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = "".join(ch if ch.isalnum() else "-" for ch in country.lower()) or "country"
    response["Content-Disposition"] = f'attachment; filename="lnob-report-{name}.docx"'
    return response
