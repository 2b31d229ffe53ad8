from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action

from .forms import PopulationGroupForm
from .models import Factor, PopulationGroup, SDGGoal, SDGTarget
from .selectors import group_tree
from .services import group_merge, group_references, group_save


@login_required
def group_list(request):
    groups = policy.scope(request.user, PopulationGroup.objects.all(), Action.LIST)
    outline = [(g, d) for g, d in group_tree(groups.filter(components__isnull=True))]
    intersections = (
        groups.filter(components__isnull=False).distinct().prefetch_related("components")
    )
    return render(
        request,
        "taxonomy/group_list.html",
        {
            "outline": outline,
            "intersections": intersections,
            "review_count": groups.filter(needs_review=True).count(),
            "can_create": policy.can(request.user, Action.CREATE, PopulationGroup),
        },
    )


@login_required
def group_detail(request, slug: str):
    group = policy.get_object_or_404(
        request.user,
        PopulationGroup.objects.select_related("parent").prefetch_related(
            "synonyms", "components", "children", "intersections"
        ),
        slug=slug,
    )
    can_merge = policy.can(request.user, Action.DELETE, group)
    return render(
        request,
        "taxonomy/group_detail.html",
        {
            "group": group,
            "can_change": policy.can(request.user, Action.CHANGE, group),
            "can_merge": can_merge,
            "references": group_references(group) if can_merge else {},
            "merge_targets": PopulationGroup.objects.exclude(pk=group.pk).only("slug", "name")
            if can_merge
            else [],
        },
    )


def _group_form(request, group: PopulationGroup | None):
    form = PopulationGroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        actor = policy.actor_for(request.user)
        proposed = not (actor.is_superuser or actor.is_vocabulary_steward)
        saved, taken = group_save(form=form, user=request.user, proposed=proposed)
        if proposed:
            messages.info(
                request,
                _("The group was proposed; a vocabulary steward will review it."),
            )
        if taken:
            messages.warning(
                request,
                _("These labels already name another group and were not added: %(labels)s")
                % {"labels": ", ".join(taken)},
            )
        messages.success(request, _("The group was saved."))
        return redirect(saved.get_absolute_url())
    return render(request, "taxonomy/group_form.html", {"form": form, "group": group})


@login_required
def group_create(request):
    policy.require(request.user, Action.CREATE, PopulationGroup)
    return _group_form(request, None)


@login_required
def group_edit(request, slug: str):
    group = policy.get_object_or_404(request.user, PopulationGroup, Action.CHANGE, slug=slug)
    return _group_form(request, group)


@login_required
@require_POST
def group_merge_view(request, slug: str):
    """Vocabulary stewards merge a group into another instead of deleting it: everything
    that named it names the other group, and its names become synonyms."""
    source = policy.get_object_or_404(request.user, PopulationGroup, Action.DELETE, slug=slug)
    target = policy.get_object_or_404(
        request.user, PopulationGroup, Action.CHANGE, slug=request.POST.get("into", "")
    )
    if target.pk == source.pk:
        messages.error(request, _("A group cannot be merged into itself."))
        return redirect(source.get_absolute_url())
    group_merge(source=source, target=target, user=request.user)
    messages.success(request, _("%(source)s was merged into this group.") % {"source": source.name})
    return redirect(target.get_absolute_url())


@login_required
def sdg_list(request):
    goals = policy.scope(request.user, SDGGoal.objects.all(), Action.LIST).prefetch_related(
        Prefetch("targets", queryset=SDGTarget.objects.order_by("order"))
    )
    return render(request, "taxonomy/sdg_list.html", {"goals": goals})


@login_required
def sdg_goal_detail(request, number: int):
    goal = policy.get_object_or_404(
        request.user,
        SDGGoal.objects.prefetch_related(
            Prefetch("targets", queryset=SDGTarget.objects.prefetch_related("indicators"))
        ),
        number=number,
    )
    return render(request, "taxonomy/sdg_goal_detail.html", {"goal": goal})


@login_required
def factor_list(request):
    factors = policy.scope(request.user, Factor.objects.all(), Action.LIST)
    return render(request, "taxonomy/factor_list.html", {"factors": factors})
