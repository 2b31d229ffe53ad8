"""The recommendations tracker in the browser (every page works without JavaScript)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import AuditEvent, Organisation
from accounts.policy import Action as Do
from accounts.policy import actor_for
from accounts.services import audit_record
from lnob_portal.exports import tabular_response

from . import charts, selectors, services
from .forms import (
    ActionForm,
    AssessmentForm,
    ClusterForm,
    FilterForm,
    ImportForm,
    IndicatorForm,
    IndicatorReportForm,
    InstitutionForm,
    RecommendationEditForm,
    ThemeSynonymForm,
)
from .models import (
    Action,
    Assessment,
    Change,
    Cluster,
    ImportJob,
    Institution,
    Recommendation,
    Theme,
    ThemeSynonym,
    TrackingIndicator,
)
from .template import COLUMNS, EXAMPLE_ROW, HEADERS, RecommendationTemplateResource

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


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _trackable_institutions(user, country: str):
    return selectors.trackable_institutions(user=user, country=country)


def _partner_organisation(user, country: str) -> Organisation | None:
    return selectors.partner_organisation(user=user, country=country)


def _recommendation(request, pk: int, action=Do.VIEW) -> Recommendation:
    return policy.get_object_or_404(
        request.user, Recommendation.objects.select_related("mechanism", "document"), action, pk=pk
    )


def _subject(request, kind: str, pk: int):
    if kind not in ("recommendation", "cluster"):
        raise Http404
    if kind == "cluster":
        return policy.get_object_or_404(request.user, Cluster, pk=pk)
    return _recommendation(request, pk)


def _form_page(request, *, title: str, form, back: str, intro: str = "", status: int = 200):
    return render(
        request,
        "recommendations/form.html",
        {"title": title, "form": form, "back": back, "intro": intro},
        status=status,
    )


def _rco_countries(request) -> set[str]:
    actor = actor_for(request.user)
    return set(actor.rco_countries)


# ---------------------------------------------------------------------------
# list, search, export, detail
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# tracking: actions, assessments, indicators
# ---------------------------------------------------------------------------


@login_required
def action_create(request, kind: str, pk: int):
    subject = _subject(request, kind, pk)
    institutions = _trackable_institutions(request.user, subject.country)
    if not institutions.exists():
        raise PermissionDenied
    form = ActionForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        services.action_save(actor=request.user, data=form.cleaned_data, **{kind: subject})
        messages.success(request, _("The action was added."))
        return redirect(subject)
    return _form_page(request, title=_("Add an action"), form=form, back=subject.get_absolute_url())


@login_required
def action_edit(request, pk: int):
    action = policy.get_object_or_404(
        request.user, Action.objects.select_related("institution"), Do.CHANGE, pk=pk
    )
    subject = action.recommendation or action.cluster
    institutions = _trackable_institutions(request.user, action.country)
    form = ActionForm(request.POST or None, instance=action, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        services.action_save(
            actor=request.user, action=Action.objects.get(pk=pk), data=form.cleaned_data
        )
        messages.success(request, _("The action was updated."))
        return redirect(subject)
    return _form_page(
        request, title=_("Update the action"), form=form, back=subject.get_absolute_url()
    )


@login_required
def assessment_create(request, kind: str, pk: int):
    """Official assessments (RCO staff; UNCT members for their assigned institutions) and a
    CSO partner's shadow assessment, attributed to the partner's organisation."""
    subject = _subject(request, kind, pk)
    institutions = _trackable_institutions(request.user, subject.country)
    actor = actor_for(request.user)
    organisation = None
    if actor.is_superuser or subject.country in actor.rco_countries:
        assessment_kind, choices = Assessment.Kind.OFFICIAL, institutions
    elif institutions.exists():
        assessment_kind, choices = Assessment.Kind.OFFICIAL, institutions
    else:
        organisation = _partner_organisation(request.user, subject.country)
        if organisation is None:
            raise PermissionDenied
        assessment_kind, choices = Assessment.Kind.SHADOW, None
    form = AssessmentForm(request.POST or None, request.FILES or None, institutions=choices)
    if choices is not None and not (actor.is_superuser or subject.country in actor.rco_countries):
        form.fields["institution"].required = True
    if request.method == "POST" and form.is_valid():
        services.assessment_submit(
            actor=request.user,
            data=form.cleaned_data,
            kind=assessment_kind,
            organisation=organisation,
            **{kind: subject},
        )
        messages.success(request, _("The assessment was recorded."))
        return redirect(subject)
    title = (
        _("Shadow assessment by %(org)s") % {"org": organisation}
        if organisation
        else _("Official implementation assessment")
    )
    return _form_page(request, title=title, form=form, back=subject.get_absolute_url())


@login_required
def assessment_edit(request, pk: int):
    assessment = policy.get_object_or_404(
        request.user, Assessment.objects.select_related("organisation"), Do.CHANGE, pk=pk
    )
    subject = assessment.recommendation or assessment.cluster
    choices = (
        None
        if assessment.kind == Assessment.Kind.SHADOW
        else _trackable_institutions(request.user, assessment.country)
    )
    form = AssessmentForm(
        request.POST or None, request.FILES or None, instance=assessment, institutions=choices
    )
    if request.method == "POST" and form.is_valid():
        services.assessment_update(
            actor=request.user,
            assessment=Assessment.objects.get(pk=pk),
            data=form.cleaned_data,
        )
        messages.success(request, _("The assessment was updated."))
        return redirect(subject)
    return _form_page(
        request, title=_("Update the assessment"), form=form, back=subject.get_absolute_url()
    )


@login_required
def indicator_list(request):
    policy.require(request.user, Do.LIST, TrackingIndicator)
    indicators = policy.scope(request.user, TrackingIndicator.objects.all(), Do.LIST)
    return render(
        request,
        "recommendations/indicators.html",
        {
            "overdue": selectors.overdue_indicators(user=request.user),
            "indicators": indicators.select_related(
                "recommendation__mechanism", "cluster", "institution"
            ),
            "report_form": IndicatorReportForm(),
            "can_report": bool(actor_for(request.user).rco_countries),
        },
    )


@login_required
def indicator_create(request, kind: str, pk: int):
    subject = _subject(request, kind, pk)
    if subject.country not in _rco_countries(request) and not request.user.is_superuser:
        raise PermissionDenied
    form = IndicatorForm(request.POST or None, country=subject.country)
    if request.method == "POST" and form.is_valid():
        services.indicator_save(
            actor=request.user,
            country=subject.country,
            data={**form.cleaned_data, kind: subject},
        )
        messages.success(request, _("The indicator was added."))
        return redirect(subject)
    return _form_page(
        request, title=_("Add an indicator"), form=form, back=subject.get_absolute_url()
    )


@login_required
@require_POST
def indicator_report(request, pk: int):
    indicator = policy.get_object_or_404(request.user, TrackingIndicator, Do.CHANGE, pk=pk)
    form = IndicatorReportForm(request.POST)
    if form.is_valid():
        services.indicator_report(
            actor=request.user,
            indicator=indicator,
            value=form.cleaned_data["value"],
            reported_on=form.cleaned_data["reported_on"],
        )
        messages.success(
            request, _("The report was recorded; next due %(d)s.") % {"d": indicator.next_due}
        )
    else:
        messages.error(request, _("Give the value reported."))
    return redirect("recommendations:indicator_list")


# ---------------------------------------------------------------------------
# dashboard
# ---------------------------------------------------------------------------


@login_required
def dashboard(request):
    data = selectors.dashboard(user=request.user)
    status_labels = dict(Assessment.Status.choices)
    timeline_rows = [
        (str(year), [counts.get(s, 0) for s in Assessment.Status.values])
        for year, counts in sorted(data["timeline"].items())
    ]
    return render(
        request,
        "recommendations/dashboard.html",
        {
            "data": data,
            "group_chart": charts.bar_chart(
                data["per_group"], title=_("Recommendations per population group")
            ),
            "goal_chart": charts.bar_chart(
                data["per_goal"], title=_("Recommendations per SDG goal")
            ),
            "mechanism_chart": charts.bar_chart(
                data["per_mechanism"], title=_("Recommendations per mechanism")
            ),
            "position_chart": charts.bar_chart(
                sorted(data["positions"].items()), title=_("UPR recommendations by position")
            ),
            "status_labels": [status_labels[s] for s in Assessment.Status.values],
            "timeline_rows": timeline_rows,
            "timeline_chart": charts.stacked_bar_chart(
                timeline_rows,
                [status_labels[s] for s in Assessment.Status.values],
                title=_("Implementation status over time (latest official assessment)"),
            ),
        },
    )


# ---------------------------------------------------------------------------
# imports
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# themes (vocabulary with synonyms and review)
# ---------------------------------------------------------------------------


@login_required
def theme_list(request):
    policy.require(request.user, Do.LIST, Theme)
    themes = (
        policy.scope(request.user, Theme.objects.all(), Do.LIST)
        .prefetch_related("synonyms")
        .annotate(n=Count("recommendations"))
        .order_by("-needs_review", "name")
    )
    return render(
        request,
        "recommendations/themes.html",
        {
            "themes": themes,
            "can_curate": policy.can(request.user, Do.CHANGE, Theme),
            "form": ThemeSynonymForm(),
        },
    )


@login_required
@require_POST
def theme_edit(request, pk: int):
    theme = policy.get_object_or_404(request.user, Theme, Do.CHANGE, pk=pk)
    form = ThemeSynonymForm(request.POST)
    if form.is_valid():
        label = form.cleaned_data["label"].strip()
        if label:
            from taxonomy.models import normalise_label

            if ThemeSynonym.objects.filter(normalised=normalise_label(label)).exists():
                messages.error(request, _("“%(l)s” already names a theme.") % {"l": label})
            else:
                ThemeSynonym.objects.create(theme=theme, label=label)
        if form.cleaned_data["reviewed"] and theme.needs_review:
            theme.needs_review = False
            theme.save(update_fields=["needs_review"])
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=request.user,
            target=theme,
            request=request,
            summary=f"Theme {theme.name}: synonym “{label}”, "
            f"reviewed={form.cleaned_data['reviewed']}",
        )
    return redirect(reverse("recommendations:theme_list") + f"#theme-{theme.pk}")


# ---------------------------------------------------------------------------
# clusters
# ---------------------------------------------------------------------------


@login_required
def cluster_list(request):
    return render(
        request,
        "recommendations/clusters.html",
        {
            "clusters": selectors.visible_clusters(user=request.user),
            "can_create": policy.can(request.user, Do.CREATE, Cluster),
        },
    )


def _members_field(form, country: str, user):
    from django import forms as django_forms

    form.fields["members"] = django_forms.ModelMultipleChoiceField(
        policy.scope(user, Recommendation.objects.filter(country=country), Do.CHANGE)
        .select_related("mechanism")
        .order_by("mechanism__code", "paragraph"),
        required=False,
        widget=django_forms.CheckboxSelectMultiple,
        label=_("Recommendations in the cluster"),
    )
    form.fields["members"].label_from_instance = lambda r: (
        f"{r.mechanism.code} {r.paragraph} — {r.text[:140]}"
    )


@login_required
def cluster_create(request):
    policy.require(request.user, Do.CREATE, Cluster)
    countries = sorted(_rco_countries(request))
    if not countries:
        raise PermissionDenied
    country = request.POST.get("country") or request.GET.get("country") or countries[0]
    if country not in countries:
        raise PermissionDenied
    form = ClusterForm(request.POST or None, country=country)
    _members_field(form, country, request.user)
    if request.method == "POST" and form.is_valid():
        cluster = services.cluster_save(
            actor=request.user,
            country=country,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            recommendations=list(form.cleaned_data["members"]),
            institutions=list(form.cleaned_data["institutions"]),
            published=form.cleaned_data["published"],
        )
        return redirect(cluster)
    return _form_page(
        request, title=_("New cluster"), form=form, back=reverse("recommendations:cluster_list")
    )


@login_required
def cluster_edit(request, pk: int):
    cluster = policy.get_object_or_404(request.user, Cluster, Do.CHANGE, pk=pk)
    form = ClusterForm(
        request.POST or None,
        instance=cluster,
        country=cluster.country,
        initial={"members": list(cluster.recommendations.all())},
    )
    _members_field(form, cluster.country, request.user)
    if request.method == "POST" and form.is_valid():
        services.cluster_save(
            actor=request.user,
            cluster=Cluster.objects.get(pk=pk),
            country=cluster.country,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            recommendations=list(form.cleaned_data["members"]),
            institutions=list(form.cleaned_data["institutions"]),
            published=form.cleaned_data["published"],
        )
        return redirect(cluster)
    return _form_page(
        request, title=_("Edit the cluster"), form=form, back=cluster.get_absolute_url()
    )


@login_required
def cluster_detail(request, pk: int):
    cluster = policy.get_object_or_404(request.user, Cluster, pk=pk)
    members = policy.scope(
        request.user, cluster.recommendations.select_related("mechanism", "document"), Do.VIEW
    ).annotate(current_status=selectors.latest_official_status())
    assessments = list(cluster.assessments.select_related("author", "organisation", "institution"))
    return render(
        request,
        "recommendations/cluster_detail.html",
        {
            "cluster": cluster,
            "members": members,
            "official": [a for a in assessments if a.kind == Assessment.Kind.OFFICIAL],
            "shadow": [a for a in assessments if a.kind == Assessment.Kind.SHADOW],
            "actions": cluster.actions.select_related("institution"),
            "can_edit": policy.can(request.user, Do.CHANGE, cluster),
            "can_track": _trackable_institutions(request.user, cluster.country).exists(),
            "can_shadow": _partner_organisation(request.user, cluster.country) is not None,
            "editable_actions": {
                a.pk for a in cluster.actions.all() if policy.can(request.user, Do.CHANGE, a)
            },
        },
    )


@login_required
def cluster_suggestions(request):
    policy.require(request.user, Do.CREATE, Cluster)
    countries = sorted(_rco_countries(request))
    country = request.GET.get("country") or (countries[0] if countries else "")
    if country not in countries and not request.user.is_superuser:
        raise PermissionDenied
    try:
        threshold = min(max(float(request.GET.get("threshold", 0.4)), 0.1), 0.95)
    except ValueError:
        threshold = 0.4
    clustered = Cluster.objects.filter(country=country).values("recommendations")
    candidates = list(
        Recommendation.objects.filter(country=country)
        .exclude(pk__in=clustered)
        .select_related("mechanism", "document")
        .only("pk", "text", "paragraph", "mechanism__code", "document__upr_cycle")
    )
    suggestions = services.cluster_suggestions(recommendations=candidates, threshold=threshold)
    by_pk = {r.pk: r for r in candidates}
    return render(
        request,
        "recommendations/cluster_suggestions.html",
        {
            "country": country,
            "threshold": threshold,
            "suggestions": [(s, [by_pk[pk] for pk in s.recommendation_ids]) for s in suggestions],
        },
    )


@login_required
@require_POST
def cluster_confirm(request):
    """A person confirms a suggested cluster (possibly unticking some members)."""
    policy.require(request.user, Do.CREATE, Cluster)
    country = request.POST.get("country") or min(_rco_countries(request), default="")
    if country not in _rco_countries(request) and not request.user.is_superuser:
        raise PermissionDenied
    members = list(
        policy.scope(request.user, Recommendation.objects.all(), Do.CHANGE).filter(
            country=country, pk__in=[v for v in request.POST.getlist("members") if v.isdigit()]
        )
    )
    title = request.POST.get("title", "").strip()[:300]
    if len(members) < 2 or not title:
        messages.error(request, _("Give the cluster a title and keep at least two members."))
        return redirect(reverse("recommendations:cluster_suggestions") + f"?country={country}")
    cluster = services.cluster_save(
        actor=request.user, country=country, title=title, recommendations=members
    )
    messages.success(request, _("The cluster was created."))
    return redirect(cluster)


# ---------------------------------------------------------------------------
# institutions
# ---------------------------------------------------------------------------


@login_required
def institution_list(request):
    policy.require(request.user, Do.LIST, Institution)
    institutions = (
        policy.scope(request.user, Institution.objects.all(), Do.LIST)
        .prefetch_related("organisations")
        .annotate(
            n_recommendations=Count("recommendations", distinct=True),
            n_open=Count(
                "actions",
                filter=Q(actions__status__in=[Action.Status.PLANNED, Action.Status.IN_PROGRESS]),
                distinct=True,
            ),
        )
    )
    return render(
        request,
        "recommendations/institutions.html",
        {"institutions": institutions, "can_create": bool(_rco_countries(request))},
    )


@login_required
def institution_create(request):
    policy.require(request.user, Do.CREATE, Institution)
    countries = sorted(_rco_countries(request))
    if not countries:
        raise PermissionDenied
    country = countries[0]
    form = InstitutionForm(request.POST or None, country=country)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "organisations"}
        institution = services.institution_save(
            actor=request.user,
            country=country,
            data=data,
            organisations=list(form.cleaned_data["organisations"]),
        )
        return redirect(institution)
    return _form_page(
        request,
        title=_("New institution"),
        form=form,
        back=reverse("recommendations:institution_list"),
    )


@login_required
def institution_edit(request, pk: int):
    institution = policy.get_object_or_404(request.user, Institution, Do.CHANGE, pk=pk)
    form = InstitutionForm(request.POST or None, instance=institution, country=institution.country)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "organisations"}
        services.institution_save(
            actor=request.user,
            country=institution.country,
            institution=Institution.objects.get(pk=pk),
            data=data,
            organisations=list(form.cleaned_data["organisations"]),
        )
        return redirect(institution)
    return _form_page(
        request, title=_("Edit the institution"), form=form, back=institution.get_absolute_url()
    )


@login_required
def institution_detail(request, pk: int):
    institution = policy.get_object_or_404(
        request.user,
        Institution.objects.prefetch_related("organisations"),
        pk=pk,
    )
    recommendations = (
        institution.recommendations.select_related("mechanism", "document")
        .annotate(current_status=selectors.latest_official_status())
        .order_by("mechanism__code", "paragraph")
    )
    return render(
        request,
        "recommendations/institution_detail.html",
        {
            "institution": institution,
            "recommendations": recommendations,
            "actions": institution.actions.select_related("recommendation__mechanism", "cluster"),
            "can_edit": policy.can(request.user, Do.CHANGE, institution),
        },
    )


# ---------------------------------------------------------------------------
# public pages (no sign-in; only what RCO staff published)
# ---------------------------------------------------------------------------


def public_recommendation(request, pk: int):
    recommendation = (
        Recommendation.objects.filter(published=True, pk=pk)
        .select_related("mechanism", "document")
        .prefetch_related("groups", "sdg_targets", "themes")
        .first()
    )
    if recommendation is None:
        raise Http404
    official = recommendation.assessments.filter(kind=Assessment.Kind.OFFICIAL).first()
    clusters = recommendation.clusters.filter(published=True)
    return render(
        request,
        "recommendations/public_recommendation.html",
        {"r": recommendation, "official": official, "clusters": clusters},
    )


def public_cluster(request, pk: int):
    cluster = (
        Cluster.objects.filter(published=True, pk=pk)
        .prefetch_related(
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.filter(published=True).select_related(
                    "mechanism", "document"
                ),
            )
        )
        .first()
    )
    if cluster is None:
        raise Http404
    official = cluster.assessments.filter(kind=Assessment.Kind.OFFICIAL).first()
    return render(
        request,
        "recommendations/public_cluster.html",
        {"cluster": cluster, "official": official},
    )
