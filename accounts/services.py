"""Writes for accounts: memberships (roles) and the audit log."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from .models import AuditEvent, Membership, Organisation, User


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
