"""Writes of monitoring indicators: RCO staff and UNCT members of the page's country, each
change recorded as a group-page Revision (``evidence.services.analysis_save``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from taxonomy.models import PopulationGroup

from ..services import _require_writer, analysis_delete, analysis_save
from .models import MonitoringIndicator, MonitoringValue


def _check(indicator: MonitoringIndicator) -> None:
    errors: dict[str, str] = {}
    source = MonitoringIndicator.Source
    if indicator.source == source.RUN and not indicator.analysis_indicator:
        errors["analysis_indicator"] = _("Choose the survey indicator whose runs to follow.")
    if indicator.source == source.SDG and not indicator.sdg_indicator_id:
        errors["sdg_indicator"] = _("Choose the SDG indicator.")
    if indicator.source != source.RUN and not indicator.source_note.strip():
        errors["source_note"] = _("Say where the values come from.")
    if indicator.baseline_year and indicator.baseline_year >= indicator.target_year:
        errors["baseline_year"] = _("The baseline must come before the target year.")
    if indicator.percent:
        for field in ("target_group", "target_others", "floor"):
            value = getattr(indicator, field)
            if value is not None and not 0 <= value <= 100:
                errors[field] = _("A percentage is between 0 and 100.")
    years = sorted(int(m["year"]) for m in indicator.milestones or ())
    if any(year > indicator.target_year for year in years):
        errors["milestones"] = _("Milestones come before or at the target year.")
    elif any(not 3 <= b - a <= 5 for a, b in zip(years, years[1:], strict=False)):
        errors["milestones"] = _("Milestones are three to five years apart.")
    if errors:
        raise ValidationError(errors)


def monitoring_indicator_save(
    *, indicator: MonitoringIndicator, group: PopulationGroup, country: str, user
) -> MonitoringIndicator:
    """Create or change a monitoring indicator of the group page in ``country``."""
    _require_writer(user, indicator.country or country)
    indicator.group = group
    if not indicator.pk:
        indicator.country = country
        indicator.created_by = user
    _check(indicator)
    return analysis_save(obj=indicator, group=group, user=user, country=country)


def monitoring_indicator_delete(*, indicator: MonitoringIndicator, user) -> None:
    _require_writer(user, indicator.country)
    analysis_delete(obj=indicator, group=indicator.group, user=user)


@transaction.atomic
def monitoring_value_save(*, value: MonitoringValue, user) -> MonitoringValue:
    """Add or change one round of a series entered by hand (SDG or other source)."""
    indicator = value.indicator
    _require_writer(user, indicator.country)
    if indicator.source == MonitoringIndicator.Source.RUN:
        raise ValidationError(_("Values of a survey indicator come from its published runs."))
    if indicator.percent:
        for field in ("group_value", "others_value"):
            if not 0 <= getattr(value, field) <= 100:
                raise ValidationError({field: _("A percentage is between 0 and 100.")})
    for low, high in (("group_ci_low", "group_ci_high"), ("others_ci_low", "others_ci_high")):
        if (getattr(value, low) is None) != (getattr(value, high) is None):
            raise ValidationError({low: _("Give both ends of the interval, or neither.")})
    value.country = indicator.country
    return analysis_save(obj=value, group=indicator.group, user=user, country=indicator.country)


def monitoring_value_delete(*, value: MonitoringValue, user) -> None:
    _require_writer(user, value.indicator.country)
    analysis_delete(obj=value, group=value.indicator.group, user=user)
