"""Community voice: campaigns, instruments with signifiers, narratives (stories) with
self-signification and self-identification, focus-group records, consent, partner uploads.

Privacy by construction: identities are only what people say about themselves; every story
and focus group carries its consent record; a receipt code (stored only as a hash) lets a
teller withdraw; withdrawals and reviews are logged without content.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _token() -> str:
    return secrets.token_urlsafe(24)


def receipt_hash(code: str) -> str:
    """Receipt codes are stored hashed, so a database copy cannot be used to withdraw."""
    normalised = "".join(code.split()).upper().replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def localised(labels: dict | str | None, language: str | None = None) -> str:
    """A label from a {language: text} dict, in the active language, else English, else any."""
    if not labels:
        return ""
    if isinstance(labels, str):
        return labels
    language = (language or get_language() or "en")[:2]
    return labels.get(language) or labels.get("en") or next(iter(labels.values()), "")


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    class LocationLevel(models.TextChoices):
        NONE = "none", _("Do not record location")
        COUNTRY = "country", _("Country only")
        REGION = "region", _("Region / province")
        DISTRICT = "district", _("District")

    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), help_text=_("Shown to respondents, in plain words."))
    # The purpose in every campaign language ({language: text}); ``purpose`` keeps the text
    # in the campaign's first language for staff pages and older code.
    purpose_translations = models.JSONField(_("purpose in each language"), default=dict, blank=True)
    country = models.CharField(_("country"), max_length=100)
    location_level = models.CharField(
        _("location it may record"),
        max_length=20,
        choices=LocationLevel.choices,
        default=LocationLevel.REGION,
    )
    locations = models.TextField(
        _("allowed places"),
        blank=True,
        help_text=_("One per line, at the level above (e.g. the provinces). Empty: free text."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    languages = models.JSONField(_("languages"), default=list)
    target_groups = models.ManyToManyField(
        "taxonomy.PopulationGroup",
        blank=True,
        related_name="campaigns",
        verbose_name=_("groups it wants to hear"),
    )
    partners = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="campaigns",
        verbose_name=_("invited partner organisations"),
    )
    retention_days = models.PositiveIntegerField(
        _("retention period (days)"),
        default=3 * 365,
        help_text=_("Stories and focus-group records are deleted this long after they were given."),
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    public_link_enabled = models.BooleanField(
        _("allow a public link"),
        default=False,
        help_text=_(
            "Community members without an account may tell their story through an unguessable link."
        ),
    )
    public_token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultations:campaign_detail", args=[self.pk])

    @property
    def first_language(self) -> str:
        return (self.languages or ["en"])[0]

    @property
    def current_consent(self):
        """The latest consent text in the campaign's first language (else in any language, for
        a campaign whose languages changed after its texts were written)."""
        return (
            self.consent_for(self.first_language)
            or self.consent_texts.order_by("-created_at", "-pk").first()
        )

    def consent_for(self, language: str):
        """The latest consent text in ``language`` (None when there is none)."""
        return self.consent_texts.filter(language=language).order_by("-version").first()

    def latest_consents(self) -> list:
        """The latest consent text in each of the campaign's languages (where there is one)."""
        latest = {}
        for text in self.consent_texts.order_by("language", "-version"):
            latest.setdefault(text.language, text)
        return [latest[code] for code in self.languages or [] if code in latest]

    def purpose_text(self, language: str | None = None) -> str:
        return self.purpose_translations.get(language or "") or self.purpose

    def accepts_stories_on(self, day) -> bool:
        return self.status == self.Status.OPEN and self.starts_on <= day <= self.ends_on

    def location_choices(self) -> list[str]:
        return [line.strip() for line in self.locations.splitlines() if line.strip()]


