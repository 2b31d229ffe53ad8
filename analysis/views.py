"""Survey analysis in the browser: upload, profile, run, read, publish, link to groups."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action, actor_for
from lnob_portal.exports import tabular_response
from taxonomy.models import PopulationGroup

from . import charts, selectors, services
from .forms import DatasetUploadForm, RunForm, preset_json
from .models import Dataset, Run


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


@login_required
def dataset_detail(request, pk: int):
    dataset = policy.get_object_or_404(request.user, Dataset, pk=pk)
    preset = request.GET.get("preset", "")
    initial = {"preset": preset, "definition": preset_json(preset), "shapley": True}
    form = RunForm(initial=initial, survey_kind=dataset.survey_kind)
    return render(
        request,
        "analysis/dataset_detail.html",
        {
            "dataset": dataset,
            "form": form,
            "runs": dataset.runs.select_related("indicator").filter(region="")[:50],
        },
    )


@login_required
@require_POST
def run_start(request, pk: int):
    dataset = policy.get_object_or_404(request.user, Dataset, Action.CHANGE, pk=pk)
    policy.require(request.user, Action.CREATE, Run)
    form = RunForm(request.POST, survey_kind=dataset.survey_kind)
    if form.is_valid():
        try:
            runs = services.runs_start(
                dataset=dataset,
                definition=form.cleaned_data["definition"],
                user=request.user,
                subnational=form.cleaned_data["subnational"],
                shapley=form.cleaned_data["shapley"],
                params=form.engine_params(),
                preset=form.cleaned_data["preset"],
            )
        except ValidationError as exc:
            form.add_error("definition", exc)
        else:
            return redirect(runs[0])
    return render(
        request,
        "analysis/dataset_detail.html",
        {
            "dataset": dataset,
            "form": form,
            "runs": dataset.runs.filter(region="")[:50],
        },
        status=400,
    )


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
        for link in run.group_links.select_related("group"):
            links.setdefault(link.node_id, []).append(link.group)
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
                [
                    {
                        "name": _("National mean"),
                        "points": [(r.dataset.survey_round, r.result["mean"]) for r in trend],
                    },
                    {
                        "name": _("Furthest behind"),
                        "points": [
                            (r.dataset.survey_round, r.result["furthest_behind"]["mean"])
                            for r in trend
                        ],
                    },
                ],
                title=_("%(name)s across survey rounds") % {"name": run.indicator.name},
                y_label=_("Rate"),
            )
            if len(trend) > 1
            else "",
            leaves=_leaves_with_paths(result),
            links=links,
            groups=PopulationGroup.objects.order_by("name").only("name", "pk"),
        )
    template = (
        "analysis/_run_status.html"
        if request.headers.get("HX-Request")
        else "analysis/run_detail.html"
    )
    return render(request, template, context)


def _leaves_with_paths(result: dict) -> list[dict]:
    """Leaves with the full list of conditions from the root (not just the last split)."""
    nodes = {node["id"]: node for node in result.get("nodes", [])}
    leaves = []
    for node in nodes.values():
        if not node["is_leaf"]:
            continue
        path, current = [], node
        while current and current.get("condition"):
            path.append(current["condition"]["label"])
            current = nodes.get(current["parent"])
        leaves.append({**node, "path": list(reversed(path))})
    return leaves


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
def run_link_groups(request, pk: int):
    run = _run_for(request, pk, Action.CHANGE)
    try:
        node_id = int(request.POST.get("node", ""))
    except ValueError:
        node_id = -1
    groups = PopulationGroup.objects.filter(pk__in=request.POST.getlist("groups"))
    try:
        services.leaf_groups_set(run=run, node_id=node_id, groups=list(groups), user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The groups for node %(id)s were saved.") % {"id": node_id})
    return redirect(f"{run.get_absolute_url()}#node-{node_id}")


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
        ]
        marks = {
            result["furthest_behind"]["node"]: "behind",
            result["furthest_ahead"]["node"]: "ahead",
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
            ]
            for n in result["nodes"]
        ]
        return tabular_response(header=header, rows=rows, fmt=fmt, filename=name)
    response["Content-Disposition"] = f'attachment; filename="{name}-tree.{fmt}"'
    return response
