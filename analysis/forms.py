import json

from django import forms
from django.utils.translation import gettext_lazy as _

from analysis.indicators import ESCAP_PRESETS, IndicatorDefinition, IndicatorError

from .models import Dataset


class DatasetUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Survey file"),
        help_text=_(
            "CSV, Excel (.xlsx), Stata (.dta) or SPSS (.sav), up to 2 GB. DHS and MICS "
            "files keep their value labels as level names."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    survey_kind = forms.ChoiceField(label=_("Survey programme"), choices=Dataset.Kind.choices)
    survey_round = forms.CharField(label=_("Survey round (year)"), max_length=20)
    unit = forms.CharField(
        label=_("What one row is"),
        max_length=100,
        required=False,
        help_text=_("e.g. household (HR), woman 15–49 (IR), child under 5 (KR)."),
    )
    country = forms.ChoiceField(label=_("Country"))

    def __init__(self, *args, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [(c, c) for c in sorted(countries)]


class RunForm(forms.Form):
    preset = forms.ChoiceField(
        label=_("Indicator"),
        required=False,
        help_text=_(
            "Start from one of ESCAP's standard indicators; adjust the definition below "
            "if your file differs."
        ),
    )
    definition = forms.CharField(
        label=_("Definition (JSON)"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=_(
            "Reference population, outcome rule, weight and circumstances. Filled in "
            "from the indicator you choose."
        ),
    )
    subnational = forms.BooleanField(
        label=_("Also run for each region"),
        required=False,
        help_text=_("One tree per region, besides the national tree."),
    )
    shapley = forms.BooleanField(
        label=_("Shapley decomposition of D"), required=False, initial=True
    )
    min_leaf = forms.IntegerField(
        label=_("Minimum leaf size (rows)"),
        required=False,
        min_value=1,
        help_text=_("Empty: ESCAP's rule, the larger of 49 and N/11."),
    )
    max_depth = forms.IntegerField(
        label=_("Maximum depth"),
        required=False,
        min_value=1,
        max_value=10,
        help_text=_("Empty: 6, as ESCAP."),
    )
    cp = forms.FloatField(
        label=_("Complexity parameter"),
        required=False,
        min_value=0,
        help_text=_("Empty: 1/N, as ESCAP."),
    )

    def __init__(self, *args, survey_kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        presets = [
            (slug, p.name)
            for slug, p in ESCAP_PRESETS.items()
            if not survey_kind or survey_kind == "other" or p.survey_kind == survey_kind
        ]
        self.fields["preset"].choices = [("", _("— custom definition —")), *presets]

    def clean_definition(self) -> dict:
        try:
            data = json.loads(self.cleaned_data["definition"])
            return IndicatorDefinition.from_dict(data).to_dict()
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("The definition is not valid JSON (line %(line)s, column %(col)s).")
                % {"line": exc.lineno, "col": exc.colno}
            ) from exc
        except (IndicatorError, TypeError, KeyError, ValueError) as exc:
            raise forms.ValidationError(str(exc)) from exc

    def engine_params(self) -> dict:
        data = self.cleaned_data
        params = {}
        if data.get("min_leaf"):
            params["minbucket"] = data["min_leaf"]
            params["minsplit"] = 2 * data["min_leaf"]
        if data.get("max_depth"):
            params["max_depth"] = data["max_depth"]
        if data.get("cp") is not None:
            params["cp"] = data["cp"]
        return params


def preset_json(slug: str) -> str:
    preset = ESCAP_PRESETS.get(slug)
    return json.dumps(preset.to_dict(), indent=2, ensure_ascii=False) if preset else ""