class ConsentText(models.Model):
    """A version of a campaign's consent text in one language. Editing the text in a language
    creates a new version for that language; a story points to the exact text (version and
    language) its teller agreed to."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="consent_texts")
    language = models.CharField(max_length=10, default="en")
    version = models.PositiveIntegerField()
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language", "version"], name="unique_consent_language_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language} v{self.version}"


class Instrument(models.Model):
    """A micro-narrative instrument: a prompt, the story, and self-signification questions."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="instruments")
    name = models.CharField(_("name"), max_length=200)
    prompt = models.JSONField(_("prompt"), default=dict, help_text=_("{language: text}"))
    ask_groups = models.BooleanField(_("ask which groups people identify with"), default=True)
    ask_age = models.BooleanField(_("ask the age band"), default=True)
    ask_sex = models.BooleanField(_("ask sex / gender"), default=True)
    ask_washington_group = models.BooleanField(
        _("ask the Washington Group short set on functioning"), default=False
    )
    group_choices = models.ManyToManyField(
        "taxonomy.PopulationGroup",
        blank=True,
        related_name="+",
        verbose_name=_("groups offered for self-identification"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "pk"]

    def __str__(self) -> str:
        return self.name

    def prompt_text(self, language: str | None = None) -> str:
        return localised(self.prompt, language)


class Signifier(models.Model):
    class Kind(models.TextChoices):
        TRIAD = "triad", _("Triad (three corners)")
        DYAD = "dyad", _("Dyad (slider between two ends)")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="signifiers")
    order = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=50)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    question = models.JSONField(default=dict, help_text=_("{language: text}"))
    # triad: [{lang: label} ×3]; dyad: [{lang: left}, {lang: right}];
    # choices: [{"value": "x", "label": {lang: text}}, …]
    labels = models.JSONField(default=list)
    allow_other = models.BooleanField(default=False)
    # The current version. Editing a question that stories have answered keeps the old
    # wording and choices as a SignifierVersion and counts up; stories keep the version they
    # answered (Narrative.answer_versions).
    version = models.PositiveIntegerField(default=1)
    # Whether answers to this version may be pooled with those to the previous one (same
    # kind and same choices; for a triad or dyad, the editor says the meaning is unchanged).
    combines_with_previous = models.BooleanField(default=True)

    class Meta:
        ordering = ["instrument", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "key"], name="unique_signifier_key")
        ]

    def __str__(self) -> str:
        return self.key

    def question_text(self, language: str | None = None) -> str:
        return localised(self.question, language)

    def label_texts(self, language: str | None = None) -> list[str]:
        if self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE):
            return [localised(option.get("label"), language) for option in self.labels]
        return [localised(label, language) for label in self.labels]

    def option_values(self) -> list[str]:
        return [str(option.get("value")) for option in self.labels]

    def combinable_versions(self) -> list[int]:
        """The versions whose answers analysis pools with the current one: walking back from
        the current version while each version combines with the one before it."""
        flags = {self.version: self.combines_with_previous} | {
            v.version: v.combines_with_previous for v in self.versions.all()
        }
        pooled = [self.version]
        while flags.get(pooled[-1]) and pooled[-1] - 1 in flags:
            pooled.append(pooled[-1] - 1)
        return sorted(pooled)


