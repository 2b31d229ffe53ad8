"""The tracker itself: the list with its filters, export, a recommendation's page, editing
and publishing it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import AuditEvent
from accounts.policy import Action as Do
from accounts.services import audit_record
from lnob_portal.exports import tabular_response

from .. import selectors, services
from ..forms import FilterForm, RecommendationEditForm
from ..models import Assessment, Change, ImportJob, Institution, Recommendation
from ._common import _form_page, _partner_organisation, _recommendation, _trackable_institutions

PAGE_SIZE = 25


EXPORT_HEADER = [
    "external_id",
    "country",
    "mechanism",
    "symbol",
    "upr_cycle",
    "paragraph",
    "type",
    "upr_position",
    "recommending_states",
    "text",
    "themes",
    "groups",
    "sdg_targets",
    "implementation_status",
    "published",
]


def _filtered(request):
    institutions = policy.scope(request.user, Institution.objects.all(), Do.LIST)
    form = FilterForm(request.GET or None, institutions=institutions)
    params = {}
    if form.is_valid():
        for name in selectors.FILTERS:
            value = form.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if name == "sdg_goal":
                value = value.number
            elif name == "sdg_target":
                value = value.code
            elif hasattr(value, "pk"):
                value = value.pk
            params[name] = str(value)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    queryset = selectors.recommendation_list(user=request.user, params=params, q=q)
    return form, queryset


@login_required
def index(request):
    form, queryset = _filtered(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "recommendations/index.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_import": policy.can(request.user, Do.CREATE, ImportJob),
            "can_see_staff_pages": policy.can(request.user, Do.LIST, Institution),
        },
    )


@login_required
def export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, queryset = _filtered(request)
    status_labels = dict(Assessment.Status.choices)
    rows = (
        [
            r.external_id,
            r.country,
            r.mechanism.code,
            r.document.symbol if r.document_id else "",
            r.document.upr_cycle if r.document_id else "",
            r.paragraph,
            str(r.get_type_display()),
            r.upr_position,
            "; ".join(r.recommending_states or []),
            r.text,
            "; ".join(t.name for t in r.themes.all()),
            "; ".join(g.name for g in r.groups.all()),
            "; ".join(t.code for t in r.sdg_targets.all()),
            str(status_labels.get(r.current_status, "")),
            "yes" if r.published else "no",
        ]
        for r in queryset
    )
    response = tabular_response(
        header=EXPORT_HEADER, rows=list(rows), fmt=fmt, filename="recommendations"
    )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        request=request,
        summary=f"Recommendations ({fmt}): {request.GET.urlencode()[:300]}",
        data={"format": fmt, "filters": request.GET.urlencode()[:500]},
    )
    return response


@login_required
def detail(request, pk: int):
    recommendation = policy.get_object_or_404(
        request.user, selectors.recommendation_detail_queryset(), pk=pk
    )
    user = request.user
    # Every related list passes through the policy: a partner sees neither staff-only
    # indicators nor unpublished clusters on a published recommendation's page.
    assessments = list(policy.scope(user, recommendation.assessments.all(), Do.VIEW))
    actions = list(
        policy.scope(user, recommendation.actions.select_related("institution"), Do.VIEW).order_by(
            "target_date", "pk"
        )
    )
    clusters = list(policy.scope(user, recommendation.clusters.all(), Do.VIEW))
    indicators = list(
        policy.scope(user, recommendation.indicators.select_related("institution"), Do.VIEW)
    )
    can_history = policy.can(request.user, Do.VIEW, Change)
    return render(
        request,
        "recommendations/detail.html",
        {
            "r": recommendation,
            "official": [a for a in assessments if a.kind == Assessment.Kind.OFFICIAL],
            "shadow": [a for a in assessments if a.kind == Assessment.Kind.SHADOW],
            "actions": actions,
            "clusters": clusters,
            "indicators": indicators,
            "history": recommendation.changes.select_related("actor")[:100]
            if can_history
            else None,
            "can_edit": policy.can(request.user, Do.CHANGE, recommendation),
            "can_track": _trackable_institutions(request.user, recommendation.country).exists(),
            "can_shadow": _partner_organisation(request.user, recommendation.country) is not None,
            "editable_assessments": {
                a.pk for a in assessments if policy.can(request.user, Do.CHANGE, a)
            },
            "editable_actions": {a.pk for a in actions if policy.can(request.user, Do.CHANGE, a)},
        },
    )


@login_required
def edit(request, pk: int):
    recommendation = _recommendation(request, pk, Do.CHANGE)
    form = RecommendationEditForm(request.POST or None, instance=recommendation)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("upr_position", "published")}
        m2m = {k: form.cleaned_data[k] for k in services.RECOMMENDATION_M2M}
        services.recommendation_update(
            recommendation=Recommendation.objects.get(pk=pk),
            actor=request.user,
            data=data,
            m2m=m2m,
        )
        messages.success(request, _("The recommendation was saved."))
        return redirect(recommendation)
    return _form_page(
        request,
        title=_("Classify and publish %(r)s")
        % {"r": f"{recommendation.mechanism} {recommendation.paragraph}"},
        form=form,
        back=recommendation.get_absolute_url(),
        intro=recommendation.text[:600],
    )


@login_required
@require_POST
def publish(request, pk: int):
    recommendation = _recommendation(request, pk, Do.CHANGE)
    services.recommendation_publish(
        recommendation=recommendation,
        actor=request.user,
        published=request.POST.get("published") == "1",
    )
    messages.success(
        request,
        _("Published on the public page.") if recommendation.published else _("Unpublished."),
    )
    return redirect(recommendation)
