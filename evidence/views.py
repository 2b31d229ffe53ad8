"""Group evidence pages: the three streams side by side, gaps, and the HRBA analyses."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import User
from accounts.policy import Action, actor_for
from consultations.models import Narrative, Quote
from recommendations.models import Recommendation
from taxonomy.models import PopulationGroup

from . import selectors, services
from .diagram import problem_tree_svg
from .forms import (
    CapacityGapForm,
    CauseForm,
    CommentForm,
    GroupActionForm,
    RoleForm,
    ValidationForm,
)
from .models import (
    Cause,
    Citation,
    Comment,
    DataGap,
    GroupAction,
    Revision,
    RoleEntry,
)

SORTS = {
    "name": lambda row: row["group"].name.lower(),
    "gap": lambda row: -(row["h"].get("max_gap") or 0),
    "behind": lambda row: -(row["h"].get("furthest_behind") or 0),
    "recommendations": lambda row: -(row["h"].get("recommendations") or 0),
    "voices": lambda row: -(row["h"].get("voices") or 0),
}


def _country(request) -> str:
    """The page's country: ``?country=`` among the viewer's countries, else their first."""
    return policy.chosen_country(request) or ""


def _can_write(user, country: str) -> bool:
    actor = actor_for(user)
    return actor.is_superuser or country in actor.writer_countries


@login_required
def index(request):
    """Who is furthest behind: a sortable table of groups (never one opaque score)."""
    country = _country(request)
    groups = list(policy.scope(request.user, PopulationGroup.objects.all(), Action.LIST))
    # Stored summaries only (one query), filtered to what this viewer may list; stale or
    # missing ones are refreshed in the background, never in this request.
    rows = [
        {
            "group": row.group,
            "h": row.headline,
            "gaps": row.gaps,
            "computed": row.computed,
            "refreshing": row.refreshing,
            "computed_at": row.computed_at,
        }
        for row in selectors.overview(groups=groups, country=country, user=request.user)
    ]
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "gap"
    rows.sort(key=SORTS[sort])
    return render(
        request,
        "evidence/index.html",
        {
            "rows": rows,
            "sort": sort,
            "country": country,
            "countries": policy.viewer_countries(request.user),
        },
    )


def _group(request, slug: str, action=Action.VIEW) -> PopulationGroup:
    return policy.get_object_or_404(
        request.user, PopulationGroup.objects.prefetch_related("components"), action, slug=slug
    )


def group_context(request, group: PopulationGroup) -> dict:
    """Everything the group page and the dossier show, in the viewer's chosen country (the
    evidence and analyses of other countries never appear); the query count is constant."""
    user = request.user
    country = _country(request)
    evidence = selectors.group_evidence(group=group, country=country, user=user)
    summary, data = evidence.summary, evidence.data
    recs = policy.scope(
        user,
        Recommendation.objects.filter(pk__in=data["recommendations"]["latest"]).select_related(
            "mechanism"
        ),
        Action.LIST,
    )
    sample = policy.scope(
        user, Narrative.objects.filter(pk__in=data["voice"]["sample"]), Action.LIST
    )
    quotes = policy.scope(
        user,
        Quote.objects.filter(pk__in=data["voice"]["quotes"]).select_related("focus_group"),
        Action.LIST,
    )
    causes = list(
        Cause.objects.filter(group=group, country=country).prefetch_related(
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related(
                    "run__indicator", "narrative", "quote__focus_group", "recommendation__mechanism"
                ),
            )
        )
    )
    for cause in causes:
        cause.readable_citations = [
            c
            for c in cause.citations.all()
            if (
                not c.narrative_id
                or (c.narrative.use_quotation and c.narrative.review_status == "approved")
            )
            and (not c.quote_id or c.quote.focus_group.use_quotation)
        ]
    level_labels = dict(Cause.Level.choices)
    tree = [
        {
            "id": c.pk,
            "parent": c.parent_id,
            "level": c.level,
            "level_label": str(level_labels[c.level]),
            "text": c.text,
        }
        for c in causes
    ]
    roles = list(
        RoleEntry.objects.filter(group=group, country=country)
        .select_related("institution")
        .prefetch_related("gaps", "recommendations")
    )
    actor = actor_for(user)
    from consultations.plots import histogram_svg

    voice_plots = [
        histogram_svg(
            s["group"],
            left_label=s["labels"][0],
            right_label=s["labels"][1],
            title=s["question"] or s["key"],
            compare=s["others"],
            compare_label=_("Everyone else"),
            main_label=group.name,
        )
        for s in data["voice"].get("signifiers", [])
        if s["kind"] == "dyad"
    ]
    actions = list(
        GroupAction.objects.filter(group=group, country=country).prefetch_related(
            "causes", "recommendations"
        )
    )
    elements = [("page", _("The page as a whole"))]
    elements += [(f"cause:{c.pk}", f"{c.get_level_display()}: {c.text[:60]}") for c in causes]
    elements += [(f"role:{r.pk}", f"{r.get_kind_display()}: {r.name}") for r in roles]
    elements += [(f"action:{a.pk}", f"{_('Action')}: {a.title[:60]}") for a in actions]
    return {
        "country": country,
        "countries": policy.viewer_countries(user),
        "voice_plots": voice_plots,
        "elements": elements,
        "group": group,
        "summary": summary,
        "refreshing": evidence.refreshing,
        "data": data,
        "recommendations": list(recs),
        "sample": list(sample),
        "quotes": list(quotes),
        "causes": causes,
        "outline": _outline(causes),
        "tree_svg": problem_tree_svg(tree, title=_("Problem tree: %(g)s") % {"g": group.name}),
        "roles": roles,
        "actions": actions,
        "data_gaps": list(
            DataGap.objects.filter(group=group, country=country).select_related(
                "assigned_to", "sdg_goal"
            )
        ),
        "comments": list(
            Comment.objects.filter(group=group, country=country).select_related("author")
        ),
        "revisions": list(
            Revision.objects.filter(group=group, country=country).select_related("author")[:15]
        ),
        "can_edit": policy.can(user, Action.CREATE, Cause) and _can_write(user, country),
        "is_partner_only": actor.is_cso_partner
        and not (actor.is_unct_member or actor.is_rco_staff),
    }


def _outline(causes) -> list[tuple[Cause, int]]:
    by_parent: dict = {}
    for cause in causes:
        by_parent.setdefault(cause.parent_id, []).append(cause)
    out = []

    def walk(parent, depth):
        for cause in by_parent.get(parent, []):
            out.append((cause, depth))
            walk(cause.pk, depth + 1)

    ids = {c.pk for c in causes}
    for root in [c for c in causes if c.parent_id not in ids]:
        out.append((root, 0))
        walk(root.pk, 1)
    return out


@login_required
def group_page(request, slug: str):
    group = _group(request, slug)
    context = group_context(request, group)
    country = context["country"]
    if context["can_edit"]:
        context.update(
            cause_form=CauseForm(group=group, country=country),
            role_form=RoleForm(country=country),
            gap_form=CapacityGapForm(group=group, country=country),
            action_form=GroupActionForm(group=group, country=country),
            comment_form=CommentForm(),
            validation_form=ValidationForm(),
            people=_people(country),
        )
    return render(request, "evidence/group_page.html", context)


def _people(country: str):
    """Who a data gap can be assigned to: RCO staff and UNCT members of the country."""
    return (
        User.objects.filter(
            memberships__role__in=["rco_staff", "unct_member"],
            memberships__organisation__country=country,
        )
        .distinct()
        .order_by("email")
    )


def _element_exists(group: PopulationGroup, country: str, element: str) -> bool:
    """A comment's target: the page, or one of the group's causes, roles or actions in the
    same country."""
    if element == "page":
        return True
    kind, _sep, pk = element.partition(":")
    model = {"cause": Cause, "role": RoleEntry, "action": GroupAction}.get(kind)
    return bool(
        model
        and pk.isdigit()
        and model.objects.filter(group=group, country=country, pk=pk).exists()
    )


def _citations(request, country: str) -> list[Citation]:
    """Citations from the posted ids, keeping only evidence the user may see, of the page's
    country (an analysis of one country never cites another country's evidence)."""
    from analysis.models import Run

    items = []
    for field, key, model, country_field in (
        ("run_id", "cite_run", Run, "dataset__country"),
        ("narrative_id", "cite_story", Narrative, "campaign__country"),
        ("quote_id", "cite_quote", Quote, "focus_group__campaign__country"),
        ("recommendation_id", "cite_rec", Recommendation, "country"),
    ):
        ids = [int(v) for v in request.POST.getlist(key) if v.isdigit()]
        if not ids:
            continue
        visible = policy.scope(
            request.user, model.objects.filter(pk__in=ids, **{country_field: country}), Action.VIEW
        )
        if model is Narrative:
            visible = visible.filter(review_status="approved")
        if model is Quote:
            visible = visible.filter(
                focus_group__review_status="approved", focus_group__use_quotation=True
            )
        items += [Citation(**{field: pk}) for pk in visible.values_list("pk", flat=True)]
    return items


@login_required
@require_POST
def group_edit(request, slug: str):
    """One endpoint for the page's forms (each works without JavaScript)."""
    group = _group(request, slug)
    country = _country(request)
    if not policy.can(request.user, Action.CREATE, Cause) or not _can_write(request.user, country):
        raise PermissionDenied
    kind = request.POST.get("form")
    user = request.user
    ok = True
    if kind == "cause":
        form = CauseForm(request.POST, group=group, country=country)
        ok = form.is_valid()
        if ok:
            cause = form.save(commit=False)
            cause.group, cause.created_by, cause.country = group, user, country
            services.analysis_save(obj=cause, group=group, user=user)
            for citation in _citations(request, country):
                citation.cause = cause
                citation.save()
    elif kind == "role":
        form = RoleForm(request.POST, country=country)
        ok = form.is_valid()
        if ok:
            role = form.save(commit=False)
            role.group, role.country = group, country
            services.analysis_save(
                obj=role,
                group=group,
                user=user,
                m2m={
                    "recommendations": Recommendation.objects.filter(
                        pk__in=[
                            c.recommendation_id
                            for c in _citations(request, country)
                            if c.recommendation_id
                        ]
                    )
                },
            )
    elif kind == "capacity_gap":
        form = CapacityGapForm(request.POST, group=group, country=country)
        ok = form.is_valid()
        if ok:
            gap = services.analysis_save(obj=form.save(commit=False), group=group, user=user)
            for citation in _citations(request, country):
                citation.capacity_gap = gap
                citation.save()
    elif kind == "action":
        form = GroupActionForm(request.POST, group=group, country=country)
        ok = form.is_valid()
        if ok:
            action = form.save(commit=False)
            action.group, action.country = group, country
            services.analysis_save(
                obj=action,
                group=group,
                user=user,
                m2m={
                    "causes": form.cleaned_data["causes"],
                    "capacity_gaps": form.cleaned_data["capacity_gaps"],
                    "recommendations": Recommendation.objects.filter(
                        pk__in=[
                            c.recommendation_id
                            for c in _citations(request, country)
                            if c.recommendation_id
                        ]
                    ),
                },
            )
    elif kind == "delete_cause":
        cause = Cause.objects.filter(
            group=group, country=country, pk=request.POST.get("pk")
        ).first()
        if cause:
            services.analysis_delete(obj=cause, group=group, user=user)
    elif kind == "comment":
        form = CommentForm(request.POST)
        ok = form.is_valid() and _element_exists(group, country, form.cleaned_data["element"])
        if ok:
            Comment.objects.create(
                group=group,
                country=country,
                author=user,
                text=form.cleaned_data["text"],
                element=form.cleaned_data["element"][:60],
            )
    elif kind == "assign_gap":
        assignee = _people(country).filter(pk=request.POST.get("assigned_to") or 0).first()
        goal = request.POST.get("goal") or None
        from taxonomy.models import SDGGoal

        gap = DataGap(
            group=group,
            country=country,
            stream=request.POST.get("stream", ""),
            sdg_goal=SDGGoal.objects.filter(number=goal).first() if goal else None,
            description=request.POST.get("description", "")[:300],
            assigned_to=assignee,
            note=request.POST.get("note", ""),
            created_by=user,
        )
        services.analysis_save(obj=gap, group=group, user=user)
    elif kind == "close_gap":
        gap = DataGap.objects.filter(
            group=group, country=country, pk=request.POST.get("pk")
        ).first()
        if gap:
            gap.is_open, gap.closed_at = False, timezone.now()
            services.analysis_save(obj=gap, group=group, user=user)
    elif kind == "validate":
        form = ValidationForm(request.POST)
        ok = form.is_valid()
        if ok:
            summary = services.summary_for(group, country)
            summary.validated_with_communities = True
            summary.validated_on = form.cleaned_data["validated_on"]
            summary.validated_how = form.cleaned_data["validated_how"]
            summary.save(
                update_fields=["validated_with_communities", "validated_on", "validated_how"]
            )
            Revision.objects.create(
                group=group,
                country=country,
                author=user,
                element="page",
                change="validated",
                after={"on": str(summary.validated_on), "how": summary.validated_how},
            )
    else:
        ok = False
    if ok:
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Not saved: check the form's required fields."))
    return redirect(
        reverse("evidence:group_page", args=[group.slug])
        + "?"
        + urlencode({"country": country})
        + f"#{kind or 'top'}"
    )


@login_required
def dossier(request, slug: str):
    group = _group(request, slug, Action.EXPORT)
    return render(request, "evidence/dossier.html", group_context(request, group))


@login_required
def dossier_docx(request, slug: str):
    from accounts.models import AuditEvent
    from accounts.services import audit_record

    from .dossier import dossier_document

    group = _group(request, slug, Action.EXPORT)
    context = group_context(request, group)
    content = dossier_document(context)
    audit_record(
        country=context["country"],
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=group,
        request=request,
        summary=f"group dossier (DOCX): {group.name}",
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="dossier-{group.slug}.docx"'
    return response


@login_required
def priorities(request):
    """Actions across groups, the furthest behind first."""
    actions = list(
        policy.scope(
            request.user, GroupAction.objects.select_related("group"), Action.LIST
        ).exclude(status="cancelled")
    )
    gaps = {}
    for action in actions:
        if (action.group_id, action.country) not in gaps:
            gaps[action.group_id, action.country] = selectors.max_gap(
                group=action.group, country=action.country
            )
    actions.sort(key=lambda a: (-gaps[a.group_id, a.country], a.ends_on or timezone.now().date()))
    return render(request, "evidence/priorities.html", {"actions": actions, "gaps": gaps})
