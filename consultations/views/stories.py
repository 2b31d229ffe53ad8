"""A story's page, redaction, theme tags, and deletion (RCO staff, with a reason, after a
confirmation page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action

from .. import services
from ..forms import ReviewForm, TagForm
from ..models import Narrative
from ..privacy import find_identifiers, highlight_html
from ..rules import sees_identities
from ._common import _delete_page


@login_required
def narrative_detail(request, pk: int):
    narrative = policy.get_object_or_404(
        request.user,
        Narrative.objects.select_related("campaign", "organisation", "instrument").prefetch_related(
            "groups", "themes", "factors", "sdg_targets"
        ),
        pk=pk,
    )
    can_review = policy.can(request.user, Action.REVIEW, narrative)
    can_delete = policy.can(request.user, Action.DELETE, narrative)
    spans = find_identifiers(narrative.story) if can_review else []
    return render(
        request,
        "consultations/narrative_detail.html",
        {
            "narrative": narrative,
            "sees_identities": sees_identities(request.user, narrative),
            "can_review": can_review,
            "can_delete": can_delete,
            "delete_reasons": services.DELETE_REASONS.items(),
            "story_html": highlight_html(narrative.story, spans) if can_review else None,
            "identifiers": spans,
            "review_form": ReviewForm(
                initial={"status": narrative.review_status, "note": narrative.review_note}
            ),
            "tag_form": TagForm(
                initial={
                    "themes": ", ".join(t.name for t in narrative.themes.all()),
                    "factors": narrative.factors.all(),
                    "sdg_targets": ", ".join(t.code for t in narrative.sdg_targets.all()),
                }
            ),
            "answers": _answer_rows(narrative),
        },
    )


def _answer_rows(narrative: Narrative) -> list[tuple[str, str]]:
    rows = []
    for s in narrative.instrument.signifiers.all():
        value = narrative.answers.get(s.key)
        labels = s.label_texts()
        if value is None:
            shown = _("not applicable / not answered")
        elif s.kind == "triad":
            shown = ", ".join(
                f"{label} {round(v * 100)}%" for label, v in zip(labels, value, strict=False)
            )
        elif s.kind == "dyad":
            shown = f"{round(value * 100)}% {_('towards')} {labels[1]}"
        else:
            options = dict(zip(s.option_values(), labels, strict=False))
            values = value if isinstance(value, list) else [value]
            shown = ", ".join(options.get(v, v) for v in values)
        rows.append((s.question_text() or s.key, shown))
    return rows


@login_required
@require_POST
def narrative_redact(request, pk: int):
    narrative = policy.get_object_or_404(request.user, Narrative, Action.REVIEW, pk=pk)
    services.narrative_redact(
        narrative=narrative, spans=find_identifiers(narrative.story), user=request.user
    )
    messages.success(request, _("Personal identifiers were removed from the story."))
    return redirect(narrative)


@login_required
@require_POST
def narrative_tag(request, pk: int):
    narrative = policy.get_object_or_404(request.user, Narrative, Action.REVIEW, pk=pk)
    form = TagForm(request.POST)
    if form.is_valid():
        services.narrative_tag(
            narrative=narrative,
            themes=form.cleaned_data["themes"],
            factors=form.cleaned_data["factors"],
            sdg_targets=form.cleaned_data["sdg_targets"],
            user=request.user,
        )
        messages.success(request, _("Tags saved."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(narrative)


@login_required
def narrative_delete(request, pk: int):
    """RCO staff delete a story (e.g. a teller of an offline story without a card asked):
    the story, its tags and any raw copy go; a tombstone stops re-imports; the audit log
    records the reason code, never the content."""
    narrative = policy.get_object_or_404(
        request.user, Narrative.objects.select_related("campaign"), Action.DELETE, pk=pk
    )
    return _delete_page(
        request,
        narrative,
        kind="story",
        delete=lambda reason: services.narrative_delete(
            narrative=narrative, user=request.user, reason=reason
        ),
    )
