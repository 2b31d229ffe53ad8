"""Human-rights recommendations: mechanisms, documents, recommendations and their tracking
(clusters, responsible institutions, actions, implementation assessments, indicators), the
imports that load them and the history of every change."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.jobs import BackgroundJob
from taxonomy.models import normalise_label


class Mechanism(models.Model):
    """A body that addresses recommendations to states (editable vocabulary)."""

    class Kind(models.TextChoices):
        TREATY_BODY = "treaty_body", _("Treaty body")
        UPR = "upr", _("Universal Periodic Review")
        SPECIAL_PROCEDURE = "special_procedure", _("Special procedure")
        ILO = "ilo", _("ILO supervisory body")
        REGIONAL = "regional", _("Regional mechanism")
        NATIONAL = "national", _("National mechanism")

    code = models.CharField(
        _("code"), max_length=200, unique=True, help_text=_("e.g. CRC, UPR, SR on education.")
    )
    name = models.CharField(_("name"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)

    class Meta:
        verbose_name = _("mechanism")
        verbose_name_plural = _("mechanisms")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.code


class Theme(models.Model):
    """A human-rights theme (UHRI's themes; coded in older UPR matrices, e.g. A12)."""

    name = models.CharField(_("name"), max_length=300, unique=True)
    code = models.CharField(_("code"), max_length=20, blank=True)
    needs_review = models.BooleanField(
        _("needs review"),
        default=False,
        help_text=_("Created by an import from an unknown label; confirm or merge it."),
    )

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}" if self.code else self.name


