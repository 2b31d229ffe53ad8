from django import forms
from django.conf import settings
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
    consent_text = forms.CharField(
        label=_("Consent text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What people agree to, in plain words. Changing it creates a new version; "
            "stories keep the version they were given under."
        ),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Campaign
        fields = [
            "title",
            "purpose",
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
            "purpose": forms.Textarea(attrs={"rows": 3}),
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
        if self.instance.pk and self.instance.current_consent:
            self.fields["consent_text"].initial = self.instance.current_consent.text


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


class NarrativeForm(forms.Form):
    """The respondent form: plain HTML, works on a phone without JavaScript."""

    title = forms.CharField(
        label=_("A title for your story (optional)"), required=False, max_length=200
    )
    story = forms.CharField(label=_("Your story"), widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, instrument: Instrument, collector: bool, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.collector = collector
        campaign = instrument.campaign
        self.fields["story"].help_text = instrument.prompt_text(language)
        self.signifiers = list(instrument.signifiers.all())
        for s in self.signifiers:
            question = s.question_text(language)
            labels = s.label_texts(language)
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
                        field.group_help = _(
                            "Give each a share out of 100 (they need not add up: we scale them)."
                        )
                    self.fields[f"sig_{s.key}_{i}"] = field
                na = forms.BooleanField(label=_("Does not apply to my story"), required=False)
                na.group_end = True
                self.fields[f"sig_{s.key}_na"] = na
            elif s.kind == Signifier.Kind.DYAD:
                field = forms.IntegerField(
                    label=_("From 0 (%(left)s) to 100 (%(right)s)")
                    % {"left": labels[0], "right": labels[1]},
                    required=False,
                    min_value=0,
                    max_value=100,
                    widget=forms.NumberInput(
                        attrs={"inputmode": "numeric", "min": 0, "max": 100, "size": 4}
                    ),
                )
                field.group_legend = question
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
                self.fields[f"sig_{s.key}"] = field_class(
                    label=question, choices=choices, required=False, widget=widget
                )
                if s.allow_other:
                    self.fields[f"sig_{s.key}_other"] = forms.CharField(
                        label=_("Other (in your words)"), required=False, max_length=200
                    )
        if instrument.ask_groups:
            groups = instrument.group_choices.all() or campaign.target_groups.all()
            self.fields["groups"] = forms.ModelMultipleChoiceField(
                label=_("Which groups do you identify with? (optional, choose any)"),
                queryset=groups.order_by("name"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields["groups_none"] = forms.BooleanField(
                label=_("None of these"), required=False
            )
            self.fields["groups_prefer_not"] = forms.BooleanField(
                label=_("I prefer not to say"), required=False
            )
            self.fields["groups_other"] = forms.CharField(
                label=_("Another group, in your own words"), required=False, max_length=200
            )
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
                self.fields["location"] = forms.ChoiceField(
                    label=_("Where do you live? (optional)"),
                    required=False,
                    choices=[("", "—"), *[(p, p) for p in places]],
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
    women = forms.IntegerField(label=_("Women / girls"), min_value=0, initial=0)
    men = forms.IntegerField(label=_("Men / boys"), min_value=0, initial=0)
    other_sex = forms.IntegerField(label=_("Other / not said"), min_value=0, initial=0)
    age_under_18 = forms.IntegerField(label=_("Under 18"), min_value=0, initial=0)
    age_18_34 = forms.IntegerField(label="18–34", min_value=0, initial=0)
    age_35_64 = forms.IntegerField(label="35–64", min_value=0, initial=0)
    age_65_plus = forms.IntegerField(label=_("65 or older"), min_value=0, initial=0)
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

    def clean(self):
        data = super().clean()
        total_sex = sum(data.get(k) or 0 for k in ("women", "men", "other_sex"))
        if total_sex == 0:
            raise forms.ValidationError(_("Give the number of participants."))
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
        data["participants"] = {
            "sex": {
                "female": data.get("women") or 0,
                "male": data.get("men") or 0,
                "other": data.get("other_sex") or 0,
            },
            "age": {
                "under_18": data.get("age_under_18") or 0,
                "18_34": data.get("age_18_34") or 0,
                "35_64": data.get("age_35_64") or 0,
                "65_plus": data.get("age_65_plus") or 0,
            },
            "disability": {"with": data.get("with_disability") or 0},
        }
        return data
