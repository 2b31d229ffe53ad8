"""Survey analysis in the browser: upload, profile, run, read, publish, link to groups."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action, actor_for
from lnob_portal.exports import tabular_response
from taxonomy.models import PopulationGroup

from . import bridge, charts, selectors, services
from .forms import (
    MIN_CIRCUMSTANCE_ROWS,
    MORE_CIRCUMSTANCE_ROWS,
    DatasetUploadForm,
    LeafLinkForm,
    RunForm,
    initial_from_post,
    preset_json,
)
from .indicators import ESCAP_PRESETS, IndicatorDefinition, apply_indicator
from .models import Dataset, LeafGroupLink, Run
from .results import RunResult
from .surveyio import SurveyFileError, read_survey_metadata

#: Up to this many rows, starting a run first applies the indicator to the data in the
#: request, so a mistake (a recode that misses values, a filter that keeps nothing) is shown
#: next to the field instead of as a failed run. Larger files are checked by the run itself.
PREFLIGHT_MAX_ROWS = 300_000


@login_required
def index(request):
    datasets = policy.scope(request.user, Dataset.objects.all(), Action.LIST)
    runs = selectors.visible_runs(user=request.user).filter(region="")
    if not actor_for(request.user).is_rco_staff:
        runs = runs.filter(published=True)
    return render(
        request,
        "analysis/index.html",
        {
            "datasets": datasets[:50],
            "runs": runs[:100],
            "can_upload": policy.can(request.user, Action.CREATE, Dataset),
        },
    )


@login_required
def dataset_upload(request):
    policy.require(request.user, Action.CREATE, Dataset)
    countries = actor_for(request.user).rco_countries or {"—"}
    form = DatasetUploadForm(request.POST or None, request.FILES or None, countries=countries)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = services.dataset_upload(
                uploaded=form.cleaned_data["file"],
                user=request.user,
                **{
                    k: form.cleaned_data[k]
                    for k in ("title", "country", "survey_kind", "survey_round", "unit")
                },
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("The file was uploaded. Its columns are being profiled."))
            return redirect(dataset)
    return render(request, "analysis/dataset_upload.html", {"form": form})


def _run_form(dataset: Dataset, data=None, **kwargs) -> RunForm:
    return RunForm(
        data,
        survey_kind=dataset.survey_kind,
        columns=dataset.profile or (),
        value_labels=_value_labels(dataset),
        **kwargs,
    )


def _value_labels(dataset: Dataset) -> dict:
    """The file's value-label tables (code → name), so the form can offer an outcome's codes
    with their names. They are stored on the dataset at profiling: no page opens the file.
    A dataset profiled before labels were kept has them read once here and stored."""
    if dataset.status != Dataset.Status.READY or not dataset.file:
        return {}
    if dataset.value_labels is None:
        if not dataset.file.name.lower().endswith((".dta", ".sav", ".zsav")):
            tables: dict = {}  # CSV/XLSX carry no value labels: do not open the file
        else:
            try:
                with services.survey_file(dataset) as path:
                    tables = read_survey_metadata(path)[2]
            except (SurveyFileError, OSError, ValueError):
                return {}
        services.dataset_value_labels_store(dataset=dataset, tables=tables)
    return dataset.value_label_tables()


def _detail_page(request, dataset: Dataset, form: RunForm, status: int = 200):
    return render(
        request,
        "analysis/dataset_detail.html",
        {
            "dataset": dataset,
            "form": form,
            "preset": ESCAP_PRESETS.get(form["preset"].value() or ""),
            "runs": dataset.runs.select_related("indicator").filter(region="")[:50],
            "can_reprofile": dataset.status == Dataset.Status.FAILED
            and bool(dataset.file)
            and policy.can(request.user, Action.CHANGE, dataset),
        },
        status=status,
    )


@login_required
def dataset_detail(request, pk: int):
    dataset = policy.get_object_or_404(request.user, Dataset, pk=pk)
    preset = request.GET.get("preset", "")
    form = _run_form(
        dataset,
        initial={"preset": preset, "definition": preset_json(preset), "shapley": True},
        definition_start=ESCAP_PRESETS.get(preset),
    )
    return _detail_page(request, dataset, form)


@login_required
@require_POST
def dataset_reprofile(request, pk: int):
    dataset = policy.get_object_or_404(request.user, Dataset, Action.CHANGE, pk=pk)
    try:
        services.dataset_reprofile(dataset=dataset, user=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The columns are being profiled again."))
    return redirect(dataset)


def _preflight(dataset: Dataset, definition: dict) -> None:
    """Apply the indicator to a small enough file now; raises what the run would raise."""
    if not dataset.row_count or dataset.row_count > PREFLIGHT_MAX_ROWS:
        return
    indicator = IndicatorDefinition.from_dict(definition)
    # Through the batch cache: the run that follows reads these columns from it.
    with services.survey_file(dataset) as path:
        survey = bridge.read_for_indicator(
            str(path),
            definition,
            sha256=dataset.sha256,
            wealth=bridge.wealth_columns(dataset.profile),
        )
    # As the run does by default (bridge.compute_run): rows missing a circumstance are kept.
    apply_indicator(
        survey.frame, indicator, value_labels=survey.value_labels, keep_missing_circumstances=True
    )


@login_required
@require_POST
def run_start(request, pk: int):
    dataset = policy.get_object_or_404(request.user, Dataset, Action.CHANGE, pk=pk)
    policy.require(request.user, Action.CREATE, Run)
    if "more_circumstances" in request.POST or "show_levels" in request.POST:
        # Show the form again, with more circumstance rows or the new outcome column's levels.
        initial = initial_from_post(request.POST)
        if "more_circumstances" in request.POST:
            rows = str(initial.get("circumstance_rows") or "")
            shown = max(int(rows) if rows.isdigit() else 0, MIN_CIRCUMSTANCE_ROWS)
            initial["circumstance_rows"] = shown + MORE_CIRCUMSTANCE_ROWS
        if initial.get("outcome_levels_column") != initial.get("outcome_column"):
            initial["outcome_values"] = []
            initial["outcome_levels_column"] = initial.get("outcome_column", "")
        return _detail_page(request, dataset, _run_form(dataset, initial=initial))
    form = _run_form(dataset, request.POST)
    if form.is_valid():
        definition = form.cleaned_data["definition"]
        try:
            if not form.cleaned_data["subnational"]:  # a subnational start reads the data anyway
                _preflight(dataset, definition)
            runs = services.runs_start(
                dataset=dataset,
                definition=definition,
                user=request.user,
                subnational=form.cleaned_data["subnational"],
                shapley=form.cleaned_data["shapley"],
                params=form.engine_params(),
                preset=form.cleaned_data["preset"],
            )
        except services.USER_ERRORS as exc:
            form.add_indicator_error(exc)
        except ValidationError as exc:
            form.add_indicator_error(" ".join(exc.messages))
        else:
            return redirect(runs[0])
    return _detail_page(request, dataset, form, status=400)


def _run_for(request, pk: int, action=Action.VIEW) -> Run:
    return policy.get_object_or_404(
        request.user, Run.objects.select_related("dataset", "indicator"), action, pk=pk
    )


@login_required
def run_detail(request, pk: int):
    run = _run_for(request, pk)
    result = run.result or {}
    batch = selectors.visible_runs(user=request.user).filter(batch=run.batch).order_by("region")
    context = {
        "run": run,
        "result": result,
        "batch": batch,
        "can_change": policy.can(request.user, Action.CHANGE, run),
    }
    if run.status == Run.Status.SUCCEEDED:
        title = f"{run.indicator.name}, {run.dataset.survey_kind} {run.dataset.survey_round}"
        if run.region:
            title += f" — {run.region}"
        dimension = request.GET.get("dimension") or next(iter(result.get("dimensions", {})), "")
        trend = selectors.run_trend(run=run, user=request.user)
        links = {}
        for link in run.group_links.select_related("group", "created_by").order_by(
            "created_at", "pk"
        ):
            links.setdefault(link.node_id, []).append(link)
        leaves = _leaves_with_paths(result)
        for leaf in leaves:
            leaf["links"] = links.get(leaf["id"], [])
            leaf["linked_ids"] = {link.group_id for link in leaf["links"]}
        search = request.GET.get("q", "").strip()[:100]
        context.update(
            tree_svg=charts.tree_svg(result, title=title, indicator_label=run.indicator.name),
            tree_text=charts.tree_text_alternative(result),
            shapley_svg=charts.shapley_svg(
                result["shapley"], title=_("Share of inequality (D) by circumstance")
            )
            if result.get("shapley")
            else "",
            dimension=dimension,
            heat=selectors.run_heat(run=run, dimension=dimension) if dimension else None,
            trend=trend,
            trend_svg=charts.trend_svg(
                charts.trend_series(
                    [(r.dataset.survey_round, r.result) for r in trend],
                    national=_("National mean"),
                    behind=_("Furthest behind"),
                ),
                title=_("%(name)s across survey rounds") % {"name": run.indicator.name},
                y_label=_("Rate"),
            )
            if len(trend) > 1
            else "",
            leaves=leaves,
            intervals=_intervals(result),
            search=search,
            **_groups_to_offer(search),
        )
    template = (
        "analysis/_run_status.html"
        if request.headers.get("HX-Request")
        else "analysis/run_detail.html"
    )
    return render(request, template, context)


def _leaves_with_paths(result: dict) -> list[dict]:
    """Leaves with the full list of conditions from the root (not just the last split), and
    the text of their 95% interval when the run has intervals."""
    nodes = {node["id"]: node for node in result.get("nodes", [])}
    percent = _is_rate(result)
    leaves = []
    for node in nodes.values():
        if not node["is_leaf"]:
            continue
        path, current = [], node
        while current and current.get("condition"):
            path.append(current["condition"]["label"])
            current = nodes.get(current["parent"])
        leaves.append(
            {
                **node,
                "path": list(reversed(path)),
                "ci_text": _interval_text(node.get("ci"), percent=percent),
            }
        )
    return leaves


def _is_rate(result: dict) -> bool:
    if "outcome_binary" in result:
        return bool(result["outcome_binary"])
    means = [node.get("mean") for node in result.get("nodes", [])]
    return all(m is not None and 0 <= m <= 1 for m in means)


def _interval_text(ci, *, percent: bool = False, digits: int = 3) -> str:
    """ "95% CI: 62.9% to 65.4%" for a [low, high] pair; empty when there is none."""
    if not ci or len(ci) != 2 or ci[0] is None or ci[1] is None:
        return ""
    if percent:
        low, high = f"{100 * ci[0]:.1f}%", f"{100 * ci[1]:.1f}%"
    else:
        low, high = f"{ci[0]:.{digits}f}", f"{ci[1]:.{digits}f}"
    return _("95%% CI: %(low)s to %(high)s") % {"low": low, "high": high}


def _intervals(result: dict) -> dict | None:
    """Texts of the run's 95% intervals and how they were computed (None for older runs)."""
    info = result.get("uncertainty")
    if not info:
        return None
    percent = _is_rate(result)
    design = info.get("design") or {}
    return {
        "iid": info.get("method") == "iid",
        "warning": info.get("membership_warning") or "",
        "design": design,
        "replicates": info.get("replicates"),
        "mean": _interval_text(result.get("mean_ci"), percent=percent),
        "behind": _interval_text((result.get("furthest_behind") or {}).get("ci"), percent=percent),
        "ahead": _interval_text((result.get("furthest_ahead") or {}).get("ci"), percent=percent),
        "gap": _interval_text(result.get("gap_ci")),
        "d_index": _interval_text(result.get("d_index_ci"), digits=4),
        "hoi": _interval_text(result.get("hoi_ci"), digits=4),
    }


