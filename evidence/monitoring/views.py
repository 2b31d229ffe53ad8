"""The monitoring page of a group: is each gap closing fast enough? Every member of the
country reads it; RCO staff and UNCT members of the country write (one URL per action)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy

from ..services import may_write
from ..views import _country, _group, _writer
from . import services
from .charts import monitoring_svg
from .forms import MonitoringIndicatorForm, MonitoringValueForm
from .models import MonitoringIndicator, MonitoringValue
from .selectors import monitored, visible_indicators


def _page(request, group, *, bound: dict | None = None, status: int = 200):
    country = _country(request)
    can_edit = may_write(user=request.user, country=country)
    bound = bound or {}
    items = []
    for indicator in visible_indicators(group=group, country=country, viewer=request.user):
        item = monitored(indicator, viewer=request.user)
        value_form = None
        if can_edit and indicator.source != MonitoringIndicator.Source.RUN:
            value_form = bound.get(("value", indicator.pk)) or MonitoringValueForm(
                instance=MonitoringValue(indicator=indicator), prefix=f"v{indicator.pk}"
            )
        items.append(
            {
                "item": item,
                "svg": monitoring_svg(item),
                "indicator": indicator,
                "value_form": value_form,
                "values": list(indicator.values.all()),
            }
        )
    context = {
        "group": group,
        "country": country,
        "countries": policy.viewer_countries(request.user),
        "items": items,
        "can_edit": can_edit,
        "indicator_form": (
            bound.get("indicator") or MonitoringIndicatorForm(country=country, viewer=request.user)
            if can_edit
            else None
        ),
    }
    return render(request, "evidence/monitoring.html", context, status=status)


@login_required
def monitoring(request, slug: str):
    return _page(request, _group(request, slug))


def _back(group, country: str, anchor: str = ""):
    url = reverse("evidence:monitoring", args=[group.slug]) + "?" + urlencode({"country": country})
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _apply(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_POST
def monitoring_indicator_add(request, slug: str):
    group, country = _writer(request, slug)
    form = MonitoringIndicatorForm(request.POST, country=country, viewer=request.user)
    if form.is_valid():
        try:
            indicator = services.monitoring_indicator_save(
                indicator=form.save(), group=group, country=country, user=request.user
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return _back(group, country, f"indicator-{indicator.pk}")
    messages.error(request, _("Not saved: see the form's errors."))
    return _page(request, group, bound={"indicator": form}, status=400)


def _indicator(request, slug: str, pk: int):
    """The indicator of one of the viewer's countries (else 404, as if it did not exist),
    for a writer of its country (else 403)."""
    group = _group(request, slug)
    indicator = get_object_or_404(
        MonitoringIndicator,
        pk=pk,
        group=group,
        country__in=policy.viewer_countries(request.user),
    )
    if not may_write(user=request.user, country=indicator.country):
        raise PermissionDenied
    return group, indicator.country, indicator


@login_required
@require_POST
def monitoring_value_add(request, slug: str, pk: int):
    group, country, indicator = _indicator(request, slug, pk)
    form = MonitoringValueForm(
        request.POST, instance=MonitoringValue(indicator=indicator), prefix=f"v{indicator.pk}"
    )
    if form.is_valid():
        try:
            services.monitoring_value_save(value=form.save(commit=False), user=request.user)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return _back(group, country, f"indicator-{indicator.pk}")
    messages.error(request, _("Not saved: see the form's errors."))
    return _page(request, group, bound={("value", indicator.pk): form}, status=400)


@login_required
@require_POST
def monitoring_indicator_delete(request, slug: str, pk: int):
    group, country, indicator = _indicator(request, slug, pk)
    services.monitoring_indicator_delete(indicator=indicator, user=request.user)
    messages.success(request, _("Deleted."))
    return _back(group, country)