class SignifierVersion(models.Model):
    """An earlier version of a question, as stories answered it (wording, labels, choices)."""

    signifier = models.ForeignKey(Signifier, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Signifier.Kind.choices)
    question = models.JSONField(default=dict)
    labels = models.JSONField(default=list)
    allow_other = models.BooleanField(default=False)
    combines_with_previous = models.BooleanField(default=True)
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["signifier", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["signifier", "version"], name="unique_signifier_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signifier_id} v{self.version}"

    def question_text(self, language: str | None = None) -> str:
        return localised(self.question, language)

    def label_texts(self, language: str | None = None) -> list[str]:
        if self.kind in (Signifier.Kind.SINGLE, Signifier.Kind.MULTIPLE):
            return [localised(option.get("label"), language) for option in self.labels]
        return [localised(label, language) for label in self.labels]


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    ON_HOLD = "on_hold", _("On hold")
    NOT_APPROVED = "not_approved", _("Not approved")


class ConsentRecord(models.Model):
    """The consent every story and focus-group record carries."""

    class How(models.TextChoices):
        SELF = "self", _("Given by the person themselves")
        VERBAL = "verbal", _("Verbal, recorded by the data collector")
        WRITTEN = "written", _("Written")

    consent_text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+")
    consent_how = models.CharField(_("how consent was given"), max_length=10, choices=How.choices)
    consent_date = models.DateField(_("date of consent"))
    use_analysis = models.BooleanField(_("may be used for analysis"), default=True)
    use_quotation = models.BooleanField(_("may be quoted anonymously"), default=False)
    use_publication = models.BooleanField(_("may be published"), default=False)
    retain_until = models.DateField(_("keep until"), db_index=True)

    class Meta:
        abstract = True


class Reviewable(models.Model):
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Theme(models.Model):
    """A theme tag for stories and focus-group discussions."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Narrative(ConsentRecord, Reviewable):
    """A story told by a person, self-signified and self-identified."""

    class Channel(models.TextChoices):
        FORM = "form", _("Portal form (data collector)")
        PUBLIC = "public", _("Public link")
        UPLOAD = "upload", _("Partner upload")

    class Sex(models.TextChoices):
        FEMALE = "female", _("Woman / female")
        MALE = "male", _("Man / male")
        OTHER = "other", _("In another way")
        PREFER_NOT = "prefer_not", _("Prefer not to say")

    AGE_BANDS = ["under_18", "18_24", "25_34", "35_49", "50_64", "65_plus", "prefer_not"]

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="narratives")
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="narratives")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="narratives",
    )
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.FORM)
    external_key = models.CharField(max_length=100, blank=True)
    # The upload a story came from, so deleting the story also deletes any raw copy of it.
    source_upload = models.ForeignKey(
        "Upload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=10, default="en")
    title = models.CharField(_("title of the story"), max_length=200, blank=True)
    story = models.TextField(_("story"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    age_band = models.CharField(max_length=20, blank=True)
    sex = models.CharField(max_length=20, choices=Sex.choices, blank=True)
    groups = models.ManyToManyField(
        "taxonomy.PopulationGroup",
        blank=True,
        related_name="narratives",
        verbose_name=_("groups the teller identifies with"),
    )
    groups_none = models.BooleanField(default=False)
    groups_prefer_not = models.BooleanField(default=False)
    groups_other = models.CharField(max_length=200, blank=True)
    washington_group = models.JSONField(default=dict, blank=True)
    has_disability = models.BooleanField(
        null=True,
        blank=True,
        help_text=_(
            "Washington Group cut-off: 'a lot of difficulty' or 'cannot do' "
            "in at least one domain; empty when not asked."
        ),
    )
    answers = models.JSONField(default=dict, blank=True)
    # {signifier key: the version of the question that was answered}; a key missing here
    # (stories stored before versioning) means version 1.
    answer_versions = models.JSONField(default=dict, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="narratives")
    factors = models.ManyToManyField("taxonomy.Factor", blank=True, related_name="narratives")
    sdg_targets = models.ManyToManyField("taxonomy.SDGTarget", blank=True, related_name="+")
    receipt_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "external_key"],
                condition=~models.Q(external_key=""),
                name="unique_external_submission",
            )
        ]

    def __str__(self) -> str:
        return self.title or f"Story {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("consultations:narrative_detail", args=[self.pk])


class FocusGroup(ConsentRecord, Reviewable):
    """A focus-group discussion record: counts, never names."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="focus_groups")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="focus_groups",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    facilitator = models.CharField(_("facilitator (optional)"), max_length=200, blank=True)
    note_taker = models.CharField(_("note-taker (optional)"), max_length=200, blank=True)
    languages = models.CharField(_("languages"), max_length=200)
    interpretation = models.CharField(_("interpretation"), max_length=200, blank=True)
    accommodations = models.JSONField(_("accessibility accommodations"), default=list, blank=True)
    participants = models.JSONField(
        _("participant counts"),
        default=dict,
        help_text=_("Counts only: {'sex': {...}, 'age': {...}, 'disability': {...}}"),
    )
    groups = models.ManyToManyField(
        "taxonomy.PopulationGroup",
        blank=True,
        related_name="focus_groups",
        verbose_name=_("self-identified groups represented"),
    )
    consent_obtained = models.TextField(_("how consent was obtained (by whom, when)"))
    questions = models.TextField(_("questions asked"))
    feedback = models.TextField(_("feedback given back to participants"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.place}, {self.held_on}"

    def get_absolute_url(self) -> str:
        return reverse("consultations:focus_group_detail", args=[self.pk])


class FocusGroupTheme(models.Model):
    focus_group = models.ForeignKey(FocusGroup, on_delete=models.CASCADE, related_name="themes")
    summary = models.TextField()
    factors = models.ManyToManyField("taxonomy.Factor", blank=True, related_name="+")
    sdg_targets = models.ManyToManyField("taxonomy.SDGTarget", blank=True, related_name="+")

    def __str__(self) -> str:
        return self.summary[:60]


class Quote(models.Model):
    """A quote from a discussion, attributed to a self-described group, never a person."""

    focus_group = models.ForeignKey(FocusGroup, on_delete=models.CASCADE, related_name="quotes")
    text = models.TextField()
    speaker_group = models.CharField(
        _("said by (self-described group)"),
        max_length=200,
        help_text=_("e.g. 'a young woman with a disability', never a name."),
    )
    groups = models.ManyToManyField("taxonomy.PopulationGroup", blank=True, related_name="quotes")

    def __str__(self) -> str:
        return self.text[:60]


class ColumnMapping(models.Model):
    """A partner's saved mapping of export columns to the instrument's fields."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="mappings")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="+")
    export_format = models.CharField(max_length=20)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation", "instrument", "export_format"],
                name="one_mapping_per_partner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.instrument} · {self.export_format}"


class Upload(models.Model):
    """A partner's upload of data collected offline (KoboToolbox / ODK Central export).

    States (``status``, with ``status_changed_at`` set on every change)::

        stored → checking → mapping → checking → preview → importing → imported
                                 ↑________________|            (any) → failed

    ``stored``: the file is on disk, waiting for a worker; ``checking``: a worker reads the
    header (then ``mapping``) or checks every row (then ``preview``); ``importing``: a worker
    stores the rows. Requests never parse the file; the columns, preview and problems are
    stored here once. ``imported`` and ``failed`` are final: the raw file is gone (or kept for
    ``UPLOAD_RAW_RETENTION_HOURS``, reduced to the mapped columns, until ``raw_delete_after``).
    """

    class Status(models.TextChoices):
        STORED = "stored", _("Waiting to be checked")
        CHECKING = "checking", _("Being checked")
        MAPPING = "mapping", _("Map the columns")
        PREVIEW = "preview", _("Preview")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Not imported")
        UNDONE = "undone", _("Undone")

    #: A worker is (or should be) busy with the upload; a reaper may fail those whose
    #: ``status_changed_at`` is too old ("the worker stopped; upload the file again").
    RUNNING_STATUSES = (Status.STORED, Status.CHECKING, Status.IMPORTING)
    FINAL_STATUSES = (Status.IMPORTED, Status.FAILED, Status.UNDONE)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="uploads")
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="uploads"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to="uploads/", max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    export_format = models.CharField(max_length=20, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.STORED, db_index=True
    )
    status_changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    consent_how = models.CharField(
        max_length=10, choices=ConsentRecord.How.choices, default=ConsentRecord.How.VERBAL
    )
    columns = models.JSONField(default=list, blank=True)
    #: What the worker read besides the columns, for the mapping step: ``{"units": [[repeat
    #: group, rows], …], "samples": {column: [first non-empty values]}}``. Cleared with the
    #: raw file (the samples are answers).
    inspection = models.JSONField(default=dict, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_ok = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_deleted_earlier = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    # The templates of the parts of ``message`` (common.messages.message_data; a refusal or
    # the reading notes, joined by spaces), so it is shown in the reader's language.
    message_data = models.JSONField(default=list, blank=True)
    raw_delete_after = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: The partner sync that pulled this upload (``consultations.sync``). While the sync is
    #: connected, its accepted rows can be imported while the rejected ones wait in the
    #: sync's queue for a fix at the source; an upload by hand (or of a disconnected sync,
    #: whose queue is gone) is imported whole or not at all.
    sync = models.ForeignKey(
        "PartnerSync", null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("consultations:upload_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING_STATUSES

    @property
    def reference(self) -> str:
        """Quoted to RCO staff when something failed; the log carries the same reference."""
        return f"U{self.pk}"


class SubmissionTombstone(models.Model):
    """That a submission (Kobo ``meta/rootUuid``, ODK ``meta-instanceID``…) of a campaign was
    deleted, so a later upload of the same export does not bring it back. Holds only the
    SHA-256 of campaign and key (see ``tombstone_hash``), never the content."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tombstones")
    key_hash = models.CharField(max_length=64)
    reason = models.CharField(max_length=20)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key_hash"], name="unique_tombstone")
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.at:%Y-%m-%d}"


