from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from taxonomy.models import Factor, PopulationGroup, SDGGoal, SDGTarget

from .models import (
    Action,
    Assessment,
    Cluster,
    ImportJob,
    Institution,
    Mechanism,
    Recommendation,
    Theme,
    TrackingIndicator,
)
from .selectors import NO_ASSESSMENT


class DateInput(forms.DateInput):
    input_type = "date"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Format"), choices=ImportJob.Kind.choices)
    country = forms.ChoiceField(label=_("Country"))
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "UHRI export (.json or .xlsx, any size: only the chosen country's records are "
            "kept), an OHCHR UPR matrix (.docx), or the portal template (.xlsx, or .csv in "
            "UTF-8, UTF-16 with a byte-order mark or Windows-1252)."
        ),
    )

    def __init__(self, *args, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [(c, c) for c in sorted(countries)]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search the text"), required=False)
    mechanism = forms.ModelChoiceField(
        Mechanism.objects.all(), required=False, label=_("Mechanism")
    )
    kind = forms.ChoiceField(
        choices=[("", _("Any kind"))] + list(Mechanism.Kind.choices),
        required=False,
        label=_("Kind of mechanism"),
    )
    cycle = forms.TypedChoiceField(
        choices=[("", _("Any cycle"))] + [(n, str(n)) for n in range(1, 6)],
        coerce=int,
        required=False,
        label=_("UPR cycle"),
    )
    theme = forms.ModelChoiceField(Theme.objects.all(), required=False, label=_("Theme"))
    group = forms.ModelChoiceField(
        PopulationGroup.objects.all(), required=False, label=_("Population group")
    )
    sdg_goal = forms.ModelChoiceField(
        SDGGoal.objects.all(), required=False, label=_("SDG goal"), to_field_name="number"
    )
    sdg_target = forms.ModelChoiceField(
        SDGTarget.objects.all(), required=False, label=_("SDG target"), to_field_name="code"
    )
    institution = forms.ModelChoiceField(
        Institution.objects.none(), required=False, label=_("Institution")
    )
    position = forms.ChoiceField(
        choices=[("", _("Any position"))] + list(Recommendation.Position.choices)[1:],
        required=False,
        label=_("UPR position"),
    )
    status = forms.ChoiceField(
        choices=[("", _("Any status")), (NO_ASSESSMENT, _("Not assessed yet"))]
        + list(Assessment.Status.choices),
        required=False,
        label=_("Implementation status"),
    )
    type = forms.ChoiceField(
        choices=[("", _("Recommendations and concerns"))] + list(Recommendation.Type.choices),
        required=False,
        label=_("Type"),
    )

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if institutions is not None:
            self.fields["institution"].queryset = institutions
        self.fields["sdg_target"].label_from_instance = lambda t: f"{t.code} {t.title[:80]}"


class RecommendationEditForm(forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = [
            "groups",
            "sdg_targets",
            "sdg_goals",
            "themes",
            "factors",
            "institutions",
            "upr_position",
            "published",
        ]
        widgets = {
            "groups": forms.SelectMultiple(attrs={"size": 10}),
            "sdg_targets": forms.SelectMultiple(attrs={"size": 10}),
            "themes": forms.SelectMultiple(attrs={"size": 10}),
            "factors": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institutions"].queryset = Institution.objects.filter(
            country=self.instance.country
        )
        self.fields["factors"].queryset = Factor.objects.all()


class ClusterForm(forms.ModelForm):
    class Meta:
        model = Cluster
        fields = ["title", "description", "institutions", "published"]

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institutions"].queryset = Institution.objects.filter(country=country)
        self.fields["institutions"].required = False


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = ["name", "kind", "focal_point_name", "focal_point_email", "organisations"]
        widgets = {"organisations": forms.CheckboxSelectMultiple}

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.filter(
            country=country, kind=Organisation.Kind.UN_AGENCY
        )
        self.fields["organisations"].required = False


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["title", "description", "institution", "owner", "target_date", "status"]
        widgets = {"target_date": DateInput, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class AssessmentForm(forms.ModelForm):
    evidence_link = forms.URLField(
        label=_("Evidence link"), required=False, assume_scheme="https", max_length=500
    )

    class Meta:
        model = Assessment
        fields = [
            "status",
            "assessed_on",
            "institution",
            "evidence_text",
            "evidence_link",
            "evidence_file",
        ]
        widgets = {"assessed_on": DateInput, "evidence_text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if institutions is None:
            del self.fields["institution"]
        else:
            self.fields["institution"].queryset = institutions


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = TrackingIndicator
        fields = ["name", "institution", "frequency", "next_due"]
        widgets = {"next_due": DateInput}

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(country=country)


class IndicatorReportForm(forms.Form):
    value = forms.CharField(label=_("Value reported"), max_length=200)
    reported_on = forms.DateField(label=_("Reported on"), widget=DateInput, required=False)


class ThemeSynonymForm(forms.Form):
    label = forms.CharField(label=_("Add a synonym"), max_length=300, required=False)
    reviewed = forms.BooleanField(label=_("Reviewed"), required=False)
