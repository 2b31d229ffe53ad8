"""Sign-ins and sign-outs go to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditEvent
from .services import audit_record


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    audit_record(action=AuditEvent.Action.SIGN_IN, actor=user, request=request, summary=user.email)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(
            action=AuditEvent.Action.SIGN_OUT, actor=user, request=request, summary=user.email
        )


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # Record which account was tried, never the password.
    tried = str(credentials.get("email") or credentials.get("username") or "")[:200]
    audit_record(action=AuditEvent.Action.SIGN_IN_FAILED, request=request, summary=tried)