def tombstone_hash(campaign_id: int, external_key: str) -> str:
    return hashlib.sha256(f"{campaign_id}:{external_key[:100]}".encode()).hexdigest()


class Withdrawal(models.Model):
    """That a story was withdrawn (or expired), and when — never what it said."""

    class Reason(models.TextChoices):
        WITHDRAWN = "withdrawn", _("Withdrawn by the teller")
        RETENTION = "retention", _("Retention period ended")
        DELETED = "deleted", _("Deleted by RCO staff")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="withdrawals")
    kind = models.CharField(max_length=20)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.reason} {self.at:%Y-%m-%d}"


class ReceiptBatch(models.Model):
    """A sheet of receipt cards printed by a partner before offline field work. The codes
    are shown once, on the printable sheet; only their hashes are kept (``ReceiptCard``)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="receipt_batches")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="receipt_batches"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    count = models.PositiveIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.count} receipt cards, {self.issued_at:%Y-%m-%d}"


class ReceiptCard(models.Model):
    """One pre-issued receipt code (hashed like a story's), for one organisation and campaign.
    An import links it to the story whose row carries the code; the teller then withdraws
    the story with the card exactly as an online teller does with their receipt."""

    batch = models.ForeignKey(ReceiptBatch, on_delete=models.CASCADE, related_name="cards")
    code_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"card {self.pk}"


class PartnerSync(models.Model):
    """A partner's KoboToolbox project or ODK Central form connected to an instrument: its
    submissions are pulled on a schedule into uploads (``consultations.sync``). The token is
    stored encrypted (``token_encrypted``) and never shown again."""

    class Kind(models.TextChoices):
        KOBO = "kobo", _("KoboToolbox")
        ODK = "odk", _("ODK Central")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="syncs")
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="syncs"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    server = models.URLField(max_length=300)
    asset_uid = models.CharField(max_length=100, blank=True)
    project_id = models.PositiveIntegerField(null=True, blank=True)
    form_id = models.CharField(max_length=200, blank=True)

    class Login(models.TextChoices):
        TOKEN = "token", _("API token")
        PASSWORD = "password", _("Web user's e-mail and password")

    #: What ``token_encrypted`` holds: an API / session token (Kobo ``Token``, ODK Central
    #: ``Bearer``) or, for ODK Central, a web user's e-mail and password (HTTP Basic on each
    #: pull, as Central's session tokens expire after 24 hours).
    login = models.CharField(max_length=10, choices=Login.choices, default=Login.TOKEN)
    token_encrypted = models.TextField(editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_upload = models.ForeignKey(
        Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_message = models.TextField(blank=True)
    #: ``last_message``'s template and parameters (``common.messages``), so each viewer
    #: reads it in their own language; empty for a text stored without them.
    last_message_data = models.JSONField(default=dict, blank=True)
    #: Set while a pull runs (cleared with its outcome); a pull older than the task's time
    #: limit is taken as dead. Two pulls of one sync never overlap, and no row lock is held
    #: while the partner's server is read.
    pulling_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # one sync per form and partner: a second would import the same submissions
            # twice and keep a second copy of the token (project_id is null for Kobo)
            models.UniqueConstraint(
                "instrument",
                "organisation",
                "kind",
                "server",
                "asset_uid",
                Coalesce("project_id", models.Value(0)),
                "form_id",
                name="partner_sync_one_per_form",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.asset_uid or self.form_id} → {self.instrument}"


class SyncRowIssue(models.Model):
    """A submission of a synced Kobo project / ODK form whose row the checks rejected: it
    waits in the partner's queue (the sync's page) for a fix at the source. Filled after each
    pull's row check; resolved when a later check of the same sync accepts the submission or
    it is imported (``consultations.sync``). Holds the submission's id and the reasons, never
    its answers. ``campaign`` and ``organisation`` are the sync's, for the access policy."""

    sync = models.ForeignKey(PartnerSync, on_delete=models.CASCADE, related_name="issues")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    #: The source submission's stable id (Kobo meta/rootUuid, _uuid or _id; ODK instanceID),
    #: as the upload's check reads it.
    submission_key = models.CharField(max_length=100)
    #: The unit of a story when the check rejected it ("" each submission, else the repeat
    #: group): only a check with the same unit can tell that it was fixed.
    unit = models.CharField(max_length=300, blank=True, default="")
    reasons = models.JSONField(default=list)
    #: Beside each reason, its template and parameters (``common.messages.message_data``)
    #: or null, so the queue reads in the viewer's language.
    reason_data = models.JSONField(default=list, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_upload = models.ForeignKey(
        Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["first_seen", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sync", "submission_key"], name="one_issue_per_synced_submission"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_key} ({'fixed' if self.resolved_at else 'waiting'})"
