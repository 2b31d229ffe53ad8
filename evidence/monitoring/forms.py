"""Forms of the monitoring page (no JavaScript: every field is a plain control)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from analysis.selectors import published_indicators
from taxonomy.models import SDGIndicator

from .models import MonitoringIndicator, MonitoringValue

MILESTONE_LINE = re.compile(
    r"^\s*(?P<year>\d{4})\s*:\s*(?P<group>-?\d+(?:\.\d+)?)\s*(?:[,;/]\s*(?P<others>-?\d+(?:\.\d+)?))?\s*$"
)


class MonitoringIndicatorForm(forms.ModelForm):
    analysis_indicator = forms.ChoiceField(label=_("Survey indicator"), required=False)
    milestones_text = forms.CharField(
        label=_("Milestones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One a line, “year: group, everyone else”, three to five years apart, e.g. "
            "“2025: 60, 82”. Empty: straight lines from the baseline to the targets, every "
            "five years."
        ),
    )

    class Meta:
        model = MonitoringIndicator
        fields = [
            "name",
            "source",
            "analysis_indicator",
            "sdg_indicator",
            "source_note",
            "barrier",
            "unit",
            "baseline_year",
            "target_year",
            "target_group",
            "target_others",
            "floor",
            "floor_label",
        ]

    def __init__(self, *args, country: str, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["analysis_indicator"].choices = [("", "—")] + published_indicators(
            country=country, viewer=viewer
        )
        self.fields["sdg_indicator"].queryset = SDGIndicator.objects.select_related("target__goal")
        if self.instance.milestones:
            self.initial["milestones_text"] = "\n".join(
                f"{m['year']}: {m.get('group')}, {m.get('others')}"
                for m in self.instance.milestones
            )

    def clean_milestones_text(self) -> list[dict]:
        rows = []
        for line in (self.cleaned_data.get("milestones_text") or "").splitlines():
            if not line.strip():
                continue
            found = MILESTONE_LINE.match(line)
            if not found:
                raise forms.ValidationError(
                    _("Write each milestone as “year: group, everyone else”: %(line)s"),
                    params={"line": line.strip()},
                )
            others = found.group("others")
            rows.append(
                {
                    "year": int(found.group("year")),
                    "group": float(found.group("group")),
                    "others": float(others) if others is not None else None,
                }
            )
        return sorted(rows, key=lambda m: m["year"])

    def save(self, commit: bool = False) -> MonitoringIndicator:
        indicator = super().save(commit=False)
        indicator.milestones = self.cleaned_data.get("milestones_text") or []
        return indicator


class MonitoringValueForm(forms.ModelForm):
    class Meta:
        model = MonitoringValue
        fields = [
            "year",
            "group_value",
            "others_value",
            "group_ci_low",
            "group_ci_high",
            "others_ci_low",
            "others_ci_high",
            "source",
        ]
        labels = {
            "group_ci_low": _("Lower end of the group's interval (95%)"),
            "group_ci_high": _("Upper end of the group's interval (95%)"),
            "others_ci_low": _("Lower end of everyone else's interval (95%)"),
            "others_ci_high": _("Upper end of everyone else's interval (95%)"),
        }
