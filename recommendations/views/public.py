"""Public pages (no sign-in; only what RCO staff published): a recommendation and a cluster."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render

from ..models import Assessment, Cluster, Recommendation


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
