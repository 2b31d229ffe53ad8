"""``{{ group|group_name }}``: a population group's name in the page's language.

The vocabulary keeps each group's English name and its French and Spanish names
(``PopulationGroup.labels``); a page in French shows the French name where there is one and
the English name otherwise. Other objects (summary rows, dataclasses) show their ``name``.
"""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def group_name(group) -> str:
    if group is None or group == "":
        return ""
    name_in = getattr(group, "name_in", None)
    if callable(name_in):
        language = (get_language() or "en").split("-")[0]
        return name_in(language) or group.name
    if isinstance(group, dict):
        return str(group.get("name", ""))
    return str(getattr(group, "name", group))
