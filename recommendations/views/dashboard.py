"""The tracker's dashboard: counts and charts of what the viewer may list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from .. import charts, selectors
from ..models import Assessment


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
