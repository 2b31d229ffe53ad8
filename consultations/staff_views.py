"""Deleting a story or focus-group record (RCO staff, with a reason, after a confirmation
page) and editing a focus-group record (its partner or RCO staff)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Role
from accounts.policy import Action, actor_for

from . import services
from .forms import FocusGroupForm
from .models import FocusGroup, Narrative


def _delete_page(request, obj, *, kind: str, delete):
    """Show what goes and ask why; on a POST with a reason and the confirmation, delete."""
    reason = request.POST.get("reason", "") if request.method == "POST" else ""
    errors: list[str] = []
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            errors.append(_("Tick the box to confirm that the deletion cannot be undone."))
        else:
            campaign = obj.campaign
            try:
                delete(reason)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(
                    request,
                    _("The story and everything derived from it were deleted.")
                    if kind == "story"
                    else _("The focus-group record, its themes and quotes were deleted."),
                )
                return redirect(campaign)
    return render(
        request,
        "consultations/delete_confirm.html",
        {
            "obj": obj,
            "kind": kind,
            "reasons": services.DELETE_REASONS.items(),
            "reason": reason,
            "errors": errors,
            "quoted_by": obj.quotes.count() if kind == "focus_group" else 0,
            "themes": obj.themes.count(),
        },
        status=400 if errors else 200,
    )


@login_required
def narrative_delete(request, pk: int):
    """RCO staff delete a story (e.g. a teller of an offline story without a card asked):
    the story, its tags and any raw copy go; a tombstone stops re-imports; the audit log
    records the reason code, never the content."""
    narrative = policy.get_object_or_404(
        request.user, Narrative.objects.select_related("campaign"), Action.DELETE, pk=pk
    )
    return _delete_page(
        request,
        narrative,
        kind="story",
        delete=lambda reason: services.narrative_delete(
            narrative=narrative, user=request.user, reason=reason
        ),
    )


@login_required
def focus_group_delete(request, pk: int):
    record = policy.get_object_or_404(
        request.user, FocusGroup.objects.select_related("campaign"), Action.DELETE, pk=pk
    )
    return _delete_page(
        request,
        record,
        kind="focus_group",
        delete=lambda reason: services.focus_group_delete(
            record=record, user=request.user, reason=reason
        ),
    )


def may_edit_focus_group(user, record: FocusGroup) -> bool:
    """RCO staff of the country, or the partner organisation that recorded it."""
    if policy.can(user, Action.CHANGE, record):
        return True
    orgs = actor_for(user).organisations_with_role(Role.CSO_PARTNER)
    return record.organisation_id is not None and record.organisation_id in orgs


@login_required
def focus_group_edit(request, pk: int):
    record = policy.get_object_or_404(
        request.user, FocusGroup.objects.select_related("campaign"), pk=pk
    )
    if not may_edit_focus_group(request.user, record):
        raise Http404
    form = FocusGroupForm(request.POST or None, instance=record)
    form.fields["groups"].queryset = form.fields["groups"].queryset.order_by("name")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = form.save(commit=False)
        record.accommodations = data["accommodations"]
        record.participants = data["participants"]
        record.consent_how = data["consent_how"]
        record.use_quotation = data["use_quotation"]
        record.use_publication = data["use_publication"]
        try:
            with transaction.atomic():
                services.focus_group_update(
                    record=record, user=request.user, changed=form.changed_data
                )
                form.save_m2m()
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The focus-group record was saved."))
            return redirect(record)
    return render(
        request,
        "consultations/focus_group_form.html",
        {"form": form, "campaign": record.campaign, "record": record},
        status=400 if form.errors else 200,
    )
