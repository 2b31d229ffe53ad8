"""Per-group evidence pages: precomputed summaries of the three streams, data gaps, and the
HRBA analyses (problem tree, role pattern, capacity gaps) with actions, comments and history.

Analyses cite evidence through nullable foreign keys, so a withdrawn story or a deleted
recommendation removes its citations too.

Population groups are shared by every country, but everything on a group page belongs to
one country (``country``, named as on organisations): a UNCT of one country never reads or
writes another country's analyses, comments or summaries.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class GroupSummary(models.Model):
    """The group page's evidence, computed when its inputs change (not on every request)."""

    group = models.ForeignKey(
        "taxonomy.PopulationGroup", on_delete=models.CASCADE, related_name="evidence_summaries"
    )
    country = models.CharField(_("country"), max_length=100, db_index=True)
    data = models.JSONField(default=dict)
    # The small part of ``data`` the overview and the API list read (``summary.headline_of``:
    # the survey digest and each bucket's counts), written with it, so that those lists never
    # load the full summaries.
    headline = models.JSONField(default=dict)
    stale = models.BooleanField(default=True, db_index=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    validated_with_communities = models.BooleanField(default=False)
    validated_on = models.DateField(null=True, blank=True)
    validated_how = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "country"], name="one_summary_per_country")
        ]

    def __str__(self) -> str:
        return f"Evidence summary of {self.group} ({self.country})"


class Stream(models.TextChoices):
    SURVEY = "survey", _("Survey statistics")
    VOICE = "voice", _("Community voice")
    RECOMMENDATIONS = "recommendations", _("Human-rights recommendations")


class DataGap(models.Model):
    """Silence in a stream, assigned to a person and tracked until closed."""

    group = models.ForeignKey(
        "taxonomy.PopulationGroup", on_delete=models.CASCADE, related_name="data_gaps"
    )
    country = models.CharField(_("country"), max_length=100, db_index=True)
    stream = models.CharField(max_length=20, choices=Stream.choices)
    sdg_goal = models.ForeignKey(
        "taxonomy.SDGGoal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    description = models.CharField(max_length=300)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_gaps",
    )
    note = models.TextField(blank=True)
    is_open = models.BooleanField(default=True)
    # blank: a gap whose author's account was deleted can still be closed.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_open", "stream", "sdg_goal__number"]

    def __str__(self) -> str:
        return self.description


