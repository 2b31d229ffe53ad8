"""Shared vocabularies that every evidence stream speaks: groups, factors, SDGs."""

from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TranslatedTitleMixin(models.Model):
    """Titles in the three portal languages; ``title`` picks the active one (English fallback)."""

    title_en = models.TextField(_("title (English)"))
    title_fr = models.TextField(_("title (French)"), blank=True)
    title_es = models.TextField(_("title (Spanish)"), blank=True)

    class Meta:
        abstract = True

    @property
    def title(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"title_{language}", "") or self.title_en


class PopulationGroup(models.Model):
    """A population group, e.g. "Persons with disabilities", or an intersection of groups.

    Groups form an editable hierarchy (``parent``). An intersection such as "Indigenous
    women" is a group whose ``components`` are the groups it combines; evidence about an
    intersection is evidence about people who belong to all of its components.
    """

    class Source(models.TextChoices):
        UHRI = "uhri", _("UHRI affected persons")
        LNOB = "lnob", _("Common LNOB group")
        COUNTRY = "country", _("Country-specific")
        INTERSECTION = "intersection", _("Intersection")
        IMPORT = "import", _("Created by an import")

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    # The name in other languages ({"fr": …, "es": …}); ``name`` is the English name.
    labels = models.JSONField(_("name in other languages"), default=dict, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("broader group"),
    )
    components = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="intersections",
        verbose_name=_("intersection of"),
    )
    uhri_label = models.CharField(
        _("UHRI label"),
        max_length=200,
        blank=True,
        help_text=_("The label used by OHCHR's Universal Human Rights Index, if any."),
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.LNOB)
    rights_holder = models.BooleanField(
        _("rights-holders"),
        default=True,
        help_text=_(
            "Whether the group's members are rights-holders whom development may leave "
            "behind. Unticked for professions and institutions that human-rights "
            "recommendations address as actors (judges, media, police, civil society, "
            "parliamentarians, NHRIs…): survey leaves are linked to rights-holder groups."
        ),
    )
    needs_review = models.BooleanField(
        _("needs review"),
        default=False,
        help_text=_(
            "Created automatically (e.g. from an unknown import label); "
            "RCO staff should confirm or merge it."
        ),
    )

    class Meta:
        verbose_name = _("population group")
        verbose_name_plural = _("population groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:200]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("taxonomy:group_detail", kwargs={"slug": self.slug})

    def name_in(self, language: str) -> str:
        """The name in ``language`` ("" when that translation is missing; English is ``name``)."""
        return self.name if language == "en" else self.labels.get(language, "")


class GroupSynonym(models.Model):
    """Another label for a group (older UPR wording, a translation, a local name)."""

    group = models.ForeignKey(PopulationGroup, on_delete=models.CASCADE, related_name="synonyms")
    label = models.CharField(_("label"), max_length=200)
    normalised = models.CharField(max_length=200, unique=True, editable=False)

    class Meta:
        verbose_name = _("group synonym")
        verbose_name_plural = _("group synonyms")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        self.normalised = normalise_label(self.label)
        super().save(*args, **kwargs)


def normalise_label(label: str) -> str:
    """Case-, space- and punctuation-insensitive key used to match vocabulary labels."""
    text = label.strip().lstrip("-").strip().lower().replace("&", "and")
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


class Factor(models.Model):
    """One of the five factors of the UNSDG LNOB framework."""

    code = models.SlugField(max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("factor")
        verbose_name_plural = _("five factors")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class SDGGoal(TranslatedTitleMixin):
    number = models.PositiveSmallIntegerField(unique=True)
    short_en = models.CharField(max_length=200, blank=True)
    short_fr = models.CharField(max_length=200, blank=True)
    short_es = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("SDG goal")
        verbose_name_plural = _("SDG goals")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.short}"

    @property
    def short(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"short_{language}", "") or self.short_en


class SDGTarget(TranslatedTitleMixin):
    code = models.CharField(max_length=10, unique=True)  # "1.2", "16.b"
    goal = models.ForeignKey(SDGGoal, on_delete=models.CASCADE, related_name="targets")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("SDG target")
        verbose_name_plural = _("SDG targets")
        ordering = ["goal__number", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class SDGIndicator(TranslatedTitleMixin):
    code = models.CharField(max_length=15, unique=True)  # "1.2.1"
    target = models.ForeignKey(SDGTarget, on_delete=models.CASCADE, related_name="indicators")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("SDG indicator")
        verbose_name_plural = _("SDG indicators")
        ordering = ["target__goal__number", "target__order", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