@login_required
@require_POST
def run_publish(request, pk: int):
    run = _run_for(request, pk, Action.CHANGE)
    try:
        services.run_publish(
            run=run,
            user=request.user,
            request=request,
            published=request.POST.get("published") == "1",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Published: UNCT members and group pages now see this run.")
            if run.published
            else _("This run is no longer published."),
        )
    return redirect(run)


@login_required
@require_POST
def run_retry(request, pk: int):
    run = _run_for(request, pk, Action.CHANGE)
    try:
        services.run_retry(run=run, user=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The analysis is running again."))
    return redirect(run)


def _groups_to_offer(search: str) -> dict:
    """Population groups a leaf can be linked to, rights-holders first; ``search`` (a
    plain GET parameter, so it works without JavaScript) matches names and synonyms."""
    groups = PopulationGroup.objects.order_by("name").only("name", "pk", "rights_holder")
    if search:
        groups = groups.filter(
            Q(name__icontains=search) | Q(synonyms__label__icontains=search)
        ).distinct()
    groups = list(groups)
    return {
        "rights_holder_groups": [g for g in groups if g.rights_holder],
        "other_groups": [g for g in groups if not g.rights_holder],
    }


@login_required
@require_POST
def run_link_groups(request, pk: int):
    """Add links from a leaf to groups; the leaf's earlier links stay."""
    run = _run_for(request, pk, Action.CHANGE)
    parsed = RunResult.from_json(run.result)
    leaf_ids = sorted(node.id for node in parsed.nodes if node.is_leaf) if parsed else []
    form = LeafLinkForm(request.POST, leaf_ids=leaf_ids)
    if not form.is_valid():
        messages.error(
            request,
            _("Not linked: choose a leaf of this tree and at least one group."),
        )
        return redirect(f"{run.get_absolute_url()}#leaves")
    node_id = form.cleaned_data["node"]
    try:
        linked = services.leaf_groups_link(
            run=run,
            node_id=node_id,
            groups=list(form.cleaned_data["groups"]),
            user=request.user,
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Leaf %(id)s is now linked to: %(groups)s.")
            % {"id": node_id, "groups": ", ".join(link.group.name for link in linked)},
        )
    # Back to the leaf, keeping the search the analyst was linking from.
    search = request.POST.get("q", "").strip()[:100]
    query = f"?{urlencode({'q': search})}" if search else ""
    return redirect(f"{run.get_absolute_url()}{query}#node-{node_id}")


@login_required
@require_POST
def run_unlink_group(request, pk: int, link_pk: int):
    """Remove one link of a leaf; its other links stay."""
    run = _run_for(request, pk, Action.CHANGE)
    link = policy.get_object_or_404(
        request.user,
        LeafGroupLink.objects.filter(run=run).select_related("group", "run"),
        Action.DELETE,
        pk=link_pk,
    )
    services.leaf_group_unlink(link=link, user=request.user, request=request)
    messages.success(
        request,
        _("Leaf %(id)s is no longer linked to %(group)s.")
        % {"id": link.node_id, "group": link.group.name},
    )
    return redirect(f"{run.get_absolute_url()}#node-{link.node_id}")


@login_required
def run_download(request, pk: int, fmt: str):
    run = _run_for(request, pk, Action.EXPORT)
    if run.status != Run.Status.SUCCEEDED:
        return HttpResponse(_("This run has no results."), status=404)
    result = run.result
    name = f"lnob-run-{run.pk}"
    title = f"{run.indicator.name}, {run.dataset.survey_kind} {run.dataset.survey_round}"
    if fmt == "svg":
        response = HttpResponse(charts.tree_svg(result, title=title), content_type="image/svg+xml")
    elif fmt == "png":
        response = HttpResponse(charts.tree_png(result, title=title), content_type="image/png")
    else:
        header = [
            "node",
            "parent",
            "depth",
            "condition",
            "n",
            "weight",
            "share",
            "mean",
            "is_leaf",
            "furthest",
            "se",
            "ci_low",
            "ci_high",
            "overlaps_sibling",
        ]
        parsed = RunResult.from_json(result)
        marks = {
            leaf.node: mark
            for leaf, mark in (
                (parsed.furthest_behind if parsed else None, "behind"),
                (parsed.furthest_ahead if parsed else None, "ahead"),
            )
            if leaf is not None
        }
        rows = [
            [
                n["id"],
                n["parent"],
                n["depth"],
                (n["condition"] or {}).get("label", "All"),
                n["n"],
                n["weight"],
                n["share"],
                n["mean"],
                n["is_leaf"],
                marks.get(n["id"], ""),
                n.get("se", ""),
                (n.get("ci") or ["", ""])[0],
                (n.get("ci") or ["", ""])[1],
                n.get("overlaps_sibling", ""),
            ]
            for n in result["nodes"]
        ]
        return tabular_response(header=header, rows=rows, fmt=fmt, filename=name)
    response["Content-Disposition"] = f'attachment; filename="{name}-tree.{fmt}"'
    return response