class ThemeSynonym(models.Model):
    """Another label for a theme (an older UPR wording, a code); RCO staff extend it."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="synonyms")
    label = models.CharField(_("label"), max_length=300)
    normalised = models.CharField(max_length=300, unique=True, editable=False)

    class Meta:
        verbose_name = _("theme synonym")
        verbose_name_plural = _("theme synonyms")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        self.normalised = normalise_label(self.label)
        super().save(*args, **kwargs)


class SourceDocument(models.Model):
    """The document a recommendation comes from (concluding observations, UPR report…)."""

    mechanism = models.ForeignKey(Mechanism, on_delete=models.PROTECT, related_name="documents")
    symbol = models.CharField(_("symbol"), max_length=200, blank=True)
    external_id = models.CharField(_("UHRI document id"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100)
    publication_date = models.DateField(_("publication date"), null=True, blank=True)
    upr_cycle = models.PositiveSmallIntegerField(_("UPR cycle"), null=True, blank=True)
    upr_session = models.PositiveSmallIntegerField(_("UPR session"), null=True, blank=True)

    class Meta:
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")
        ordering = ["-publication_date", "symbol"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "mechanism", "symbol"], name="unique_document_symbol"
            )
        ]

    def __str__(self) -> str:
        return self.symbol or f"{self.mechanism} ({self.publication_date or '—'})"


class Recommendation(models.Model):
    """One recommendation or concern/observation addressed to a country."""

    class Type(models.TextChoices):
        RECOMMENDATION = "recommendation", _("Recommendation")
        CONCERN = "concern", _("Concern / observation")

    class Position(models.TextChoices):
        NONE = "", _("—")
        SUPPORTED = "Supported", _("Supported")
        NOTED = "Noted", _("Noted")
        SUPPORTED_NOTED = "Supported/Noted", _("Supported/Noted")

    country = models.CharField(_("country"), max_length=100, db_index=True)
    external_id = models.CharField(
        _("external id"),
        max_length=200,
        help_text=_("UHRI AnnotationId, or the document symbol and paragraph for other sources."),
    )
    mechanism = models.ForeignKey(
        Mechanism, on_delete=models.PROTECT, related_name="recommendations"
    )
    document = models.ForeignKey(
        SourceDocument,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    type = models.CharField(
        _("type"), max_length=20, choices=Type.choices, default=Type.RECOMMENDATION
    )
    paragraph = models.CharField(_("paragraph"), max_length=30, blank=True)
    text = models.TextField(_("text"))
    text_html = models.TextField(_("text (sanitised HTML)"), blank=True)
    upr_position = models.CharField(
        _("UPR position"), max_length=20, choices=Position.choices, blank=True, default=""
    )
    source_of_position = models.CharField(_("source of position"), max_length=300, blank=True)
    recommending_states = models.JSONField(_("recommending states"), default=list, blank=True)
    recommending_regions = models.JSONField(_("recommending regions"), default=list, blank=True)
    regions = models.JSONField(
        _("regions"),
        default=list,
        blank=True,
        help_text=_("The regions of the country as UHRI lists them (field Regions)."),
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="recommendations")
    groups = models.ManyToManyField(
        "taxonomy.PopulationGroup",
        blank=True,
        related_name="recommendations",
        verbose_name=_("affected groups"),
    )
    sdg_goals = models.ManyToManyField(
        "taxonomy.SDGGoal", blank=True, related_name="recommendations"
    )
    sdg_targets = models.ManyToManyField(
        "taxonomy.SDGTarget", blank=True, related_name="recommendations"
    )
    factors = models.ManyToManyField("taxonomy.Factor", blank=True, related_name="recommendations")
    institutions = models.ManyToManyField("Institution", blank=True, related_name="recommendations")
    publication_date = models.DateField(_("publication date"), null=True, blank=True)
    publication_date_on_uhri = models.DateField(null=True, blank=True)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Published recommendations appear on the public page and to CSO partners."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["-publication_date", "mechanism__code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "external_id"], name="unique_recommendation_per_country"
            )
        ]
        indexes = [models.Index(fields=["country", "upr_position"])]

    def __str__(self) -> str:
        label = f"{self.mechanism.code} {self.paragraph}".strip()
        return f"{label}: {self.text[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("recommendations:detail", args=[self.pk])

    @property
    def numbered_text(self) -> str:
        """The text with its paragraph number (UHRI and matrix texts already start with it)."""
        if self.paragraph and not self.text.startswith(self.paragraph):
            return f"{self.paragraph} {self.text}"
        return self.text

    @property
    def upr_cycle(self) -> int | None:
        return self.document.upr_cycle if self.document_id else None


class Cluster(models.Model):
    """Recommendations that ask for the same thing across mechanisms and cycles."""

    country = models.CharField(_("country"), max_length=100, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    recommendations = models.ManyToManyField(
        Recommendation, blank=True, related_name="clusters", verbose_name=_("members")
    )
    institutions = models.ManyToManyField("Institution", blank=True, related_name="clusters")
    published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("recommendations:cluster_detail", args=[self.pk])


class Institution(models.Model):
    """A duty-bearer responsible for implementing recommendations, with its focal point and
    the UN organisations assigned to follow it up."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry or central government")
        PARLIAMENT = "parliament", _("Parliament")
        JUDICIARY = "judiciary", _("Judiciary")
        LOCAL = "local", _("Local or regional government")
        NHRI = "nhri", _("National human rights institution")
        OTHER = "other", _("Other")

    country = models.CharField(_("country"), max_length=100, db_index=True)
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MINISTRY)
    focal_point_name = models.CharField(_("focal point"), max_length=200, blank=True)
    focal_point_email = models.EmailField(_("focal point e-mail"), blank=True)
    organisations = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="assigned_institutions",
        verbose_name=_("assigned organisations"),
        help_text=_("UNCT organisations whose members update this institution's actions."),
    )

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="unique_institution")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("recommendations:institution_detail", args=[self.pk])


