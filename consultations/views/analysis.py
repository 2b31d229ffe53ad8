"""A campaign's analysis page: filters, counts and charts, with small counts suppressed."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Role
from accounts.policy import Action, actor_for

from ..models import Campaign, Narrative, Signifier
from ._common import _analysis_filters


@login_required
def campaign_analysis(request, pk: int):
    """Counts, ternary plots and histograms (group vs everyone else), and the stories behind
    a region of a plot. Approved stories only; counts below ``SMALL_COUNT_MIN`` suppressed."""
    from urllib.parse import urlencode

    from common.suppression import min_count
    from taxonomy.models import PopulationGroup
    from taxonomy.templatetags.groups import group_name

    from ..plots import histogram_svg, ternary_svg
    from ..selectors import campaign_counts, signifier_values
    from ..signifiers import TRIAD_ZONES, dyad_histogram

    language = (get_language() or "en").split("-")[0]
    campaign = policy.get_object_or_404(request.user, Campaign, Action.VIEW, pk=pk)
    base, selected, group, chosen, zone, bin_index = _analysis_filters(
        request, campaign, request.user
    )
    in_group = base.filter(groups=group) if group else base
    others = base.exclude(groups=group) if group else None
    # Everything a chart writes is in the reader's language: the question, its corners or
    # poles (the instrument's wording in that language, else English), the group's name (the
    # vocabulary's label, as the ``group_name`` filter shows it) and the chart's own words.
    group_label = group_name(group) if group else ""

    def link(**extra):
        params = {
            k: v
            for k, v in {
                "group": group.slug if group else "",
                "q": request.GET.get("q", ""),
                **extra,
            }.items()
            if v != ""
        }
        return "?" + urlencode(params) + "#stories"

    plots = []
    for s in (
        Signifier.objects.filter(instrument__campaign=campaign)
        .select_related("instrument")
        .prefetch_related("versions")
    ):
        labels = s.label_texts(language)
        title = s.question_text(language) or s.key
        pooled = s.combinable_versions()
        if s.kind == "triad":
            svg = ternary_svg(
                [tuple(v) for v in signifier_values(others if group else base, s.key, pooled)],
                labels=tuple(labels),
                title=title,
                zone_links={z: link(sig=s.key, zone=z) for z in TRIAD_ZONES},
                highlight=[tuple(v) for v in signifier_values(in_group, s.key, pooled)]
                if group
                else (),
                main_label=_("Everyone else") if group else "",
                highlight_label=group_label,
            )
        elif s.kind == "dyad":
            main = dyad_histogram(signifier_values(in_group, s.key, pooled))
            svg = histogram_svg(
                main,
                left_label=labels[0],
                right_label=labels[1],
                title=title,
                bin_links=[link(sig=s.key, bin=str(i)) for i in range(len(main))],
                compare=dyad_histogram(signifier_values(others, s.key, pooled)) if group else None,
                compare_label=_("Everyone else"),
                main_label=group_label,
            )
        else:
            continue
        plots.append({"signifier": s, "svg": svg, "versions": pooled if s.version > 1 else []})

    count = selected.count()
    actor = actor_for(request.user)
    hide_stories = count < min_count() and not actor.is_rco_staff
    page = Paginator(selected.select_related("organisation").order_by("-created_at"), 20).get_page(
        request.GET.get("page")
    )
    counts = campaign_counts(base)
    # The group table: each group's name in the reader's language (the vocabulary's labels).
    by_name = {
        g.name: group_name(g) for g in PopulationGroup.objects.filter(name__in=counts["group"])
    }
    counts["group"] = {by_name.get(name, name): n for name, n in counts["group"].items()}

    return render(
        request,
        "consultations/campaign_analysis.html",
        {
            "campaign": campaign,
            "counts": counts,
            "plots": plots,
            "group": group,
            "signifier": chosen,
            "zone": zone,
            "bin": bin_index,
            "groups": PopulationGroup.objects.filter(narratives__in=base)
            .distinct()
            .order_by("name"),
            "selected_count": count,  # shown through the small_count filter
            "hide_stories": hide_stories,
            "page": page,
            "q": request.GET.get("q", ""),
            "can_export": policy.can(request.user, Action.EXPORT, Narrative),
            "can_export_working": campaign.country in actor.countries_with_role(Role.RCO_STAFF),
            "export_filters": [
                (k, v) for k, v in request.GET.items() if k in ("group", "sig", "zone", "bin", "q")
            ],
            "export_query": request.GET.urlencode(),
        },
    )
