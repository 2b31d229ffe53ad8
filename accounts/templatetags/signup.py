"""Whether people may sign themselves up (the sign-in page links to sign-up only then)."""

from allauth.account.adapter import get_adapter
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def signup_open(context) -> bool:
    request = context.get("request")
    return bool(request is not None and get_adapter(request).is_open_for_signup(request))
