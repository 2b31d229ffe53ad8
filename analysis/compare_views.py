"""Comparison pages: a country's D-index and furthest-behind gaps across indicators,
regions (bars, and a map when RCO staff uploaded the regions' GeoJSON) and survey rounds;
and the same indicator across the countries a viewer belongs to. Published runs only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import actor_for

from . import charts, comparisons, services
from .geo import bars_svg, choropleth_svg
from .models import RegionMap


def _d(value):
    return f"{value:.3f}"


def _points(value):
    return _("%(n)s points") % {"n": f"{100 * value:.1f}"}


def _bars(rows, label, attribute, title, fmt):
    return bars_svg(
        [(label(r), getattr(r, attribute)) for r in rows],
        title=title,
        fmt=fmt,
        no_data=_("No split"),
    )


@login_required
def compare_country(request):
    country = policy.chosen_country(request) or ""
    indicators = comparisons.indicators_of(country=country, viewer=request.user)
    slugs = [slug for slug, _name in indicators]
    slug = request.GET.get("indicator") if request.GET.get("indicator") in slugs else None
    slug = slug or (slugs[0] if slugs else "")
    name = dict(indicators).get(slug, "")
    by_indicator = comparisons.across_indicators(country=country, viewer=request.user)
    by_round = comparisons.across_rounds(country=country, slug=slug, viewer=request.user)
    region_round, by_region = comparisons.across_regions(
        country=country, slug=slug, viewer=request.user
    )
    region_map = RegionMap.objects.filter(country=country).first()
    context = {
        "country": country,
        "countries": policy.viewer_countries(request.user),
        "indicators": indicators,
        "slug": slug,
        "indicator_name": name,
        "by_indicator": by_indicator,
        "by_round": by_round,
        "by_region": by_region,
        "region_round": region_round,
        "region_map": region_map,
        "can_upload_map": actor_for(request.user).is_superuser
        or country in actor_for(request.user).rco_countries,
    }
    if by_indicator:
        context["indicator_d_svg"] = _bars(
            by_indicator,
            lambda r: f"{r.indicator} ({r.round})",
            "d_index",
            _("D-index by indicator (latest round)"),
            _d,
        )
        context["indicator_gap_svg"] = _bars(
            by_indicator,
            lambda r: f"{r.indicator} ({r.round})",
            "gap",
            _("Gap between furthest behind and furthest ahead, by indicator"),
            _points,
        )
    if by_region:
        title = _("%(name)s, %(round)s: D-index by region") % {
            "name": name,
            "round": region_round,
        }
        context["region_d_svg"] = _bars(by_region, lambda r: r.region, "d_index", title, _d)
        context["region_gap_svg"] = _bars(
            by_region,
            lambda r: r.region,
            "gap",
            _("%(name)s, %(round)s: furthest-behind gap by region")
            % {"name": name, "round": region_round},
            _points,
        )
        if region_map is not None:
            values = {r.region: r.d_index for r in by_region}
            context["map_svg"] = choropleth_svg(
                region_map.shapes,
                values,
                title=title,
                legend_label=_("D-index"),
                fmt=_d,
                no_data=_("No run"),
            )
            context["unmatched"] = sorted(set(values) - set(region_map.shapes))
    if by_round:
        context["round_d_svg"] = _bars(
            by_round,
            lambda r: r.round,
            "d_index",
            _("%(name)s: D-index by survey round") % {"name": name},
            _d,
        )
        if len(by_round) > 1:
            context["trend_svg"] = charts.trend_svg(
                charts.trend_series(
                    [(r.round, _result_of(r)) for r in by_round],
                    national=_("National mean"),
                    behind=_("Furthest behind"),
                ),
                title=_("%(name)s across survey rounds") % {"name": name},
                y_label=_("Rate"),
                percent=all(0 <= r.mean <= 1 for r in by_round),
            )
    return render(request, "analysis/compare_country.html", context)


def _result_of(row: comparisons.ComparedRun) -> dict:
    from .models import Run

    return Run.objects.only("result").get(pk=row.run).result or {}


@login_required
def compare_countries(request):
    choices = comparisons.all_indicator_choices(viewer=request.user)
    slugs = [slug for slug, _name in choices]
    slug = request.GET.get("indicator") if request.GET.get("indicator") in slugs else None
    slug = slug or (slugs[0] if slugs else "")
    rows = comparisons.across_countries(slug=slug, viewer=request.user) if slug else []
    context = {"choices": choices, "slug": slug, "rows": rows}
    if rows:
        name = dict(choices).get(slug, "")
        context["d_svg"] = _bars(
            rows,
            lambda r: f"{r.country} ({r.round})",
            "d_index",
            _("%(name)s: D-index by country (latest round)") % {"name": name},
            _d,
        )
        context["hoi_svg"] = _bars(
            rows,
            lambda r: f"{r.country} ({r.round})",
            "hoi",
            _("%(name)s: Human Opportunity Index by country") % {"name": name},
            _d,
        )
        context["gap_svg"] = _bars(
            rows,
            lambda r: f"{r.country} ({r.round})",
            "gap",
            _("%(name)s: furthest-behind gap by country") % {"name": name},
            _points,
        )
    return render(request, "analysis/compare_countries.html", context)


@login_required
@require_POST
def region_map_upload(request):
    country = policy.chosen_country(request) or ""
    actor = actor_for(request.user)
    if not (actor.is_superuser or country in actor.rco_countries):
        raise PermissionDenied
    uploaded = request.FILES.get("file")
    back = reverse("analysis:compare_country") + "?" + urlencode({"country": country})
    if uploaded is None:
        messages.error(request, _("Choose a GeoJSON file of the regions."))
        return redirect(back)
    if uploaded.size > services.REGION_MAP_MAX_BYTES:
        messages.error(request, _("The map is larger than 10 MB; simplify the boundaries first."))
        return redirect(back)
    try:
        services.region_map_upload(
            country=country,
            content=uploaded.read(),
            original_name=uploaded.name,
            name_property=request.POST.get("name_property", "") or "name",
            user=request.user,
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The map of the regions is saved."))
    return redirect(back + "#regions")
