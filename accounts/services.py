"""Writes for accounts: memberships (roles), API tokens and the audit log."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from common.client_ip import client_ip

from .models import ApiToken, AuditEvent, Membership, Organisation, User

# Where a target keeps its country, tried in order.
_COUNTRY_PATHS = (
    "country",
    "organisation__country",
    "campaign__country",
    "dataset__country",
    "focus_group__campaign__country",
    "recommendation__country",
)


def audit_country(*, target=None, actor: User | None = None) -> str:
    """The country an audit event belongs to: its target's, else its actor's only country.
    Empty when neither says (then RCO staff see it when the actor belongs to their country).
    """
    from .policy import country_of

    if target is not None:
        for path in _COUNTRY_PATHS:
            try:
                value = country_of(target, path)
            except Exception:  # noqa: BLE001 - a missing relation simply has no country
                value = None
            if isinstance(value, str) and value:
                return value
    if actor is not None and getattr(actor, "pk", None):
        countries = set(
            Membership.objects.filter(user=actor).values_list("organisation__country", flat=True)
        )
        if len(countries) == 1:
            return countries.pop()
    return ""


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    target=None,
    summary: str = "",
    data: dict | None = None,
    request: HttpRequest | None = None,
    country: str | None = None,
) -> AuditEvent:
    """Append an event to the audit log. ``data`` must never hold sensitive content.
    ``country`` defaults to the target's country (see ``audit_country``)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        country=country if country is not None else audit_country(target=target, actor=actor),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        summary=summary[:500],
        data=data or {},
        ip_address=client_ip(request),
    )


@transaction.atomic
def organisation_create(*, form, actor: User, request: HttpRequest | None = None) -> Organisation:
    """Save a validated organisation form (RCO staff, their country) and audit it."""
    organisation = form.save()
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=actor,
        target=organisation,
        request=request,
        summary=f"Organisation added: {organisation.name} ({organisation.kind})",
    )
    return organisation


@transaction.atomic
def membership_set_role(
    *,
    by: User | None,
    user: User,
    organisation: Organisation,
    role: str,
    request: HttpRequest | None = None,
) -> Membership:
    """Grant ``role`` in ``organisation`` to ``user``, or change their existing role there."""
    membership = (
        Membership.objects.select_for_update().filter(user=user, organisation=organisation).first()
    )
    if membership is None:
        membership = Membership(user=user, organisation=organisation, role=role)
        membership.full_clean()
        membership.save()
        audit_record(
            action=AuditEvent.Action.ROLE_GRANTED,
            actor=by,
            target=membership,
            request=request,
            summary=f"{user.email}: {membership.get_role_display()} in {organisation}",
            data={"user": user.pk, "organisation": organisation.pk, "role": role},
        )
        credentials_changed(user=user, reason="role_granted", by=by, request=request)
    elif membership.role != role:
        previous = membership.role
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role"])
        audit_record(
            action=AuditEvent.Action.ROLE_CHANGED,
            actor=by,
            target=membership,
            request=request,
            summary=f"{user.email}: {previous} → {role} in {organisation}",
            data={"user": user.pk, "organisation": organisation.pk, "from": previous, "to": role},
        )
        credentials_changed(user=user, reason="role_changed", by=by, request=request)
    return membership


@transaction.atomic
def membership_revoke(
    *, by: User | None, membership: Membership, request: HttpRequest | None = None
) -> None:
    audit_record(
        action=AuditEvent.Action.ROLE_REVOKED,
        actor=by,
        target=membership,
        request=request,
        summary=f"{membership.user.email}: {membership.role} in {membership.organisation}",
        data={
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "role": membership.role,
        },
    )
    user = membership.user
    membership.delete()
    credentials_changed(user=user, reason="role_revoked", by=by, request=request)


def api_token_create(
    *,
    user: User,
    name: str,
    days: int | None = None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """Create a named API token; returns it with its key, which is never stored or shown again.

    ``days`` is the lifetime (default ``API_TOKEN_DEFAULT_DAYS``, at most ``API_TOKEN_MAX_DAYS``).
    """
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            _("A token lives between 1 and %(max)d days.") % {"max": settings.API_TOKEN_MAX_DAYS}
        )
    key = ApiToken.new_key()
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=days)
    token = ApiToken(
        user=user,
        name=name.strip() or _("API token"),
        key_hash=ApiToken.hash_key(key),
        hint=key[: len(ApiToken.KEY_PREFIX) + 4],
        created_at=now,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    audit_record(
        action=AuditEvent.Action.TOKEN_CREATED,
        actor=user,
        target=token,
        request=request,
        summary=f"{user.email}: {token.name} (expires {expires_at:%Y-%m-%d})",
        data={"user": user.pk, "token": token.pk, "expires_at": expires_at.isoformat()},
    )
    return token, key


def api_token_revoke(
    *, token: ApiToken, by: User | None, request: HttpRequest | None = None, reason: str = ""
) -> None:
    audit_record(
        action=AuditEvent.Action.TOKEN_REVOKED,
        actor=by,
        target=token,
        request=request,
        summary=f"{token.user.email}: {token.name}" + (f" ({reason})" if reason else ""),
        data={"user": token.user_id, "token": token.pk, "reason": reason or "revoked"},
    )
    token.delete()


def credentials_changed(
    *,
    user: User,
    reason: str,
    by: User | None = None,
    request: HttpRequest | None = None,
    keep_sessions: bool = False,
) -> None:
    """After a password or role change: revoke the person's API tokens and sign them out.

    A password change already ends every other session (the session hash includes the
    password hash; the session that changed it is kept up to date by Django/allauth), hence
    ``keep_sessions``. A role change, made by someone else, ends all of the person's sessions
    by changing ``security_stamp``.
    """
    for token in list(ApiToken.objects.filter(user=user)):
        api_token_revoke(token=token, by=by, request=request, reason=reason)
    if not keep_sessions:
        user.security_stamp = secrets.token_hex(16)
        User.objects.filter(pk=user.pk).update(security_stamp=user.security_stamp)
        audit_record(
            action=AuditEvent.Action.SESSIONS_REVOKED,
            actor=by,
            target=user,
            request=request,
            summary=f"{user.email}: {reason}",
            data={"user": user.pk, "reason": reason},
        )
