"""Review: the campaign's review queue and approving or rejecting a story or a focus-group
record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action

from .. import services
from ..forms import ReviewForm
from ..models import Campaign, FocusGroup, Narrative, ReviewStatus


@login_required
def review_queue(request, pk: int):
    campaign = policy.get_object_or_404(request.user, Campaign, Action.CHANGE, pk=pk)
    status = request.GET.get("status") or ReviewStatus.PENDING
    narratives = (
        policy.scope(request.user, campaign.narratives.all(), Action.LIST)
        .filter(review_status=status)
        .select_related("organisation")
    )
    page = Paginator(narratives, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "consultations/review_queue.html",
        {
            "campaign": campaign,
            "page": page,
            "status": status,
            "statuses": ReviewStatus.choices,
        },
    )


@login_required
@require_POST
def narrative_review(request, pk: int):
    narrative = policy.get_object_or_404(request.user, Narrative, Action.REVIEW, pk=pk)
    if _review(request, narrative):
        following = (
            policy.scope(
                request.user,
                Narrative.objects.filter(
                    campaign_id=narrative.campaign_id, review_status=ReviewStatus.PENDING
                ),
                Action.LIST,
            )
            .order_by("created_at")
            .first()
        )
        if following and "next" in request.POST:
            return redirect(following)
    return redirect(narrative)


@login_required
@require_POST
def focus_group_review(request, pk: int):
    record = policy.get_object_or_404(request.user, FocusGroup, Action.REVIEW, pk=pk)
    _review(request, record)
    return redirect(record)


def _review(request, obj) -> bool:
    """Apply the posted review decision to a story or focus-group record (logged)."""
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approved, on hold or not approved."))
        return False
    services.submission_review(
        obj=obj,
        status=form.cleaned_data["status"],
        note=form.cleaned_data["note"],
        user=request.user,
        request=request,
    )
    messages.success(request, _("Review saved."))
    return True
