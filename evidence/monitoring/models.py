"""A monitoring indicator tracked for a group in one country, and its manual series.

The models live in ``evidence`` (``evidence.models`` imports them): they belong to the
group page of one country, and their writes are recorded as the page's revisions.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MonitoringIndicator(models.Model):
    class Source(models.TextChoices):
        RUN = "run", _("Survey analysis (published runs across rounds)")
        SDG = "sdg", _("SDG indicator (series entered by hand)")
        MANUAL = "manual", _("Other series (entered by hand, with its source)")

    group = models.ForeignKey(
        "taxonomy.PopulationGroup",
        on_delete=models.CASCADE,
        related_name="monitoring_indicators",
    )
    country = models.CharField(_("country"), max_length=100, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("measure"), max_length=10, choices=Source.choices)
    # The analysis indicator's slug (runs of the same definition across survey rounds share
    # it); evidence reads runs only through analysis.selectors, so no foreign key.
    analysis_indicator = models.CharField(_("survey indicator"), max_length=100, blank=True)
    sdg_indicator = models.ForeignKey(
        "taxonomy.SDGIndicator",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("SDG indicator"),
    )
    source_note = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Where the values come from, e.g. “DHS 2015 and 2020, table 9.2”."),
    )
    barrier = models.BooleanField(
        _("lower is better"),
        default=False,
        help_text=_("Tick for a barrier such as stunting or child marriage."),
    )
    unit = models.CharField(
        _("unit"),
        max_length=40,
        default="%",
        help_text=_("“%” for percentages (0–100): rates are then in points a year."),
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), default=2030)
    target_group = models.FloatField(_("target for the group"), null=True, blank=True)
    target_others = models.FloatField(_("target for everyone else"), null=True, blank=True)
    # [{"year": 2025, "group": 55.0, "others": 80.0}, …]; empty: straight-line milestones
    # every five years from the baseline to the targets.
    milestones = models.JSONField(_("milestones"), default=list, blank=True)
    floor = models.FloatField(
        _("geographic floor"),
        null=True,
        blank=True,
        help_text=_("A minimum every area must reach, e.g. 90 (%) in every district."),
    )
    floor_label = models.CharField(
        _("floor applies to"), max_length=100, blank=True, help_text=_("e.g. every district")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "evidence"
        ordering = ["name", "pk"]
        verbose_name = _("monitoring indicator")
        verbose_name_plural = _("monitoring indicators")

    def __str__(self) -> str:
        return self.name

    @property
    def percent(self) -> bool:
        return self.unit.strip() == "%"


class MonitoringValue(models.Model):
    """One round of a series entered by hand (SDG or other source)."""

    indicator = models.ForeignKey(
        MonitoringIndicator, on_delete=models.CASCADE, related_name="values"
    )
    country = models.CharField(_("country"), max_length=100, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("year"))
    group_value = models.FloatField(_("the group's value"))
    others_value = models.FloatField(_("everyone else's value"))
    group_ci_low = models.FloatField(null=True, blank=True)
    group_ci_high = models.FloatField(null=True, blank=True)
    others_ci_low = models.FloatField(null=True, blank=True)
    others_ci_high = models.FloatField(null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        app_label = "evidence"
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="one_value_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}"

    def save(self, *args, **kwargs):
        self.country = self.indicator.country
        super().save(*args, **kwargs)
