"""``{{ state|evidence_state }}``: a convergence-matrix cell's state, as a marked label.

A filter rather than an included template: the matrix has a cell per SDG goal and stream, and
an include per cell was a third of the group page's rendering time at five times the
benchmark's load. The mark (▲ ● ○) and the words carry the state, not the colour alone.
"""

import functools

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from common.suppression import min_count
from evidence.chapter import any_gap_text
from recommendations.selectors import recommendation_label_maps

register = template.Library()


@register.filter
def evidence_state(state: str):
    if state == "disadvantage":
        return format_html('<span class="state state-bad">▲ {}</span>', _("disadvantage"))
    if state == "none":
        return format_html('<span class="state state-none">● {}</span>', _("no disadvantage"))
    if state == "fewer_than_5":  # the state's name predates the setting: below the minimum
        fewer_than = _("fewer than %(n)s") % {"n": min_count()}
        return format_html('<span class="state state-silent">{}</span>', fewer_than)
    return format_html('<span class="state state-silent">○ {}</span>', _("silent"))


@register.filter
def gap_text(gap) -> str:
    """``{{ gap|gap_text }}``: a data gap (the summary's dict or a stored DataGap) in the
    reader's language; the voice gap says the configured minimum."""
    return any_gap_text(gap)


@functools.cache
def _label_maps() -> dict:
    return recommendation_label_maps()


@register.filter
def recommendation_label(value: str, field: str) -> str:
    """``{{ k|recommendation_label:"position" }}`` (or ``"status"``): a recommendation's UPR
    position or implementation status as stored in a group summary, in the reader's language."""
    label = _label_maps().get(field, {}).get(value)
    return str(label) if label is not None else value
