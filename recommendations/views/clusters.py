"""Clusters of recommendations: the list, creating and editing one, its page, and suggested
clusters to confirm."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action as Do

from .. import selectors, services
from ..forms import ClusterForm
from ..models import Assessment, Cluster, Recommendation
from ._common import _form_page, _partner_organisation, _rco_countries, _trackable_institutions


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
