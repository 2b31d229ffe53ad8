from django import forms
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from taxonomy.models import Factor, PopulationGroup, SDGTarget

from .models import Campaign, FocusGroup, Instrument, Narrative, ReviewStatus, Signifier
from .services import WG_ANSWERS, WG_DOMAINS

LANGUAGE_CHOICES = [(code, name) for code, name in settings.LANGUAGES]
AGE_BAND_CHOICES = [
    ("", _("—")),
    ("under_18", _("Under 18")),
    ("18_24", "18–24"),
    ("25_34", "25–34"),
    ("35_49", "35–49"),
    ("50_64", "50–64"),
    ("65_plus", _("65 or older")),
    ("prefer_not", _("Prefer not to say")),
]
WG_LABELS = {
    "seeing": _("Do you have difficulty seeing, even if wearing glasses?"),
    "hearing": _("Do you have difficulty hearing, even if using a hearing aid?"),
    "walking": _("Do you have difficulty walking or climbing steps?"),
    "cognition": _("Do you have difficulty remembering or concentrating?"),
    "self_care": _("Do you have difficulty with self-care, such as washing all over or dressing?"),
    "communication": _(
        "Using your usual language, do you have difficulty communicating, for "
        "example understanding or being understood?"
    ),
}
WG_CHOICES = [("", _("— prefer not to answer —"))] + list(
    zip(
        WG_ANSWERS,
        [
            _("No difficulty"),
            _("Some difficulty"),
            _("A lot of difficulty"),
            _("Cannot do at all"),
        ],
        strict=True,
    )
)


class CampaignForm(forms.ModelForm):
    """A campaign with its purpose and consent text in each portal language. The texts of the
    chosen languages are required before the campaign can open."""

    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Respondents choose among these. Every text they read must exist in each of them "
            "before the campaign can open."
        ),
    )

    class Meta:
        model = Campaign
        fields = [
            "title",
            "country",
            "location_level",
            "locations",
            "starts_on",
            "ends_on",
            "languages",
            "target_groups",
            "partners",
            "retention_days",
            "status",
            "public_link_enabled",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "locations": forms.Textarea(attrs={"rows": 4}),
            "target_groups": forms.SelectMultiple(attrs={"size": 8}),
            "partners": forms.SelectMultiple(attrs={"size": 5}),
        }

    def __init__(self, *args, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"] = forms.ChoiceField(
            label=_("Country"), choices=[(c, c) for c in sorted(countries)]
        )
        self.fields["partners"].queryset = Organisation.objects.filter(
            country__in=countries, kind__in=["cso", "opd", "nhri", "academic"]
        )
        self.fields["target_groups"].queryset = PopulationGroup.objects.order_by("name")
        campaign = self.instance
        for code, name in LANGUAGE_CHOICES:
            purpose = forms.CharField(
                label=_("Purpose (%(language)s)") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3, "lang": code}),
                help_text=_("Shown to respondents, in plain words."),
            )
            consent = forms.CharField(
                label=_("Consent text (%(language)s)") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 6, "lang": code}),
                help_text=_(
                    "What people agree to, in plain words. Changing it creates a new version; "
                    "stories keep the version and language they were given under."
                ),
            )
            if campaign.pk:
                purpose.initial = campaign.purpose_translations.get(code, "")
                current = campaign.consent_for(code)
                consent.initial = current.text if current else ""
            self.fields[f"purpose_{code}"] = purpose
            self.fields[f"consent_{code}"] = consent

    def clean(self):
        data = super().clean()
        languages = data.get("languages") or []
        if languages and not (data.get(f"purpose_{languages[0]}") or "").strip():
            self.add_error(
                f"purpose_{languages[0]}", _("Give the purpose at least in the first language.")
            )
        return data

    def save(self, commit=True):
        campaign = super().save(commit=False)
        data = self.cleaned_data
        campaign.purpose_translations = {
            code: data[f"purpose_{code}"].strip()
            for code in data["languages"]
            if data.get(f"purpose_{code}", "").strip()
        }
        campaign.purpose = campaign.purpose_translations.get(data["languages"][0], "")
        if commit:
            campaign.save()
        return campaign

    def consent_texts(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"consent_{code}", "")
            for code in self.cleaned_data.get("languages") or []
        }


