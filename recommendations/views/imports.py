"""Bulk imports: the list, the template, an import's page, confirming, retrying and undoing
one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action as Do
from lnob_portal.exports import tabular_response

from .. import services
from ..forms import ImportForm
from ..models import ImportJob, Recommendation
from ..template import COLUMNS, EXAMPLE_ROW, HEADERS, RecommendationTemplateResource
from ._common import _rco_countries


@login_required
def import_list(request):
    policy.require(request.user, Do.CREATE, ImportJob)
    countries = _rco_countries(request) or {"—"}
    form = ImportForm(request.POST or None, request.FILES or None, countries=countries)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_upload(
                uploaded=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                country=form.cleaned_data["country"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect(job)
    jobs = policy.scope(
        request.user, ImportJob.objects.select_related("created_by", "undone_by"), Do.LIST
    )[:30]
    return render(
        request,
        "recommendations/imports.html",
        {"form": form, "jobs": jobs, "columns": COLUMNS},
        status=400 if form.errors else 200,
    )


@login_required
def import_detail(request, pk: int):
    job = policy.get_object_or_404(request.user, ImportJob, pk=pk)
    template = (
        "recommendations/_import_status.html"
        if request.headers.get("HX-Request")
        else "recommendations/import_detail.html"
    )
    can_change = policy.can(request.user, Do.CHANGE, job)
    can_retry = job.status == ImportJob.Status.FAILED and bool(job.file) and can_change
    can_undo = job.status == ImportJob.Status.SUCCEEDED and can_change
    return render(request, template, {"job": job, "can_retry": can_retry, "can_undo": can_undo})


@login_required
@require_POST
def import_confirm(request, pk: int):
    job = policy.get_object_or_404(request.user, ImportJob, Do.CHANGE, pk=pk)
    try:
        services.import_confirm(job=job, user=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        job.refresh_from_db()
        if job.status == ImportJob.Status.SUCCEEDED:
            messages.success(request, _("The recommendations were imported."))
    return redirect(job)


@login_required
@require_POST
def import_retry(request, pk: int):
    job = policy.get_object_or_404(request.user, ImportJob, Do.CHANGE, pk=pk)
    try:
        services.import_retry(job=job, user=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(job)


@login_required
def import_undo(request, pk: int):
    """Undo a whole import: a confirmation page (what will be deleted and restored, or why it
    cannot be undone), then POST does it."""
    job = policy.get_object_or_404(request.user, ImportJob, Do.CHANGE, pk=pk)
    if request.method == "POST":
        try:
            result = services.import_undo(job=job, user=request.user, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("recommendations:import_undo", pk=job.pk)
        messages.success(
            request,
            _(
                "The import was undone: %(deleted)s recommendations deleted, %(restored)s put "
                "back as they were before it."
            )
            % result,
        )
        return redirect(job)
    reasons = services.import_undo_blockers(job)
    counts = {
        "deleted": job.records.filter(created=True).count(),
        "restored": job.records.filter(created=False).count(),
    }
    return render(
        request,
        "recommendations/import_undo.html",
        {"job": job, "reasons": reasons, "counts": counts, "days": services.import_undo_days()},
    )


@login_required
def import_template(request, fmt: str):
    policy.require(request.user, Do.CREATE, ImportJob)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    dataset = RecommendationTemplateResource().export(queryset=Recommendation.objects.none())
    rows = [[EXAMPLE_ROW.get(h, "") for h in HEADERS]]
    return tabular_response(
        header=dataset.headers or HEADERS, rows=rows, fmt=fmt, filename="recommendations-template"
    )
