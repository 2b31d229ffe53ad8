"""Group evidence pages: the three streams side by side, gaps, and the HRBA analyses."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action, actor_for
from consultations.models import Narrative, Quote
from recommendations.models import Recommendation
from taxonomy.models import PopulationGroup
from taxonomy.templatetags.groups import group_name

from . import selectors, services
from .diagram import problem_tree_svg
from .forms import (
    CapacityGapForm,
    CauseForm,
    CitationForm,
    CitationSearchForm,
    CommentForm,
    DataGapForm,
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
    # Ranked by the recommendations about the group for certain (for an intersection: naming
    # it or every group it combines), not by those naming any one of its parts.
    "recommendations": lambda row: (
        -(row["h"].get("recommendations_strict") or 0),
        -(row["h"].get("recommendations") or 0),
    ),
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


def _analyses_present(group: PopulationGroup, country: str) -> set[str]:
    """Which of the page's analysis lists (causes, roles, actions, data gaps, comments,
    revisions) have rows for this group and country, in one query: most groups have none,
    and an empty list then costs no query of its own."""
    models = {
        "causes": Cause,
        "roles": RoleEntry,
        "actions": GroupAction,
        "data_gaps": DataGap,
        "comments": Comment,
        "revisions": Revision,
    }
    # Plain SQL: six EXISTS built by the ORM cost more to compile than to run.
    quote = connection.ops.quote_name
    tests = ", ".join(
        f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(model._meta.get_field('group').column)} = %s "
        f"AND {quote(model._meta.get_field('country').column)} = %s)"
        for model in models.values()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {tests}", [group.pk, country] * len(models))
        flags = cursor.fetchone()
    return {name for name, present in zip(models, flags, strict=True) if present}


def _signifiers_in_language(signifiers: list[dict]) -> list[dict]:
    """The stored signifiers with their question, labels and triad zone names in the page's
    language (the summary keeps every language's texts; English where one is missing)."""
    from consultations.selectors import triad_zone_names

    language = (get_language() or "en").split("-")[0]
    out = []
    for s in signifiers:
        texts = (s.get("texts") or {}).get(language) or {}
        labels = list(texts.get("labels") or s["labels"])
        shown = s | {"question": texts.get("question") or s["question"], "labels": labels}
        if s["kind"] == "triad" and len(labels) == 3:
            names = triad_zone_names((labels[0], labels[1], labels[2]))
            if len(names) == len(s["zones"]):
                shown["zones"] = [
                    [name, *row[1:]] for name, row in zip(names, s["zones"], strict=True)
                ]
        out.append(shown)
    return out


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
    present = _analyses_present(group, country)

    def rows(name: str, queryset) -> list:
        """The rows of a list that has some (the queryset is built only then)."""
        return list(queryset()) if name in present else []

    causes = rows(
        "causes",
        lambda: Cause.objects.filter(group=group, country=country).prefetch_related(
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related(
                    "run__indicator", "narrative", "quote__focus_group", "recommendation__mechanism"
                ),
            )
        ),
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
    roles = rows(
        "roles",
        lambda: (
            RoleEntry.objects.filter(group=group, country=country)
            .select_related("institution")
            .prefetch_related("gaps", "recommendations")
        ),
    )
    actor = actor_for(user)
    from consultations.plots import histogram_svg

    voice_signifiers = _signifiers_in_language(data["voice"].get("signifiers", []))
    voice_plots = [
        histogram_svg(
            s["group"],
            left_label=s["labels"][0],
            right_label=s["labels"][1],
            title=s["question"] or s["key"],
            compare=s["others"],
            compare_label=_("Everyone else"),
            main_label=group_name(group),
        )
        for s in voice_signifiers
        if s["kind"] == "dyad"
    ]
    actions = rows(
        "actions",
        lambda: GroupAction.objects.filter(group=group, country=country).prefetch_related(
            "causes", "recommendations"
        ),
    )
    from .intersections import stored_intersection_counts

    # Stored with the summary per bucket of readers and added up for this viewer (never
    # counted over the recommendations in the request).
    counts = stored_intersection_counts(group=group, recommendations=data["recommendations"])
    elements = [("page", _("The page as a whole"))]
    elements += [(f"cause:{c.pk}", f"{c.get_level_display()}: {c.text[:60]}") for c in causes]
    elements += [(f"role:{r.pk}", f"{r.get_kind_display()}: {r.name}") for r in roles]
    elements += [(f"action:{a.pk}", f"{_('Action')}: {a.title[:60]}") for a in actions]
    element_labels = dict(elements)
    comments = rows(
        "comments",
        lambda: Comment.objects.filter(group=group, country=country).select_related("author"),
    )
    for comment in comments:
        comment.element_label = element_labels.get(comment.element, "")
    return {
        "country": country,
        "countries": policy.viewer_countries(user),
        "voice_plots": voice_plots,
        "voice_signifiers": voice_signifiers,
        "intersection_counts": counts,
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
        "data_gaps": rows(
            "data_gaps",
            lambda: DataGap.objects.filter(group=group, country=country).select_related(
                "assigned_to", "sdg_goal"
            ),
        ),
        "comments": comments,
        "revisions": rows(
            "revisions",
            lambda: Revision.objects.filter(group=group, country=country).select_related("author")[
                :15
            ],
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
    return _page(request, _group(request, slug))


#: Survey rows shown before "show all": furthest behind first, then the largest gaps.
SURVEY_ROWS_SHOWN = 25


def _survey_rows(request, rows: list, matrix: list) -> dict:
    """The survey table's rows in reading order, the first SURVEY_ROWS_SHOWN unless the
    person asked for all (``?survey=all``); each row carries its run's address, so the table
    does not resolve a URL per row. The convergence matrix's rows link at most 5 runs each
    ("and 12 more")."""
    ordered = sorted(
        rows,
        key=lambda row: (not row.get("furthest_behind"), -(row.get("gap_to_ahead") or 0)),
    )
    show_all = request.GET.get("survey") == "all"
    shown = ordered if show_all else ordered[:SURVEY_ROWS_SHOWN]
    template = reverse("analysis:run_detail", args=[0])
    matrix_rows = [
        {
            **row,
            "run_urls": [template.replace("/0/", f"/{run}/") for run in row.get("runs", [])[:5]],
            "more_runs": max(0, len(row.get("runs", [])) - 5),
        }
        for row in matrix
    ]
    return {
        "matrix_rows": matrix_rows,
        "survey_rows": [
            {**row, "run_url": template.replace("/0/", f"/{row['run']}/")} for row in shown
        ],
        "survey_total": len(rows),
        "survey_all": show_all,
    }


#: The writers' forms of the group page (``?open=<name>``) and the context key of each. The
#: page shows a link in their place (cheap for everyone who only reads); a writer who
#: follows it gets the page with that form open (or, with htmx, the form swapped in).
EDIT_FORMS = {
    "cause": "cause_form",
    "role": "role_form",
    "capacity_gap": "gap_form",
    "action": "action_form",
    "comment": "comment_form",
    "validate": "validation_form",
    "assign": "data_gap_form",
}
#: The forms whose choices a search for evidence to cite fills (a search shows them all).
CITING_FORMS = {"cause", "role", "capacity_gap", "action"}


def _edit_forms(group, context: dict, wanted: set[str]) -> dict:
    """Unbound forms for the ``wanted`` sections of the page."""
    country = context["country"]
    builders = {
        "cause": lambda: CauseForm(group=group, country=country),
        "role": lambda: RoleForm(country=country),
        "capacity_gap": lambda: CapacityGapForm(group=group, country=country),
        "action": lambda: GroupActionForm(group=group, country=country),
        "comment": lambda: CommentForm(elements=context["elements"]),
        "validate": ValidationForm,
        "assign": lambda: None,  # one small form per data gap, written in the template
    }
    return {EDIT_FORMS[name]: builders[name]() for name in wanted}


def _page(request, group: PopulationGroup, bound: dict | None = None, status: int = 200):
    """The group page; ``bound``: forms of a rejected write, shown open with their errors.

    A writer's forms are rendered only when asked for (``?open=cause``…), after a search
    for evidence to cite (the forms that cite), or when a write was rejected."""
    context = group_context(request, group)
    saved = request.GET.get("saved")
    context["saved"] = saved if saved in SAVED_SECTIONS and not bound else None
    data = context["data"]
    context.update(_survey_rows(request, data.get("survey") or [], data.get("matrix") or []))
    country = context["country"]
    if context["can_edit"]:
        bound = bound or {}
        expanded = set(request.GET.getlist("open")) & set(EDIT_FORMS)
        expanded |= {name for name, key in EDIT_FORMS.items() if key in bound}
        shown = set(expanded)
        if "cite_q" in request.GET:
            shown |= CITING_FORMS
        context.update(_edit_forms(group, context, shown), citation_form=None)
        context.update(bound)
        context.update(
            shown={name: True for name in shown},
            expanded={name: True for name in expanded},
            people=services.assignable_people(country=country) if "assign" in shown else (),
            page_url=reverse("evidence:group_page", args=[group.slug])
            + "?"
            + urlencode({"country": country}),
        )
        context.update(_citation_search(request, country))
    return render(request, "evidence/group_page.html", context, status=status)


def _citation_search(request, country: str) -> dict:
    """The page's search for evidence to cite (GET, works without JavaScript): its matches
    become the add forms' citation choices, so the page never lists all the evidence."""
    from .forms import citation_search

    searched = "cite_q" in request.GET
    cite = citation_search(user=request.user, country=country, params=request.GET)
    more = ""
    if cite.more:
        more = "?" + urlencode(
            {
                "country": country,
                "cite_q": cite.query,
                "cite_kind": cite.kind,
                "cite_page": cite.page + 1,
            }
        )
    return {
        "cite": cite,
        "cite_form": CitationSearchForm(request.GET if searched else None),
        "cite_more": more,
    }


def _writer(request, slug: str) -> tuple[PopulationGroup, str]:
    """The group and the page's country, for a writer of that country (else 403)."""
    group = _group(request, slug)
    country = _country(request)
    if not services.may_write(user=request.user, country=country):
        raise PermissionDenied
    return group, country


#: The sections a write returns to; the section named by ``?saved=`` says "Saved." itself,
#: beside what changed, not at the top of the page thousands of pixels above.
SAVED_SECTIONS = ("gaps", "tree", "roles", "actions", "discussion")


def _back(request, group: PopulationGroup, country: str, anchor: str):
    """No-JS writes: POST, then back to the section of the page that changed, which shows
    the confirmation (``?saved=``)."""
    return redirect(
        reverse("evidence:group_page", args=[group.slug])
        + "?"
        + urlencode({"country": country, "saved": anchor})
        + f"#{anchor}"
    )


def _rejected(request, group, forms: dict, error: ValidationError | None = None):
    """Re-show the page with the form's errors (400), keeping what the person typed."""
    if error is not None:
        form = next(iter(forms.values()))
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
    messages.error(request, _("Not saved: see the form's errors."))
    return _page(request, group, bound=forms, status=400)


@login_required
@require_POST
def cause_add(request, slug: str):
    group, country = _writer(request, slug)
    form = CauseForm(request.POST, group=group, country=country)
    cited = CitationForm(request.POST, user=request.user, country=country)
    if form.is_valid() and cited.is_valid():
        try:
            services.cause_add(
                group=group,
                country=country,
                user=request.user,
                citations=cited.citations(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            return _rejected(request, group, {"cause_form": form}, error)
        return _back(request, group, country, "tree")
    return _rejected(request, group, {"cause_form": form, "citation_form": cited})


@login_required
@require_POST
def cause_delete(request, slug: str, pk: int):
    group = _group(request, slug)
    cause = policy.get_object_or_404(
        request.user, Cause.objects.filter(group=group), Action.DELETE, pk=pk
    )
    services.cause_delete(cause=cause, user=request.user)
    return _back(request, group, cause.country, "tree")


@login_required
@require_POST
def role_add(request, slug: str):
    group, country = _writer(request, slug)
    form = RoleForm(request.POST, country=country)
    cited = CitationForm(request.POST, user=request.user, country=country)
    if form.is_valid() and cited.is_valid():
        try:
            services.role_add(
                group=group,
                country=country,
                user=request.user,
                recommendations=cited.recommendations(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            return _rejected(request, group, {"role_form": form}, error)
        return _back(request, group, country, "roles")
    return _rejected(request, group, {"role_form": form, "citation_form": cited})


@login_required
@require_POST
def capacity_gap_add(request, slug: str):
    group, country = _writer(request, slug)
    form = CapacityGapForm(request.POST, group=group, country=country)
    cited = CitationForm(request.POST, user=request.user, country=country)
    if form.is_valid() and cited.is_valid():
        try:
            services.capacity_gap_add(
                user=request.user, citations=cited.citations(), **form.cleaned_data
            )
        except ValidationError as error:
            return _rejected(request, group, {"gap_form": form}, error)
        return _back(request, group, country, "roles")
    return _rejected(request, group, {"gap_form": form, "citation_form": cited})


@login_required
@require_POST
def action_add(request, slug: str):
    group, country = _writer(request, slug)
    form = GroupActionForm(request.POST, group=group, country=country)
    cited = CitationForm(request.POST, user=request.user, country=country)
    if form.is_valid() and cited.is_valid():
        try:
            services.group_action_add(
                group=group,
                country=country,
                user=request.user,
                recommendations=cited.recommendations(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            return _rejected(request, group, {"action_form": form}, error)
        return _back(request, group, country, "actions")
    return _rejected(request, group, {"action_form": form, "citation_form": cited})


@login_required
@require_POST
def comment_add(request, slug: str):
    group, country = _writer(request, slug)
    elements = services.comment_elements(group=group, country=country)
    form = CommentForm(request.POST, elements=[(e, e) for e in sorted(elements)])
    if form.is_valid():
        try:
            services.comment_add(
                group=group, country=country, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            return _rejected(request, group, {"comment_form": form}, error)
        return _back(request, group, country, "discussion")
    return _rejected(request, group, {"comment_form": form})


@login_required
@require_POST
def data_gap_assign(request, slug: str):
    group, country = _writer(request, slug)
    form = DataGapForm(request.POST, people=services.assignable_people(country=country))
    if form.is_valid():
        try:
            services.data_gap_assign(
                group=group, country=country, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            return _rejected(request, group, {"data_gap_form": form}, error)
        return _back(request, group, country, "gaps")
    return _rejected(request, group, {"data_gap_form": form})


@login_required
@require_POST
def data_gap_close(request, slug: str, pk: int):
    group = _group(request, slug)
    gap = policy.get_object_or_404(
        request.user, DataGap.objects.filter(group=group), Action.CHANGE, pk=pk
    )
    try:
        services.data_gap_close(gap=gap, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        return _back(request, group, gap.country, "gaps")
    return redirect(
        reverse("evidence:group_page", args=[group.slug])
        + "?"
        + urlencode({"country": gap.country})
        + "#gaps"
    )


@login_required
@require_POST
def summary_validate(request, slug: str):
    group, country = _writer(request, slug)
    form = ValidationForm(request.POST)
    if form.is_valid():
        try:
            services.summary_validate(
                group=group, country=country, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            return _rejected(request, group, {"validation_form": form}, error)
        return _back(request, group, country, "discussion")
    return _rejected(request, group, {"validation_form": form})


@login_required
def dossier(request, slug: str):
    import base64

    from .chapter import author_organisation, build_chapter

    group = _group(request, slug, Action.EXPORT)
    context = group_context(request, group)
    chapter = build_chapter(context, viewer=request.user)
    context.update(
        chapter=chapter,
        figures=[(f, base64.b64encode(f.png).decode()) for f in chapter.figures],
        author=author_organisation(request.user, context["country"]),
        today=timezone.localdate(),
    )
    return render(request, "evidence/dossier.html", context)


@login_required
def dossier_docx(request, slug: str):
    from accounts.models import AuditEvent
    from accounts.services import audit_record

    from .chapter import author_organisation, build_chapter
    from .dossier import dossier_document

    group = _group(request, slug, Action.EXPORT)
    context = group_context(request, group)
    chapter = build_chapter(context, viewer=request.user)
    content = dossier_document(
        chapter, author=author_organisation(request.user, context["country"])
    )
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


@login_required
def circumstance_factors(request):
    """The table that says which factor each survey circumstance speaks to: defaults for
    every country and the chosen country's own rows (RCO staff of that country edit them)."""
    from .circumstances import circumstance_factor_table
    from .forms import CircumstanceFactorForm
    from .models import CircumstanceFactor

    country = _country(request)
    may_edit = policy.can(request.user, Action.CREATE, CircumstanceFactor) and (
        actor_for(request.user).is_superuser or country in actor_for(request.user).rco_countries
    )
    form = CircumstanceFactorForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.circumstance_factor_set(
                    country=country, user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Saved."))
                return redirect(
                    reverse("evidence:circumstance_factors") + "?" + urlencode({"country": country})
                )
        status = 400
    rows = policy.scope(
        request.user,
        CircumstanceFactor.objects.filter(country__in=["", country]),
        Action.LIST,
    )
    from taxonomy.models import Factor

    return render(
        request,
        "evidence/circumstance_factors.html",
        {
            "country": country,
            "countries": policy.viewer_countries(request.user),
            "defaults": [r for r in rows if not r.country],
            "own": [r for r in rows if r.country],
            "table": circumstance_factor_table(country=country),
            "factor_names": dict(Factor.objects.values_list("code", "name")),
            "form": form if may_edit else None,
        },
        status=status,
    )


@login_required
@require_POST
def circumstance_factor_delete(request, pk: int):
    from .models import CircumstanceFactor

    row = policy.get_object_or_404(request.user, CircumstanceFactor, Action.DELETE, pk=pk)
    services.circumstance_factor_delete(row=row, user=request.user)
    messages.success(request, _("Removed: the default applies again."))
    return redirect(
        reverse("evidence:circumstance_factors") + "?" + urlencode({"country": row.country})
    )
