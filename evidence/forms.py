from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from taxonomy.models import SDGGoal

from .models import CapacityGap, Cause, DataGap, GroupAction, RoleEntry


class CauseForm(forms.ModelForm):
    class Meta:
        model = Cause
        fields = ["level", "parent", "text", "rights"]

    def __init__(self, *args, group=None, country=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Cause.objects.filter(group=group, country=country)
        self.fields["parent"].label = _("Cause of (leave empty for the manifestation)")


class RoleForm(forms.ModelForm):
    class Meta:
        model = RoleEntry
        fields = ["kind", "name", "level", "claims_or_obligations", "institution"]
        widgets = {"claims_or_obligations": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, country=None, **kwargs):
        super().__init__(*args, **kwargs)
        from recommendations.models import Institution

        self.fields["institution"].queryset = Institution.objects.filter(country=country)


class CapacityGapForm(forms.ModelForm):
    class Meta:
        model = CapacityGap
        fields = ["role", "dimension", "severity", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, group=None, country=None, **kwargs):
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
        super().__init__(*args, **kwargs)
        self.fields["causes"].queryset = Cause.objects.filter(group=group, country=country)
        self.fields["capacity_gaps"].queryset = CapacityGap.objects.filter(
            role__group=group, country=country
        )
        self.fields["causes"].required = False
        self.fields["capacity_gaps"].required = False


class DataGapForm(forms.ModelForm):
    """Assigning a data gap: the stream, goal and description come from hidden fields, so a
    tampered value is a form error, not a server error."""

    goal = forms.ModelChoiceField(SDGGoal.objects.all(), to_field_name="number", required=False)
    assigned_to = forms.ModelChoiceField(get_user_model().objects.all(), required=False)

    class Meta:
        model = DataGap
        fields = ["stream", "description", "note"]


class CommentForm(forms.Form):
    element = forms.CharField(widget=forms.HiddenInput, initial="page")
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))


class ValidationForm(forms.Form):
    validated_on = forms.DateField(
        label=_("Validated with communities on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    validated_how = forms.CharField(
        label=_("How"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("e.g. community meetings in three provinces with OPD partners"),
    )
