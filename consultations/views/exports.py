"""A campaign's export (CSV/XLSX), refused when the filter matches fewer stories than the
suppression threshold, and audited."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Role
from accounts.policy import Action, actor_for

from ..models import Campaign, Signifier
from ._common import _analysis_filters


def _audit_filter(query) -> dict:
    """An export's filter for the audit log: the chosen ids and zones, but only whether a
    text search was used, never its words (they may be a withdrawn story's words, and the
    log outlives the story)."""
    recorded: dict = {k: v for k, v in query.items() if k not in ("q", "page")}
    if query.get("q"):
        recorded["q"] = "(text search)"
    return recorded


def _export_purpose(request, campaign, actor) -> str:
    """``working`` only for RCO staff of the campaign's country who asked for it; everyone
    else (and anyone who did not choose) gets the publication export."""
    from ..exports import PUBLICATION, WORKING

    if request.GET.get("purpose") == WORKING and campaign.country in actor.countries_with_role(
        Role.RCO_STAFF
    ):
        return WORKING
    return PUBLICATION


@login_required
def campaign_export(request, pk: int, fmt: str):
    """Stories for analysis (consultations/exports.py): a working export for RCO analysts of
    the country, or a suppressed export meant for publication (partners, UNCT, and RCO staff
    who choose it); logged with the filter and the purpose."""
    from django.http import HttpResponse

    from accounts.models import AuditEvent
    from accounts.services import audit_record
    from common.suppression import min_count

    from ..exports import WORKING, build_export, export_bytes
    from ..selectors import narratives_filter, narratives_search

    campaign = policy.get_object_or_404(request.user, Campaign, Action.EXPORT, pk=pk)
    base, selected, group, signifier, zone, bin_index = _analysis_filters(
        request, campaign, request.user
    )
    actor = actor_for(request.user)
    purpose = _export_purpose(request, campaign, actor)
    fmt = fmt if fmt in ("csv", "xlsx", "zip") else "csv"
    if purpose == WORKING and request.GET.get("statuses") == "all":
        # A working file may hold every story consented to analysis, whatever its review
        # status (the review_status column says which).
        every = policy.scope(
            request.user, campaign.narratives.filter(use_analysis=True), Action.LIST
        )
        selected = narratives_search(
            narratives_filter(
                every, group=group, signifier=signifier, zone=zone, bin_index=bin_index
            ),
            request.GET.get("q", ""),
        )
    audit_data = {"filter": _audit_filter(request.GET), "format": fmt, "purpose": purpose}
    if selected.count() < min_count() and campaign.country not in actor.countries_with_role(
        Role.RCO_STAFF
    ):
        # The analysis page does not list fewer than min_count() matching stories to anyone but
        # RCO staff of the country; the export of the same filter must not either (the filter
        # itself, e.g. a group, would say who the few are).
        audit_record(
            action=AuditEvent.Action.EXPORT,
            actor=request.user,
            target=campaign,
            request=request,
            summary=f"export refused: fewer than {min_count()} stories match",
            data={**audit_data, "refused": True},
        )
        messages.warning(
            request,
            _(
                "Fewer than %(n)s stories match this filter, so they are not exported: nobody "
                "must be recognisable. Widen the filter and export again."
            )
            % {"n": min_count()},
        )
        return redirect(
            reverse("consultations:campaign_analysis", args=[campaign.pk])
            + ("?" + request.GET.urlencode() if request.GET else "")
        )
    narratives = selected.select_related(
        "instrument", "organisation", "consent_text"
    ).prefetch_related("groups")
    export = build_export(
        campaign=campaign,
        narratives=narratives,
        signifiers=list(
            Signifier.objects.filter(instrument__campaign=campaign)
            .select_related("instrument")
            .prefetch_related("versions")
            .order_by("instrument_id", "order", "pk")
        ),
        purpose=purpose,
    )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=campaign,
        request=request,
        summary=f"{len(export.rows)} stories as {fmt} ({purpose} export)",
        data=audit_data,
    )
    content, content_type, filename = export_bytes(
        export, fmt, f"campaign-{campaign.pk}-stories-{purpose}"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