class Cause(models.Model):
    """A node of the problem tree: the manifestation and its immediate, underlying and root
    causes (UNSDG LNOB guide, step 2)."""

    class Level(models.TextChoices):
        MANIFESTATION = "manifestation", _("Manifestation")
        IMMEDIATE = "immediate", _("Immediate cause")
        UNDERLYING = "underlying", _("Underlying cause")
        ROOT = "root", _("Root cause")

    group = models.ForeignKey(
        "taxonomy.PopulationGroup", on_delete=models.CASCADE, related_name="causes"
    )
    country = models.CharField(_("country"), max_length=100, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.CharField(max_length=20, choices=Level.choices)
    text = models.CharField(_("statement"), max_length=400)
    rights = models.CharField(_("rights implicated"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text


class RoleEntry(models.Model):
    """Role-pattern analysis: rights-holders and their claims, duty-bearers and their
    obligations, other actors."""

    class Kind(models.TextChoices):
        RIGHTS_HOLDER = "rights_holder", _("Rights-holder")
        DUTY_BEARER = "duty_bearer", _("Duty-bearer")
        OTHER = "other", _("Other actor")

    class DutyLevel(models.TextChoices):
        NONE = "", "—"
        CENTRAL = "central", _("Central government")
        REGIONAL = "regional", _("Regional government")
        LOCAL = "local", _("Local government")
        SERVICE = "service_provider", _("Service provider")
        PRIVATE = "private_sector", _("Private sector")
        FAMILY = "family_community", _("Family / community")
        OTHER = "other", _("Other")

    group = models.ForeignKey(
        "taxonomy.PopulationGroup", on_delete=models.CASCADE, related_name="roles"
    )
    country = models.CharField(_("country"), max_length=100, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=30, choices=DutyLevel.choices, blank=True)
    claims_or_obligations = models.TextField(
        _("claims (rights-holders) or obligations (duty-bearers)")
    )
    institution = models.ForeignKey(
        "recommendations.Institution",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recommendations = models.ManyToManyField(
        "recommendations.Recommendation", blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class CapacityGap(models.Model):
    class Dimension(models.TextChoices):
        RESPONSIBILITY = "responsibility", _("Responsibility / motivation")
        AUTHORITY = "authority", _("Authority")
        HUMAN = "resources_human", _("Resources: human")
        FINANCIAL = "resources_financial", _("Resources: financial")
        TECHNICAL = "resources_technical", _("Resources: technical")
        KNOWLEDGE = "knowledge", _("Knowledge and information")
        COMMUNICATION = "communication", _("Communication and participation")
        LEGAL = "legal", _("Legal framework")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    role = models.ForeignKey(RoleEntry, on_delete=models.CASCADE, related_name="gaps")
    country = models.CharField(
        _("country"), max_length=100, db_index=True, editable=False, help_text=_("Its role's.")
    )
    dimension = models.CharField(max_length=30, choices=Dimension.choices)
    description = models.TextField()
    severity = models.CharField(max_length=10, choices=Severity.choices)

    class Meta:
        ordering = ["role", "dimension"]

    def __str__(self) -> str:
        return f"{self.role}: {self.get_dimension_display()}"

    def save(self, *args, **kwargs):
        self.country = self.role.country
        super().save(*args, **kwargs)


class Citation(models.Model):
    """Evidence cited by a cause or a capacity gap: a run, a story, a quote or a
    recommendation."""

    cause = models.ForeignKey(
        Cause, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    capacity_gap = models.ForeignKey(
        CapacityGap, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    run = models.ForeignKey(
        "analysis.Run", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    narrative = models.ForeignKey(
        "consultations.Narrative", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    quote = models.ForeignKey(
        "consultations.Quote", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recommendation = models.ForeignKey(
        "recommendations.Recommendation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    note = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.note or "citation"

    @property
    def target(self):
        return self.run or self.narrative or self.quote or self.recommendation


class GroupAction(models.Model):
    class Kind(models.TextChoices):
        ADVOCACY = "advocacy", _("Advocacy")
        ENABLING = "enabling_environment", _("Enabling environment")
        CAPACITY = "capacity_development", _("Capacity development")
        EMPOWERMENT = "community_empowerment", _("Community empowerment")
        SERVICES = "services", _("Services")
        PROTECTION = "social_protection", _("Social protection")
        PARTNERSHIPS = "partnerships", _("Partnerships")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(
        "taxonomy.PopulationGroup", on_delete=models.CASCADE, related_name="lnob_actions"
    )
    country = models.CharField(_("country"), max_length=100, db_index=True)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    causes = models.ManyToManyField(Cause, blank=True, related_name="actions")
    capacity_gaps = models.ManyToManyField(CapacityGap, blank=True, related_name="actions")
    recommendations = models.ManyToManyField(
        "recommendations.Recommendation", blank=True, related_name="+"
    )
    owner = models.CharField(max_length=200)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)

    class Meta:
        ordering = ["status", "ends_on"]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    group = models.ForeignKey(
        "taxonomy.PopulationGroup", on_delete=models.CASCADE, related_name="evidence_comments"
    )
    country = models.CharField(_("country"), max_length=100, db_index=True)
    element = models.CharField(max_length=60, help_text="e.g. cause:12, role:3, page")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class Revision(models.Model):
    """Who changed what on a group page, when (the analyses are versioned)."""

    group = models.ForeignKey(
        "taxonomy.PopulationGroup", on_delete=models.CASCADE, related_name="evidence_revisions"
    )
    country = models.CharField(_("country"), max_length=100, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    element = models.CharField(max_length=60)
    change = models.CharField(max_length=20)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.element} {self.change}"


class CircumstanceFactor(models.Model):
    """Which of the five factors a survey circumstance speaks to, by its exact name
    (compared without case or surrounding spaces): "Residence" → geography.

    Rows without a country are the defaults for every country (seeded from the ESCAP preset
    circumstances); RCO staff add rows for their own country, which take precedence. A
    circumstance that is in neither speaks to no factor (never guessed from a substring)."""

    circumstance = models.CharField(_("circumstance"), max_length=100)
    country = models.CharField(
        _("country"),
        max_length=100,
        blank=True,
        db_index=True,
        help_text=_("Empty: the default for every country."),
    )
    factor = models.SlugField(
        _("factor"), max_length=30, help_text=_("The code of one of the five factors.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "circumstance"]
        constraints = [
            models.UniqueConstraint(
                fields=["circumstance", "country"], name="one_factor_per_circumstance"
            )
        ]

    def __str__(self) -> str:
        return f"{self.circumstance} → {self.factor}"

    def save(self, *args, **kwargs):
        self.circumstance = " ".join(self.circumstance.split())
        super().save(*args, **kwargs)


class CampaignFeedback(models.Model):
    """Closing the loop: a campaign's public "what we heard and what is happening" page in
    one of its languages, written and published by RCO staff of the campaign's country.

    The counts, quotes and actions on the page are derived when it is shown (suppressed,
    publication-consented quotes only); this holds the words people wrote for it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    campaign = models.ForeignKey(
        "consultations.Campaign", on_delete=models.CASCADE, related_name="feedback_pages"
    )
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    heard = models.TextField(
        _("what we heard"), help_text=_("In plain words: what people told us, in summary.")
    )
    happening = models.TextField(
        _("what is happening"),
        help_text=_("What has been done or decided with what people said, and what has not."),
    )
    easy_read = models.TextField(
        _("easy-read version"),
        blank=True,
        help_text=_("Short sentences, one idea per line. Each line is shown as its own point."),
    )
    next_update = models.DateField(_("date of the next update"), null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language"], name="one_feedback_page_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} ({self.language})"


# Monitoring indicators (LNOB guide step 4) live in their own module of this app.
from .monitoring.models import MonitoringIndicator, MonitoringValue  # noqa: E402, F401
