"""Forms of the group page: one per action. Every choice is limited to what the writer may
see in the page's country, so nothing is read from raw POST data."""

from dataclasses import dataclass

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


def citable(*, user, country: str) -> dict:
    """What a writer may cite on a page of ``country``, by kind (``cite_run``…): published
    runs, approved stories, quotable focus-group quotes and recommendations of the country
    that ``user`` may see. The search offers these and ``CitationForm`` accepts only these."""
    from analysis.models import Run
    from consultations.models import Narrative, Quote
    from recommendations.models import Recommendation

    def visible(queryset):
        return policy.scope(user, queryset, Action.VIEW)

    return {
        "cite_run": visible(
            Run.objects.filter(dataset__country=country, published=True, status="succeeded")
        ),
        "cite_story": visible(
            Narrative.objects.filter(campaign__country=country, review_status="approved")
        ),
        "cite_quote": visible(
            Quote.objects.filter(
                focus_group__campaign__country=country,
                focus_group__review_status="approved",
                focus_group__use_quotation=True,
            )
        ),
        "cite_rec": visible(Recommendation.objects.filter(country=country)),
    }


CITE_KINDS = {
    "cite_run": _("Survey runs"),
    "cite_story": _("Stories"),
    "cite_quote": _("Focus-group quotes"),
    "cite_rec": _("Recommendations"),
}
CITE_KIND_LABELS = {
    "cite_run": _("Survey"),
    "cite_story": _("Story"),
    "cite_quote": _("Quote"),
    "cite_rec": _("Recommendation"),
}
CITE_PAGE_SIZE = 10  # matches per kind and page: the page never lists all the evidence


@dataclass(frozen=True)
class CitableItem:
    field: str  # the checkbox name: cite_run, cite_story, cite_quote, cite_rec
    pk: int
    label: str

    @property
    def kind_label(self) -> str:
        return str(CITE_KIND_LABELS[self.field])


@dataclass(frozen=True)
class CitationSearch:
    """One page of evidence matching a writer's search, at most ``CITE_PAGE_SIZE`` per kind."""

    query: str
    kind: str
    page: int
    items: tuple[CitableItem, ...] = ()
    more: bool = False

    def of(self, field: str) -> list[CitableItem]:
        return [item for item in self.items if item.field == field]

    @property
    def recommendations(self) -> list[CitableItem]:
        return self.of("cite_rec")


class CitationSearchForm(forms.Form):
    """The no-JavaScript search (GET) for evidence to cite in the page's add forms."""

    cite_q = forms.CharField(label=_("Find evidence to cite"), max_length=100, required=False)
    cite_kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *CITE_KINDS.items()]
    )
    cite_page = forms.IntegerField(
        min_value=1, max_value=1000, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "cite_%s")
        super().__init__(*args, **kwargs)


def _truncate(text: str, size: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


def citation_search(*, user, country: str, params) -> CitationSearch:
    """Evidence of ``country`` that ``user`` may cite matching the words of ``cite_q`` (in
    an indicator's name or a dataset's title, a story's title or text, a quote, a recommendation's
    paragraph, symbol or text), newest first; nothing before a search is made."""
    from django.db.models import Q

    form = CitationSearchForm(params)
    if not form.is_valid() or not form.cleaned_data["cite_q"].strip():
        return CitationSearch(query="", kind="", page=1)
    query = form.cleaned_data["cite_q"].strip()
    kind = form.cleaned_data["cite_kind"] or ""
    page = form.cleaned_data["cite_page"] or 1
    words = query.split()[:8]

    def matching(*fields):
        condition = Q()
        for word in words:
            any_field = Q()
            for field in fields:
                any_field |= Q(**{f"{field}__icontains": word})
            condition &= any_field
        return condition

    querysets = citable(user=user, country=country)
    searches = {
        "cite_run": (
            querysets["cite_run"]
            .filter(matching("indicator__name", "dataset__title", "region"))
            .select_related("indicator", "dataset"),
            lambda r: (
                f"{r.indicator.name} — {r.dataset.title}" + (f" ({r.region})" if r.region else "")
            ),
        ),
        "cite_story": (
            querysets["cite_story"].filter(matching("title", "story")).only("pk", "title", "story"),
            lambda n: n.title or n.story,
        ),
        "cite_quote": (
            querysets["cite_quote"].filter(matching("text")).only("pk", "text"),
            lambda q: f"“{q.text}”",
        ),
        "cite_rec": (
            querysets["cite_rec"]
            .filter(matching("paragraph", "text", "document__symbol"))
            .select_related("mechanism")
            .only("pk", "paragraph", "text", "mechanism__code"),
            lambda r: f"{r.mechanism.code} {r.paragraph}: {r.text}",
        ),
    }
    items, more = [], False
    start = (page - 1) * CITE_PAGE_SIZE
    for field, (queryset, label) in searches.items():
        if kind and field != kind:
            continue
        found = list(queryset.order_by("-pk")[start : start + CITE_PAGE_SIZE + 1])
        more |= len(found) > CITE_PAGE_SIZE
        items += [
            CitableItem(field, obj.pk, _truncate(label(obj))) for obj in found[:CITE_PAGE_SIZE]
        ]
    return CitationSearch(query=query, kind=kind, page=page, items=tuple(items), more=more)


class CitationForm(forms.Form):
    """The evidence a cause, capacity gap, role or action cites: only evidence of the
    page's country that the writer may see (``citable``). Anything else is a form error."""

    cite_run = forms.ModelMultipleChoiceField(queryset=None, required=False)
    cite_story = forms.ModelMultipleChoiceField(queryset=None, required=False)
    cite_quote = forms.ModelMultipleChoiceField(queryset=None, required=False)
    cite_rec = forms.ModelMultipleChoiceField(queryset=None, required=False)

    def __init__(self, *args, user=None, country=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field, queryset in citable(user=user, country=country).items():
            self.fields[field].queryset = queryset

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
