"""Survey datasets, indicator definitions, runs of the ESCAP LNOB analysis, leaf→group links."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.jobs import BackgroundJob


class Dataset(BackgroundJob):
    """An uploaded survey file (CSV, XLSX, Stata .dta, SPSS .sav) and its column profile."""

    class Kind(models.TextChoices):
        DHS = "DHS", "DHS"
        MICS = "MICS", "MICS"
        OTHER = "other", _("Other survey")

    class Status(models.TextChoices):
        PROFILING = "profiling", _("Profiling columns")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    title = models.CharField(_("title"), max_length=200)
    country = models.CharField(_("country"), max_length=100)
    survey_kind = models.CharField(_("survey programme"), max_length=10, choices=Kind.choices)
    survey_round = models.CharField(
        _("survey round"), max_length=20, help_text=_("Usually the year, e.g. 2017.")
    )
    unit = models.CharField(
        _("unit of the rows"),
        max_length=100,
        blank=True,
        help_text=_("e.g. households (HR), women 15–49 (IR), children under 5 (KR)."),
    )
    file = models.FileField(_("file"), upload_to="surveys/", max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROFILING)
    message = models.TextField(blank=True)
    row_count = models.BigIntegerField(null=True, blank=True)
    profile = models.JSONField(default=list, blank=True)
    # Kept at profiling so no page opens the file again. ``value_labels`` is
    # {column: [[code, label], ...]} (codes keep their JSON type); None means "not stored yet"
    # (a dataset profiled before labels were kept).
    variable_labels = models.JSONField(default=dict, blank=True)
    value_labels = models.JSONField(null=True, blank=True, default=None)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)  # when a worker began profiling

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey dataset")
        verbose_name_plural = _("survey datasets")

    def __str__(self) -> str:
        return f"{self.title} ({self.survey_kind} {self.survey_round})"

    def get_absolute_url(self) -> str:
        return reverse("analysis:dataset_detail", args=[self.pk])

    def value_label_tables(self) -> dict[str, dict]:
        """The stored value-label tables as {column: {code: label}}."""
        return {
            column: {code: label for code, label in pairs}
            for column, pairs in (self.value_labels or {}).items()
        }


class Indicator(models.Model):
    """A saved indicator definition (reference population, outcome rule, circumstances).

    ``definition`` is ``analysis.indicators.IndicatorDefinition.to_dict()``.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=100)
    definition = models.JSONField()
    preset = models.CharField(max_length=100, blank=True)
    sdg_goal = models.ForeignKey(
        "taxonomy.SDGGoal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The SDG this indicator measures progress on (used by the group pages)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


class Run(BackgroundJob):
    """One immutable analysis of one indicator on one dataset (national or one region).

    It keeps what is needed to reproduce and cite it: the indicator definition as run, the
    tree parameters, the dataset's SHA-256 and the engine version.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="runs")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="runs")
    batch = models.UUIDField(db_index=True)
    region = models.CharField(
        _("region"), max_length=200, blank=True, help_text=_("Empty for the national run.")
    )
    definition = models.JSONField()
    params = models.JSONField(default=dict, blank=True)
    shapley = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    dataset_sha256 = models.CharField(max_length=64)
    engine_version = models.CharField(max_length=20, blank=True)
    published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Published runs are evidence that UNCT members and group pages see."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "region"]
        verbose_name = _("analysis run")
        verbose_name_plural = _("analysis runs")

    def __str__(self) -> str:
        where = self.region or _("national")
        survey = f"{self.dataset.survey_kind} {self.dataset.survey_round}"
        return f"{self.indicator.name} — {survey} ({where})"

    def get_absolute_url(self) -> str:
        return reverse("analysis:run_detail", args=[self.pk])

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class LeafGroupLink(models.Model):
    """An analyst's statement that a tree node describes (part of) a population group.

    A survey circumstance is not an identity; this link is the explicit mapping that lets
    group pages use survey evidence (PRODUCT §3).
    """

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="group_links")
    node_id = models.PositiveIntegerField()
    group = models.ForeignKey(
        "taxonomy.PopulationGroup", on_delete=models.CASCADE, related_name="survey_links"
    )
    note = models.CharField(max_length=300, blank=True)
    reference_population = models.CharField(
        _("reference population"),
        max_length=300,
        blank=True,
        help_text=_(
            "Whom the leaf is compared with: the run's reference population (e.g. "
            "women 15-49), recorded when the link is made."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "node_id", "group"], name="unique_leaf_group")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.node_id} → {self.group}"


class RegionMap(models.Model):
    """The regions of a country as GeoJSON, uploaded by RCO staff, drawn server-side as an
    SVG choropleth of the regional runs (no tiles, no external service)."""

    country = models.CharField(_("country"), max_length=100, unique=True)
    # The parsed shapes {region name: [[[x, y], …] rings]}, simplified at upload.
    shapes = models.JSONField(default=dict)
    name_property = models.CharField(
        _("property holding the region's name"),
        max_length=100,
        help_text=_("The feature property whose values match the survey's region names."),
    )
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("map of regions")
        verbose_name_plural = _("maps of regions")

    def __str__(self) -> str:
        return f"{self.country}: {self.original_name}"
