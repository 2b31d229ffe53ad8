"""Partners' own work: their submissions (every status), their upload history, and the
receipt cards they print before offline field work. Lists show only the viewer's own
partner organisations' records (RCO staff and UNCT members have the review pages)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Role
from accounts.policy import Action, actor_for

from ..models import Campaign, FocusGroup, Narrative, ReceiptBatch, ReviewStatus, Upload
from ..receipts import MAX_CARDS, receipt_batch_issue


def _own_scope(user, queryset):
    """What the viewer may list, narrowed to their own partner organisations' records."""
    orgs = actor_for(user).organisations_with_role(Role.CSO_PARTNER)
    return policy.scope(user, queryset, Action.LIST).filter(organisation__in=orgs)


@login_required
def our_submissions(request):
    """Every story and focus-group record of the viewer's partner organisations, in every
    review status, filtered by status and campaign, searchable."""
    actor = actor_for(request.user)
    is_partner = bool(actor.organisations_with_role(Role.CSO_PARTNER))
    status = request.GET.get("status", "")
    status = status if status in ReviewStatus.values else ""
    campaigns = policy.scope(request.user, Campaign.objects.all(), Action.LIST).order_by("title")
    campaign_id = request.GET.get("campaign", "")
    campaign_id = campaign_id if campaign_id.isdigit() else ""
    q = (request.GET.get("q") or "").strip()[:200]

    stories = _own_scope(request.user, Narrative.objects.all())
    records = _own_scope(request.user, FocusGroup.objects.all())
    if status:
        stories = stories.filter(review_status=status)
        records = records.filter(review_status=status)
    if campaign_id:
        stories = stories.filter(campaign_id=campaign_id)
        records = records.filter(campaign_id=campaign_id)
    if q:
        stories = stories.filter(Q(title__icontains=q) | Q(story__icontains=q))
        records = records.filter(
            Q(place__icontains=q) | Q(questions__icontains=q) | Q(themes__summary__icontains=q)
        ).distinct()
    page = Paginator(
        stories.select_related("campaign", "organisation").order_by("-created_at"), 25
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "consultations/our_submissions.html",
        {
            "is_partner": is_partner,
            "page": page,
            "story_count": page.paginator.count,
            "focus_groups": records.select_related("campaign", "organisation").order_by("-held_on")[
                :50
            ],
            "statuses": ReviewStatus.choices,
            "status": status,
            "campaigns": campaigns,
            "campaign_id": campaign_id,
            "q": q,
        },
    )


@login_required
def our_uploads(request):
    """The viewer's partner organisations' uploads with their results."""
    actor = actor_for(request.user)
    uploads = _own_scope(request.user, Upload.objects.all()).select_related(
        "campaign", "organisation", "uploaded_by"
    )
    page = Paginator(uploads.order_by("-created_at"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "consultations/our_uploads.html",
        {"page": page, "is_partner": bool(actor.organisations_with_role(Role.CSO_PARTNER))},
    )


@login_required
def receipt_cards(request, pk: int):
    """A partner prints a sheet of receipt cards for a campaign (RCO staff may print for
    an invited partner). The codes appear once, on the printable sheet."""
    campaign = policy.get_object_or_404(request.user, Campaign, pk=pk)
    actor = actor_for(request.user)
    own = set(actor.organisations_with_role(Role.CSO_PARTNER))
    organisations = [o for o in campaign.partners.all() if o.pk in own]
    if not organisations and campaign.country in actor.rco_countries:
        organisations = list(campaign.partners.all())
    if not organisations:
        raise PermissionDenied
    errors: list[str] = []
    count = 10
    if request.method == "POST":
        organisation = next(
            (o for o in organisations if str(o.pk) == request.POST.get("organisation")), None
        )
        raw = request.POST.get("count", "")
        count = int(raw) if raw.isdigit() else 0
        if organisation is None:
            errors.append(_("Choose the organisation the cards are for."))
        else:
            try:
                batch, codes = receipt_batch_issue(
                    campaign=campaign, organisation=organisation, user=request.user, count=count
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                return render(
                    request,
                    "consultations/receipt_sheet.html",
                    {
                        "campaign": campaign,
                        "batch": batch,
                        "codes": codes,
                        "languages": campaign.languages or ["en"],
                        "withdraw_url": request.build_absolute_uri(
                            reverse("consultations:withdraw")
                        ),
                    },
                )
    batches = (
        policy.scope(request.user, ReceiptBatch.objects.filter(campaign=campaign), Action.LIST)
        .filter(organisation__in=organisations)
        .select_related("organisation", "issued_by")
    )
    return render(
        request,
        "consultations/receipt_cards.html",
        {
            "campaign": campaign,
            "organisations": organisations,
            "batches": batches,
            "errors": errors,
            "count": count,
            "max_cards": MAX_CARDS,
        },
        status=400 if errors else 200,
    )
