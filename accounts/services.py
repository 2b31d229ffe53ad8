"""Writes for accounts: memberships (roles) and the audit log."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from .models import AuditEvent, Membership, Organisation, User


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    target=None,
    summary: str = "",
    data: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append an event to the audit log. ``data`` must never hold sensitive content."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        summary=summary[:500],
        data=data or {},
        ip_address=_client_ip(request),
    )


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
    membership.delete()
