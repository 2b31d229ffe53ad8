"""Forms of the group page: one per action. Every choice is limited to what the writer may
see in the page's country, so nothing is read from raw POST data."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.policy import Action

from .models import CapacityGap, Cause, Citation, DataGap, GroupAction, RoleEntry, Stream


class CauseForm(forms.ModelForm):
    class Meta:
        model = Cause
        fields = ["level", "parent", "text", "rights"]

    def __init__(self, *args, group=None, country=None, **kwargs):
        kwargs.setdefault("auto_id", "cause_%s")  # unique ids: many forms on one page
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Cause.objects.filter(group=group, country=country)
        self.fields["parent"].label = _("Cause of (leave empty for the manifestation)")


class RoleForm(forms.ModelForm):
    class Meta:
        model = RoleEntry
        fields = ["kind", "name", "level", "claims_or_obligations", "institution"]
        widgets = {"claims_or_obligations": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, country=None, **kwargs):
        kwargs.setdefault("auto_id", "role_%s")  # unique ids: many forms on one page
        super().__init__(*args, **kwargs)
        from recommendations.models import Institution

        self.fields["institution"].queryset = Institution.objects.filter(country=country)


class CapacityGapForm(forms.ModelForm):
    class Meta:
        model = CapacityGap
        fields = ["role", "dimension", "severity", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, group=None, country=None, **kwargs):
        kwargs.setdefault("auto_id", "gap_%s")  # unique ids: many forms on one page
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = RoleEntry.objects.filter(group=group, country=country)


class GroupActionForm(forms.ModelForm):
    class Meta:
        model = GroupAction
        fields = [
            "title",
            "kind",
            "owner",
            "starts_on",
            "ends_on",
            "status",
            "causes",
            "capacity_gaps",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, group=None, country=None, **kwargs):
        kwargs.setdefault("auto_id", "action_%s")  # unique ids: many forms on one page
        super().__init__(*args, **kwargs)
        self.fields["causes"].queryset = Cause.objects.filter(group=group, country=country)
        self.fields["capacity_gaps"].queryset = CapacityGap.objects.filter(
            role__group=group, country=country
        )
        self.fields["causes"].required = False
        self.fields["capacity_gaps"].required = False


class CitationForm(forms.Form):
    """The evidence a cause, capacity gap, role or action cites: only evidence of the
    page's country that the writer may see (published runs, approved stories, quotable
    focus-group quotes, recommendations). Anything else is a form error."""

    cite_run = forms.ModelMultipleChoiceField(queryset=None, required=False)
    cite_story = forms.ModelMultipleChoiceField(queryset=None, required=False)
    cite_quote = forms.ModelMultipleChoiceField(queryset=None, required=False)
    cite_rec = forms.ModelMultipleChoiceField(queryset=None, required=False)

    def __init__(self, *args, user=None, country=None, **kwargs):
        super().__init__(*args, **kwargs)
        from analysis.models import Run
        from consultations.models import Narrative, Quote
        from recommendations.models import Recommendation

        def visible(queryset):
            return policy.scope(user, queryset, Action.VIEW)

        self.fields["cite_run"].queryset = visible(
            Run.objects.filter(dataset__country=country, published=True, status="succeeded")
        )
        self.fields["cite_story"].queryset = visible(
            Narrative.objects.filter(campaign__country=country, review_status="approved")
        )
        self.fields["cite_quote"].queryset = visible(
            Quote.objects.filter(
                focus_group__campaign__country=country,
                focus_group__review_status="approved",
                focus_group__use_quotation=True,
            )
        )
        self.fields["cite_rec"].queryset = visible(Recommendation.objects.filter(country=country))

    def citations(self) -> list[Citation]:
        """Unsaved citations of the chosen evidence (the service saves them)."""
        data = self.cleaned_data
        return [
            *(Citation(run=r) for r in data["cite_run"]),
            *(Citation(narrative=n) for n in data["cite_story"]),
            *(Citation(quote=q) for q in data["cite_quote"]),
            *(Citation(recommendation=r) for r in data["cite_rec"]),
        ]

    def recommendations(self) -> list:
        return list(self.cleaned_data["cite_rec"])


class CommentForm(forms.Form):
    element = forms.ChoiceField(label=_("About"), choices=())
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, elements=(), **kwargs):
        kwargs.setdefault("auto_id", "comment_%s")  # unique ids: many forms on one page
        super().__init__(*args, **kwargs)
        self.fields["element"].choices = list(elements)
        self.fields["element"].initial = "page"


class DataGapForm(forms.ModelForm):
    """A silence of a stream, assigned to someone of the page's country."""

    stream = forms.ChoiceField(choices=Stream.choices)

    class Meta:
        model = DataGap
        fields = ["stream", "sdg_goal", "description", "assigned_to", "note"]

    def __init__(self, *args, people=None, **kwargs):
        kwargs.setdefault("auto_id", "datagap_%s")  # unique ids: many forms on one page
        super().__init__(*args, **kwargs)
        from accounts.models import User

        self.fields["sdg_goal"].to_field_name = "number"
        self.fields["assigned_to"].queryset = people if people is not None else User.objects.none()
        self.fields["assigned_to"].label_from_instance = lambda user: user.email


class ValidationForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "validation_%s")
        super().__init__(*args, **kwargs)

    validated_on = forms.DateField(
        label=_("Validated with communities on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    validated_how = forms.CharField(
        label=_("How"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("e.g. community meetings in three provinces with OPD partners"),
    )


class CircumstanceFactorForm(forms.Form):
    circumstance = forms.CharField(
        label=_("Circumstance (exact name, as in the indicator definition)"), max_length=100
    )
    factor = forms.ChoiceField(label=_("Factor"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from taxonomy.models import Factor

        self.fields["factor"].choices = list(Factor.objects.values_list("code", "name"))