class InstrumentForm(forms.ModelForm):
    class Meta:
        model = Instrument
        fields = [
            "name",
            "ask_groups",
            "group_choices",
            "ask_age",
            "ask_sex",
            "ask_washington_group",
        ]
        widgets = {"group_choices": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, languages=("en",), **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = list(languages) or ["en"]
        prompt = self.instance.prompt if self.instance.pk else {}
        for code in self.languages:
            self.fields[f"prompt_{code}"] = forms.CharField(
                label=_("Prompt (%(lang)s)") % {"lang": code},
                initial=prompt.get(code, ""),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=code == self.languages[0],
                help_text=_(
                    "e.g. “Tell us about a time when you could not get a service you needed.”"
                ),
            )
        self.fields["group_choices"].queryset = PopulationGroup.objects.order_by("name")

    def prompts(self) -> dict:
        return {
            c: self.cleaned_data[f"prompt_{c}"]
            for c in self.languages
            if self.cleaned_data.get(f"prompt_{c}")
        }


class SignifierForm(forms.ModelForm):
    labels_text = forms.CharField(
        label=_("Labels"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: the 3 corners of a triad, the 2 ends of a dyad, or the "
            "choices. For several languages, separate them with “ | ” in the "
            "campaign's language order, e.g. “Family | Famille”."
        ),
    )

    class Meta:
        model = Signifier
        fields = ["kind", "key", "allow_other"]
        help_texts = {"key": _("A short name for exports, e.g. “who_helped”.")}

    def __init__(self, *args, languages=("en",), **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = list(languages) or ["en"]
        question = self.instance.question if self.instance.pk else {}
        for code in self.languages:
            self.fields[f"question_{code}"] = forms.CharField(
                label=_("Question (%(lang)s)") % {"lang": code},
                initial=question.get(code, ""),
                required=code == self.languages[0],
            )
        if self.instance.pk:
            lines = []
            items = self.instance.labels
            for item in items:
                labels = item.get("label", item) if isinstance(item, dict) else {}
                lines.append(" | ".join(labels.get(c, "") for c in self.languages))
            self.fields["labels_text"].initial = "\n".join(lines)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        lines = [line for line in data.get("labels_text", "").splitlines() if line.strip()]
        expected = {"triad": 3, "dyad": 2}.get(kind)
        if expected and len(lines) != expected:
            raise forms.ValidationError(
                _("A %(kind)s needs exactly %(n)s labels, one per line.")
                % {"kind": kind, "n": expected}
            )
        if kind in ("single", "multiple") and len(lines) < 2:
            raise forms.ValidationError(_("Give at least two choices, one per line."))
        parsed = []
        for line in lines:
            parts = [p.strip() for p in line.split("|")]
            parsed.append(
                {
                    code: parts[i] if i < len(parts) else parts[0]
                    for i, code in enumerate(self.languages)
                }
            )
        if kind in ("single", "multiple"):
            from django.utils.text import slugify

            parsed = [
                {"value": slugify(p[self.languages[0]])[:40] or f"option_{i}", "label": p}
                for i, p in enumerate(parsed, start=1)
            ]
        data["labels"] = parsed
        data["question"] = {
            c: data.get(f"question_{c}") for c in self.languages if data.get(f"question_{c}")
        }
        return data


class SignifierEditForm(SignifierForm):
    """Edit a question's wording, labels or choices. Its kind and short name stay (answers are
    stored under the short name; a new kind is a new question)."""

    same_meaning = forms.BooleanField(
        label=_("The corners or ends still mean the same (a wording fix or a translation)"),
        required=False,
        initial=True,
        help_text=_(
            "Stories already answered keep the version they answered. Tick this when the "
            "answers to both versions may be analysed together."
        ),
    )

    class Meta(SignifierForm.Meta):
        fields = ["allow_other"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("labels_text", "allow_other", "same_meaning"):
            self.fields[name] = self.fields.pop(name)
        if self.instance.kind not in (Signifier.Kind.TRIAD, Signifier.Kind.DYAD):
            del self.fields["same_meaning"]

    def clean(self):
        self.cleaned_data["kind"] = self.instance.kind
        data = super().clean()
        if self.instance.kind in (Signifier.Kind.SINGLE, Signifier.Kind.MULTIPLE):
            data["labels"] = self._keep_values(data.get("labels") or [])
        return data

    def _keep_values(self, options: list) -> list:
        """A reworded choice keeps its stored value (answers hold values, not labels): a
        choice whose new value is unknown takes the value of the old choice at its place,
        when that old value is not used by another choice."""
        old = [str(o.get("value")) for o in self.instance.labels]
        new = [str(o["value"]) for o in options]
        for index, option in enumerate(options):
            if option["value"] in old or index >= len(old):
                continue
            if old[index] not in new:
                option["value"] = old[index]
                new[index] = old[index]
        return options


def text_in(labels: dict | str | None, language: str) -> str:
    """A respondent-facing text in ``language``; when that translation is missing, the text
    in another language marked with its own ``lang`` so screen readers pronounce it right."""
    if isinstance(labels, str):
        return labels
    labels = labels or {}
    if labels.get(language):
        return labels[language]
    for code in ("en", *labels):
        if labels.get(code):
            return format_html('<span lang="{}">{}</span>', code, labels[code])
    return ""


class GroupChoiceField(forms.ModelMultipleChoiceField):
    """Population groups named in the respondent's language (marked English when missing)."""

    language = "en"

    def label_from_instance(self, obj):
        name = obj.name_in(self.language)
        return name or format_html('<span lang="en">{}</span>', obj.name)


class PlaceSelect(forms.Select):
    """The campaign's places are one list, written in its first language: each option says
    so with ``lang`` when the form is in another language."""

    place_language = ""

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        if self.place_language and option["value"]:
            option["attrs"]["lang"] = self.place_language
        return option


TRIAD_ALL_ZERO = _(
    "You gave 0 to every corner, so we cannot place your answer. Place the point where your "
    "story belongs, or tick “Does not apply to my story”."
)


class NarrativeForm(forms.Form):
    """The respondent form: plain HTML, works on a phone without JavaScript.

    Fields that belong together carry ``group_legend`` (opens a fieldset with that legend;
    ``group_kind`` "triad"/"dyad" lets static/js/signification.js enhance it) and
    ``group_end`` (closes it). Every respondent-facing text is in ``language``."""

    title = forms.CharField(
        label=_("A title for your story (optional)"), required=False, max_length=200
    )
    story = forms.CharField(label=_("Your story"), widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, instrument: Instrument, collector: bool, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.collector = collector
        self.language = language
        campaign = instrument.campaign
        self.fields["story"].help_text = text_in(instrument.prompt, language)
        self.signifiers = list(instrument.signifiers.all())
        for s in self.signifiers:
            question = text_in(s.question, language)
            if s.kind in (Signifier.Kind.SINGLE, Signifier.Kind.MULTIPLE):
                labels = [text_in(option.get("label"), language) for option in s.labels]
            else:
                labels = [text_in(label, language) for label in s.labels]
            if s.kind == Signifier.Kind.TRIAD:
                # Without JavaScript a triad is three shares out of 100 (normalised on save);
                # empty means "not answered", so nothing is recorded by default.
                for i, label in enumerate(labels):
                    field = forms.IntegerField(
                        label=label,
                        required=False,
                        min_value=0,
                        max_value=100,
                        widget=forms.NumberInput(
                            attrs={"inputmode": "numeric", "min": 0, "max": 100, "size": 4}
                        ),
                    )
                    if i == 0:
                        field.group_legend = question
                        field.group_kind = "triad"
                        field.group_help = _(
                            "Give each a share out of 100 (they need not add up: we scale them)."
                        )
                    self.fields[f"sig_{s.key}_{i}"] = field
                na = forms.BooleanField(label=_("Does not apply to my story"), required=False)
                na.group_end = True
                self.fields[f"sig_{s.key}_na"] = na
            elif s.kind == Signifier.Kind.DYAD:
                field = forms.IntegerField(
                    label=mark_safe(  # noqa: S308 - the parts are escaped here
                        conditional_escape(str(_("From 0 (%(left)s) to 100 (%(right)s)")))
                        % {
                            "left": conditional_escape(labels[0]),
                            "right": conditional_escape(labels[1]),
                        }
                    ),
                    required=False,
                    min_value=0,
                    max_value=100,
                    widget=forms.NumberInput(
                        attrs={"inputmode": "numeric", "min": 0, "max": 100, "size": 4}
                    ),
                )
                field.group_legend = question
                field.group_kind = "dyad"
                field.group_data = {"left": labels[0], "right": labels[1]}
                self.fields[f"sig_{s.key}"] = field
                na = forms.BooleanField(label=_("Does not apply to my story"), required=False)
                na.group_end = True
                self.fields[f"sig_{s.key}_na"] = na
            else:
                choices = list(zip(s.option_values(), labels, strict=True))
                field_class = (
                    forms.MultipleChoiceField if s.kind == "multiple" else forms.ChoiceField
                )
                widget = forms.CheckboxSelectMultiple if s.kind == "multiple" else forms.RadioSelect
                field = field_class(label=question, choices=choices, required=False, widget=widget)
                field.group_legend = question
                self.fields[f"sig_{s.key}"] = field
                if s.allow_other:
                    other = forms.CharField(
                        label=_("Other (in your words)"), required=False, max_length=200
                    )
                    other.group_end = True
                    self.fields[f"sig_{s.key}_other"] = other
                else:
                    field.group_end = True
        if instrument.ask_groups:
            groups = instrument.group_choices.all() or campaign.target_groups.all()
            field = GroupChoiceField(
                label=_("Which groups do you identify with? (optional, choose any)"),
                queryset=groups.order_by("name"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            field.language = language
            field.group_legend = field.label
            self.fields["groups"] = field
            self.fields["groups_none"] = forms.BooleanField(
                label=_("None of these"), required=False
            )
            self.fields["groups_prefer_not"] = forms.BooleanField(
                label=_("I prefer not to say"), required=False
            )
            other = forms.CharField(
                label=_("Another group, in your own words"), required=False, max_length=200
            )
            other.group_end = True
            self.fields["groups_other"] = other
        if instrument.ask_age:
            self.fields["age_band"] = forms.ChoiceField(
                label=_("Your age"), required=False, choices=AGE_BAND_CHOICES
            )
        if instrument.ask_sex:
            self.fields["sex"] = forms.ChoiceField(
                label=_("You are"),
                required=False,
                widget=forms.RadioSelect,
                choices=Narrative.Sex.choices,
            )
        if instrument.ask_washington_group:
            for domain in WG_DOMAINS:
                self.fields[f"wg_{domain}"] = forms.ChoiceField(
                    label=WG_LABELS[domain], choices=WG_CHOICES, required=False
                )
        if campaign.location_level != campaign.LocationLevel.NONE:
            places = campaign.location_choices()
            if places:
                widget = PlaceSelect()
                if campaign.first_language != language:
                    widget.place_language = campaign.first_language
                self.fields["location"] = forms.ChoiceField(
                    label=_("Where do you live? (optional)"),
                    required=False,
                    choices=[("", "—"), *[(p, p) for p in places]],
                    widget=widget,
                )
            else:
                self.fields["location"] = forms.CharField(
                    label=_("Where do you live? (optional, %(level)s only)")
                    % {"level": campaign.get_location_level_display()},
                    required=False,
                    max_length=200,
                )
        self.fields["consent"] = forms.BooleanField(
            label=_("I agree to share my story as described above."),
            required=True,
            error_messages={"required": _("Without your agreement we cannot keep your story.")},
        )
        self.fields["use_quotation"] = forms.BooleanField(
            label=_("My words may be quoted, without my name."), required=False
        )
        self.fields["use_publication"] = forms.BooleanField(
            label=_("My story may be published, without my name."), required=False
        )
        if collector:
            self.fields["consent_how"] = forms.ChoiceField(
                label=_("How was consent given?"),
                choices=[
                    ("verbal", _("Verbally, to me as the data collector")),
                    ("written", _("In writing")),
                    ("self", _("By the person, on this form")),
                ],
            )
        self.fields["submission_token"] = forms.CharField(widget=forms.HiddenInput)
        # The consent text version shown, so the story records exactly what was agreed to.
        self.fields["consent_version"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False
        )

    def clean(self):
        data = super().clean()
        for s in self.signifiers:
            if s.kind != Signifier.Kind.TRIAD or data.get(f"sig_{s.key}_na"):
                continue
            parts = [data.get(f"sig_{s.key}_{i}") for i in range(3)]
            given = [p for p in parts if p is not None]
            if given and not any(given):
                self.add_error(f"sig_{s.key}_0", TRIAD_ALL_ZERO)
        return data

    def error_summary(self) -> list[dict]:
        """Every error, in the order of the form, with the id of the control to jump to."""
        items = [{"anchor": "", "label": "", "message": e} for e in self.non_field_errors()]
        for name, field in self.fields.items():
            if name not in self.errors:
                continue
            bound = self[name]
            choice_list = bound.widget_type in ("radioselect", "checkboxselectmultiple")
            anchor = f"{bound.auto_id}_0" if choice_list else bound.auto_id
            label = getattr(field, "group_legend", None) or field.label
            for message in self.errors[name]:
                items.append({"anchor": anchor, "label": label, "message": message})
        return items

    def values(self, language: str) -> dict:
        data = self.cleaned_data
        answers = {}
        for s in self.signifiers:
            if s.kind in ("triad", "dyad") and data.get(f"sig_{s.key}_na"):
                answers[s.key] = None
                continue
            if s.kind == "triad":
                parts = [data.get(f"sig_{s.key}_{i}") for i in range(3)]
                if any(p for p in parts):
                    from .signifiers import normalise_triad

                    answers[s.key] = list(normalise_triad(*[p or 0 for p in parts]))
            elif s.kind == "dyad":
                if data.get(f"sig_{s.key}") is not None:
                    answers[s.key] = data[f"sig_{s.key}"] / 100
            else:
                value = data.get(f"sig_{s.key}")
                if value:
                    answers[s.key] = value
                if data.get(f"sig_{s.key}_other"):
                    answers[f"{s.key}_other"] = data[f"sig_{s.key}_other"]
        return {
            "title": data.get("title", ""),
            "story": data["story"],
            "language": language,
            "location": data.get("location", ""),
            "age_band": data.get("age_band", ""),
            "sex": data.get("sex", ""),
            "groups_none": data.get("groups_none"),
            "groups_prefer_not": data.get("groups_prefer_not"),
            "groups_other": data.get("groups_other", ""),
            "answers": answers,
            "washington_group": {d: data[f"wg_{d}"] for d in WG_DOMAINS if data.get(f"wg_{d}")},
        }


class WithdrawForm(forms.Form):
    code = forms.CharField(
        label=_("Your receipt code"),
        max_length=30,
        help_text=_("The code you received when you shared your story, e.g. K7QM-3XPA-ZR9T."),
    )


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[(v, label) for v, label in ReviewStatus.choices if v != "pending"],
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TagForm(forms.Form):
    themes = forms.CharField(
        label=_("Themes"), required=False, help_text=_("Separate themes with commas.")
    )
    factors = forms.ModelMultipleChoiceField(
        label=_("Five factors"),
        queryset=Factor.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sdg_targets = forms.CharField(
        label=_("SDG targets"),
        required=False,
        help_text=_("Target codes separated by commas, e.g. 5.2, 16.9"),
    )

    def clean_sdg_targets(self):
        codes = [c.strip() for c in self.cleaned_data["sdg_targets"].split(",") if c.strip()]
        targets = list(SDGTarget.objects.filter(code__in=codes))
        unknown = set(codes) - {t.code for t in targets}
        if unknown:
            raise forms.ValidationError(
                _("Unknown SDG targets: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
            )
        return targets

    def clean_themes(self):
        # Names only: services.narrative_tag creates the new themes when the tags are saved.
        return [n.strip()[:200] for n in self.cleaned_data["themes"].split(",") if n.strip()]


class FocusGroupForm(forms.ModelForm):
    accommodations = forms.MultipleChoiceField(
        label=_("Accessibility accommodations"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("sign_language", _("Sign language")),
            ("captioning", _("Captioning")),
            ("easy_read", _("Easy-read materials")),
            ("accessible_venue", _("Accessible venue")),
            ("transport", _("Transport or allowance")),
        ],
    )
    participants_total = forms.IntegerField(
        label=_("Number of participants"),
        min_value=1,
        required=False,
        help_text=_("The counts by sex and the counts by age must each add up to this number."),
    )
    women = forms.IntegerField(label=_("Women / girls"), min_value=0, initial=0)
    men = forms.IntegerField(label=_("Men / boys"), min_value=0, initial=0)
    other_sex = forms.IntegerField(label=_("Other / not said"), min_value=0, initial=0)
    age_under_18 = forms.IntegerField(label=_("Under 18"), min_value=0, initial=0)
    age_18_34 = forms.IntegerField(label="18–34", min_value=0, initial=0)
    age_35_64 = forms.IntegerField(label="35–64", min_value=0, initial=0)
    age_65_plus = forms.IntegerField(label=_("65 or older"), min_value=0, initial=0)
    age_not_said = forms.IntegerField(
        label=_("Age not said"), min_value=0, initial=0, required=False
    )
    with_disability = forms.IntegerField(
        label=_("Persons with disabilities"), min_value=0, initial=0
    )
    consent_how = forms.ChoiceField(
        label=_("Consent was given"),
        choices=[("verbal", _("Verbally")), ("written", _("In writing"))],
    )
    use_quotation = forms.BooleanField(
        label=_("Participants agreed to anonymous quotation"), required=False
    )
    use_publication = forms.BooleanField(
        label=_("Participants agreed to publication"), required=False
    )
    themes_text = forms.CharField(
        label=_("Key themes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One theme per line."),
    )
    quotes_text = forms.CharField(
        label=_("Quotes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line as “quote | said by (self-described group)”. Never a name."),
    )

    class Meta:
        model = FocusGroup
        fields = [
            "held_on",
            "place",
            "facilitator",
            "note_taker",
            "languages",
            "interpretation",
            "groups",
            "consent_obtained",
            "questions",
            "feedback",
        ]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}),
            "groups": forms.SelectMultiple(attrs={"size": 8}),
            "consent_obtained": forms.Textarea(attrs={"rows": 2}),
            "questions": forms.Textarea(attrs={"rows": 3}),
            "feedback": forms.Textarea(attrs={"rows": 2}),
        }

    #: form field → (participants section, key)
    COUNT_FIELDS = {
        "women": ("sex", "female"),
        "men": ("sex", "male"),
        "other_sex": ("sex", "other"),
        "age_under_18": ("age", "under_18"),
        "age_18_34": ("age", "18_34"),
        "age_35_64": ("age", "35_64"),
        "age_65_plus": ("age", "65_plus"),
        "age_not_said": ("age", "not_said"),
        "with_disability": ("disability", "with"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = self.instance
        if record.pk:  # editing: the counts, accommodations and consent as recorded
            counts = record.participants or {}
            for name, (section, key) in self.COUNT_FIELDS.items():
                self.initial[name] = (counts.get(section) or {}).get(key, 0)
            self.initial["participants_total"] = counts.get("total") or sum(
                int(v or 0) for v in (counts.get("sex") or {}).values()
            )
            self.initial["accommodations"] = record.accommodations
            self.initial["consent_how"] = record.consent_how
            self.initial["use_quotation"] = record.use_quotation
            self.initial["use_publication"] = record.use_publication
            # Themes and quotes are kept as recorded; they are not edited here.
            del self.fields["themes_text"], self.fields["quotes_text"]

    def clean(self):
        from .services import participants_check

        data = super().clean()
        participants: dict = {}
        for name, (section, key) in self.COUNT_FIELDS.items():
            participants.setdefault(section, {})[key] = data.get(name) or 0
        # Without a number of participants, the counts by sex give it (and the counts by
        # age must still agree with them).
        participants["total"] = data.get("participants_total") or sum(participants["sex"].values())
        data["participants"] = participants
        for problem in participants_check(participants):
            self.add_error(None, problem)
        quotes = []
        for line in (data.get("quotes_text") or "").splitlines():
            if not line.strip():
                continue
            text, _sep, speaker = line.partition("|")
            if not speaker.strip():
                raise forms.ValidationError(
                    _("Each quote needs the self-described group that said it, after “|”.")
                )
            quotes.append((text.strip(), speaker.strip()))
        data["quotes"] = quotes
        return data


class PartnerSyncForm(forms.Form):
    """Connect a KoboToolbox project or an ODK Central form to an instrument (the sync page).
    The token and the ODK Central web user's password are password inputs: never sent back
    to the browser, not even when the form is shown again with its errors."""

    instrument = forms.ModelChoiceField(queryset=Instrument.objects.none(), label=_("Instrument"))
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Collected by")
    )
    kind = forms.ChoiceField(
        label=_("Collection tool"),
        choices=[("kobo", _("KoboToolbox")), ("odk", _("ODK Central"))],
        widget=forms.RadioSelect,
        initial="kobo",
    )
    server = forms.URLField(
        label=_("Server address"),
        max_length=300,
        assume_scheme="https",
        help_text=_(
            "KoboToolbox: https://kf.kobotoolbox.org (global server) or "
            "https://eu.kobotoolbox.org, or your organisation's own server. ODK Central: the "
            "address you open Central at, e.g. https://central.example.org."
        ),
    )
    asset_uid = forms.CharField(
        label=_("KoboToolbox project id (asset uid)"),
        max_length=100,
        required=False,
        help_text=_(
            "KoboToolbox only: open the project; its address ends with "
            "/#/forms/<asset uid>/summary, e.g. aSAvYreNzVEkrWg5Gdcvg."
        ),
    )
    project_id = forms.IntegerField(
        label=_("ODK Central project number"),
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        help_text=_("ODK Central only: the number after /projects/ in the project's address."),
    )
    form_id = forms.CharField(
        label=_("ODK Central form ID (xmlFormId)"),
        max_length=200,
        required=False,
        help_text=_(
            "ODK Central only: the form's ID, shown on the form's page and after /forms/ in "
            "its address."
        ),
    )
    token = forms.CharField(
        label=_("Your API token"),
        max_length=500,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "KoboToolbox: signed in, open Account settings → Security → API key (or "
            "<server>/token/). ODK Central: leave it empty and give a web user's e-mail and "
            "password below (a session token from POST /v1/sessions also works, but Central "
            "ends sessions after 24 hours). The token is stored encrypted and never shown "
            "again."
        ),
    )
    email = forms.EmailField(
        label=_("ODK Central web user's e-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "ODK Central only. Create a web user for the portal alone (Central → Web Users) "
            "and give it the Project Viewer role on this project: it can read submissions "
            "and change nothing. The portal signs in with it on each pull (HTTP Basic over "
            "https), so the sync keeps working without a new token every day."
        ),
    )
    password = forms.CharField(
        label=_("ODK Central web user's password"),
        max_length=500,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Stored encrypted with the e-mail and never shown again. If the password "
            "changes, use “Replace the token or password” on the form's page."
        ),
    )

    def __init__(self, *args, instruments, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        # With one choice there is nothing to choose: no empty option. With several (RCO
        # staff acting for any partner) the person must pick one.
        for name, queryset in (("instrument", instruments), ("organisation", organisations)):
            self.fields[name].queryset = queryset
            if len(queryset) == 1:
                self.fields[name].empty_label = None

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "kobo" and not data.get("asset_uid"):
            self.add_error("asset_uid", _("A KoboToolbox sync needs the project's id (asset uid)."))
        if kind == "kobo":
            if not data.get("token"):
                self.add_error("token", _("A KoboToolbox sync needs your API token."))
            if data.get("email") or data.get("password"):
                self.add_error(
                    "email",
                    _("An e-mail and password are for ODK Central; KoboToolbox needs a token."),
                )
        if kind == "odk":
            if not data.get("project_id"):
                self.add_error("project_id", _("An ODK Central sync needs the project number."))
            if not data.get("form_id"):
                self.add_error("form_id", _("An ODK Central sync needs the form ID."))
            if data.get("email") or data.get("password"):
                if not data.get("email"):
                    self.add_error("email", _("Give the web user's e-mail."))
                if not data.get("password"):
                    self.add_error("password", _("Give the web user's password."))
                if data.get("token"):
                    self.add_error(
                        "token", _("Give either a token or an e-mail and password, not both.")
                    )
            elif not data.get("token") and "email" not in self.errors:
                self.add_error(
                    "email",
                    _("An ODK Central sync needs a web user's e-mail and password (or a token)."),
                )
        return data


class PartnerSyncLoginForm(forms.Form):
    """A sync's new API token, or (ODK Central) its web user's e-mail and password; password
    inputs, never sent back."""

    token = forms.CharField(
        label=_("New API token"),
        max_length=500,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("ODK Central web user's e-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("ODK Central web user's password"),
        max_length=500,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