class Action(models.Model):
    """A planned action towards implementing a recommendation or a cluster."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    country = models.CharField(_("country"), max_length=100, db_index=True)
    recommendation = models.ForeignKey(
        Recommendation, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="actions", verbose_name=_("institution")
    )
    title = models.CharField(_("action"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["target_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recommendation__isnull=False) | models.Q(cluster__isnull=False),
                name="action_has_subject",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Assessment(models.Model):
    """An implementation assessment of a recommendation or cluster at a date.

    ``official`` assessments are the country team's; a CSO partner's ``shadow`` assessment is
    its own view, attributed to its organisation and shown beside the official one.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        PARTIAL = "partial", _("Partially implemented")
        FULL = "full", _("Fully implemented")
        UNCLEAR = "unclear", _("Unclear")

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official")
        SHADOW = "shadow", _("Shadow (civil society)")

    country = models.CharField(_("country"), max_length=100, db_index=True)
    recommendation = models.ForeignKey(
        Recommendation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.CASCADE, related_name="assessments"
    )
    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments",
        help_text=_("The institution whose implementation is assessed, if one."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OFFICIAL)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommendation_assessments",
        verbose_name=_("organisation"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    assessed_on = models.DateField(_("date"), default=datetime.date.today)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence_text = models.TextField(_("evidence"), blank=True)
    evidence_link = models.URLField(_("evidence link"), blank=True, max_length=500)
    evidence_file = models.FileField(
        _("evidence file"), upload_to="recommendations/evidence/", blank=True, max_length=300
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("implementation assessment")
        verbose_name_plural = _("implementation assessments")
        ordering = ["-assessed_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recommendation__isnull=False) | models.Q(cluster__isnull=False),
                name="assessment_has_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.get_kind_display()}, {self.assessed_on})"


class TrackingIndicator(models.Model):
    """An indicator of progress on a recommendation or cluster, reported on a schedule."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        SEMIANNUAL = "semiannual", _("Every six months")
        ANNUAL = "annual", _("Annually")

    MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}

    country = models.CharField(_("country"), max_length=100, db_index=True)
    name = models.CharField(_("indicator"), max_length=300)
    recommendation = models.ForeignKey(
        Recommendation, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators"
    )
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators"
    )
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators"
    )
    sdg_indicator = models.ForeignKey(
        "taxonomy.SDGIndicator", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    frequency = models.CharField(_("reporting frequency"), max_length=20, choices=Frequency.choices)
    next_due = models.DateField(_("next report due"))
    last_reported = models.DateField(_("last reported"), null=True, blank=True)
    last_value = models.CharField(_("last value"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tracking indicator")
        verbose_name_plural = _("tracking indicators")
        ordering = ["next_due", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_overdue(self) -> bool:
        return self.next_due < timezone.localdate()


class ImportJob(BackgroundJob):
    """One upload of recommendations: stored, previewed, then committed all-or-nothing."""

    class Kind(models.TextChoices):
        UHRI_JSON = "uhri_json", _("UHRI export (JSON)")
        UHRI_XLSX = "uhri_xlsx", _("UHRI export (XLSX)")
        UPR_MATRIX = "upr_matrix", _("OHCHR UPR matrix (.docx)")
        TEMPLATE = "template", _("Portal template (CSV or XLSX)")

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("Reading the file")
        PREVIEWED = "previewed", _("Ready to import")
        IMPORTING = "importing", _("Importing")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    country = models.CharField(_("country"), max_length=100)
    kind = models.CharField(_("format"), max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to="recommendations/imports/", max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEWING)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    # The templates of ``message`` and ``warnings`` (common.messages), shown in the reader's
    # language; empty for a job stored before them (its English text is shown).
    message_data = models.JSONField(null=True, blank=True)
    warnings_data = models.JSONField(default=list, blank=True)
    # Blank for an import run from the command line without --user.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)  # when a worker began this step
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("recommendation import")
        verbose_name_plural = _("recommendation imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def shown_message(self) -> str:
        """``message`` in the active language when its template was stored, else as stored."""
        from common.i18n import render_stored

        return render_stored(self.message, self.message_data)

    @property
    def shown_warnings(self) -> list[str]:
        """``warnings`` in the active language where their templates were stored."""
        from common.i18n import render_stored_list

        return render_stored_list(self.warnings or [], self.warnings_data)

    def get_absolute_url(self) -> str:
        return reverse("recommendations:import_detail", args=[self.pk])

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.PREVIEWING, self.Status.IMPORTING)


class ImportedRecord(models.Model):
    """What one import did to one recommendation, so the import can be undone as a batch:
    a record it created (undo deletes it) or updated (undo puts ``previous`` back).
    ``written_at`` is the recommendation's ``updated_at`` right after the import: any later
    save moves it, which is how undo knows the record was edited since."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="records")
    recommendation = models.ForeignKey(
        Recommendation, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(max_length=200)
    created = models.BooleanField()
    previous = models.JSONField(default=dict, blank=True)
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.external_id}"


class Change(models.Model):
    """History: who changed what, when, on a tracked object (the recommendation it concerns
    is kept so its page can show every change around it)."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    country = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    recommendation = models.ForeignKey(
        Recommendation, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    verb = models.CharField(max_length=20)  # created, changed, deleted, imported
    summary = models.CharField(max_length=500, blank=True)
    fields = models.JSONField(default=dict, blank=True)  # {field: [old, new]}

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("history")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.verb} {self.summary}"
