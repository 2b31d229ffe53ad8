"""Focus-group records: recording one, its page, editing it (its partner or RCO staff) and
deleting it (RCO staff, with a reason, after a confirmation page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Role
from accounts.policy import Action, actor_for

from .. import services
from ..forms import FocusGroupForm, ReviewForm
from ..models import Campaign, FocusGroup
from ._common import _delete_page, _partner_organisations


@login_required
def focus_group_new(request, pk: int):
    campaign = policy.get_object_or_404(request.user, Campaign, pk=pk)
    policy.require(request.user, Action.CREATE, FocusGroup)
    actor = actor_for(request.user)
    organisations = _partner_organisations(request.user, campaign)
    if not organisations and not actor.is_rco_staff:
        raise PermissionDenied
    form = FocusGroupForm(request.POST or None)
    form.fields["groups"].queryset = form.fields["groups"].queryset.order_by("name")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = form.save(commit=False)
        record.accommodations = data["accommodations"]
        record.participants = data["participants"]
        services.focus_group_record(
            record=record,
            campaign=campaign,
            organisation=organisations[0] if organisations else None,
            user=request.user,
            consent_how=data["consent_how"],
            use_quotation=data["use_quotation"],
            use_publication=data["use_publication"],
            groups=data.get("groups") or (),
            themes_text=data.get("themes_text") or "",
            quotes=data["quotes"],
        )
        messages.success(request, _("The focus-group record was saved."))
        return redirect(record)
    return render(
        request, "consultations/focus_group_form.html", {"form": form, "campaign": campaign}
    )


@login_required
def focus_group_detail(request, pk: int):
    record = policy.get_object_or_404(
        request.user,
        FocusGroup.objects.select_related("campaign", "organisation").prefetch_related(
            "themes", "quotes", "groups"
        ),
        pk=pk,
    )
    return render(
        request,
        "consultations/focus_group_detail.html",
        {
            "record": record,
            "can_review": policy.can(request.user, Action.REVIEW, record),
            "can_edit": may_edit_focus_group(request.user, record),
            "can_delete": policy.can(request.user, Action.DELETE, record),
            "review_form": ReviewForm(initial={"status": record.review_status}),
            "show_quotes": record.use_quotation or policy.can(request.user, Action.REVIEW, record),
        },
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
