"""Small counts in templates (``{% load suppression %}``).

``{{ count|small_count }}``: a count, or "fewer than N" when it must not be shown (N is the
``SMALL_COUNT_MIN`` setting; ``small_count:True`` for the partner-only minimum).
``{% small_count_min as n %}``: N itself, for sentences that explain the rule
(``{% blocktranslate with n=n %}Counts below {{ n }}…{% endblocktranslate %}``).
"""

from django import template
from django.utils.translation import gettext as _

from common.suppression import is_small, min_count

register = template.Library()


@register.filter
def small_count(value, partner_only: bool = False):
    threshold = min_count(partner_only=bool(partner_only))
    if value == "" or is_small(value, threshold):
        return _("fewer than %(n)s") % {"n": threshold}
    return value


@register.simple_tag
def small_count_min(partner_only: bool = False) -> int:
    """The minimum cell size in force, to write the rule in a sentence."""
    return min_count(partner_only=bool(partner_only))
