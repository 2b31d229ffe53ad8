"""``{{ count|small_count }}``: a count, or "fewer than 5" when it must not be shown."""

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
