from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import PopulationGroup


class PopulationGroupForm(forms.ModelForm):
    synonyms_text = forms.CharField(
        label=_("Synonyms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Other labels for this group, one per line (older UPR wording, local "
            "names, translations). Imports use them to recognise the group."
        ),
    )

    class Meta:
        model = PopulationGroup
        fields = [
            "name",
            "description",
            "parent",
            "components",
            "uhri_label",
            "rights_holder",
            "needs_review",
        ]
        widgets = {"components": forms.SelectMultiple(attrs={"size": 8})}
        help_texts = {
            "components": _(
                "For an intersection (e.g. indigenous women), choose the groups "
                "it combines. Leave empty for an ordinary group."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        others = PopulationGroup.objects.all()
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
            self.fields["synonyms_text"].initial = "\n".join(
                s.label for s in self.instance.synonyms.all()
            )
        self.fields["parent"].queryset = others
        self.fields["components"].queryset = others
        # The name as respondents read it in each other portal language (consultation forms).
        for code, language in settings.LANGUAGES:
            if code == "en":
                continue
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name (%(language)s)") % {"language": language},
                required=False,
                max_length=200,
                initial=self.instance.labels.get(code, "") if self.instance.pk else "",
                widget=forms.TextInput(attrs={"lang": code}),
            )

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        node = parent
        while node is not None:
            if self.instance.pk and node.pk == self.instance.pk:
                raise forms.ValidationError(_("A group cannot be inside itself."))
            node = node.parent
        return parent

    def clean_components(self):
        components = self.cleaned_data.get("components")
        if components is not None and len(components) == 1:
            raise forms.ValidationError(
                _("An intersection combines at least two groups; choose two or more, or none.")
            )
        return components

    def save(self, commit=True):
        group = super().save(commit=False)
        labels = dict(group.labels or {})
        for code, _language in settings.LANGUAGES:
            # Only what was sent: the API's form data carries no names, and keeps them.
            if f"name_{code}" in self.data and f"name_{code}" in self.cleaned_data:
                text = self.cleaned_data[f"name_{code}"].strip()
                if text:
                    labels[code] = text
                else:
                    labels.pop(code, None)
        group.labels = labels
        if commit:
            group.save()
            self._save_m2m()
        return group

    def synonym_labels(self) -> list[str]:
        lines = self.cleaned_data.get("synonyms_text", "").splitlines()
        return [line.strip() for line in lines if line.strip()]
