"""Writes for group pages: summaries, data gaps, the HRBA analyses, comments, validation.
Every change to an analysis is recorded as a Revision (who, what, when, before/after)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.history import snapshot
from taxonomy.models import PopulationGroup

from .models import (
    CapacityGap,
    Cause,
    Citation,
    Comment,
    DataGap,
    GroupAction,
    GroupSummary,
    Revision,
    RoleEntry,
)
from .refresh import compute_now, is_current, refresh_one


def summary_for(group: PopulationGroup, country: str) -> GroupSummary:
    """The group's stored summary in one country, recomputed first if its inputs changed
    (for tasks, commands and tests; requests use ``refresh.stored_summary``)."""
    summary = GroupSummary.objects.filter(group=group, country=country).first()
    if summary is None or summary.stale or not is_current(summary):
        summary = compute_now(group, country)
    return summary


def summaries_refresh() -> int:
    """Recompute every stale or missing summary (the periodic task, after imports): one per
    group and country that has organisations."""
    from accounts.models import Organisation

    countries = sorted(set(Organisation.objects.values_list("country", flat=True)))
    count = 0
    for group in PopulationGroup.objects.all():
        for country in countries:
            count += refresh_one(group.pk, country)
    return count


@transaction.atomic
def analysis_save(
    *, obj, group: PopulationGroup, user, country: str | None = None, m2m: dict | None = None
):
    """Create or change an element of the analyses, with its revision. A new element gets
    ``country`` (the page's); an existing one keeps its own."""
    if not getattr(obj, "country", "") and country:
        obj.country = country
    if hasattr(obj, "role_id") and obj.role_id and not obj.country:
        obj.country = obj.role.country
    before = None
    if obj.pk:
        before = snapshot(type(obj).objects.get(pk=obj.pk))
    obj.full_clean()
    obj.save()
    for field, values in (m2m or {}).items():
        getattr(obj, field).set(values)
    Revision.objects.create(
        group=group,
        country=obj.country,
        author=user,
        element=f"{obj._meta.model_name}:{obj.pk}",
        change="changed" if before else "created",
        before=before,
        after=snapshot(obj),
    )
    return obj


@transaction.atomic
def analysis_delete(*, obj, group: PopulationGroup, user) -> None:
    Revision.objects.create(
        group=group,
        country=obj.country,
        author=user,
        element=f"{obj._meta.model_name}:{obj.pk}",
        change="deleted",
        before=snapshot(obj),
    )
    obj.delete()


# ---------------------------------------------------------------------------
# One service per action of the group page. Each checks the policy in the page's country,
# validates, writes in one transaction and records a Revision.
# ---------------------------------------------------------------------------


def may_write(*, user, country: str) -> bool:
    """UNCT members and RCO staff write the analyses of their own countries only."""
    from accounts import policy
    from accounts.policy import Action, actor_for

    from .models import Cause

    actor = actor_for(user)
    if actor.is_superuser:
        return bool(country)
    return country in actor.writer_countries and policy.can(user, Action.CREATE, Cause)


def _require_writer(user, country: str) -> None:
    if not may_write(user=user, country=country):
        raise PermissionDenied


def assignable_people(*, country: str):
    """Who a data gap of ``country`` can be assigned to: active RCO staff and UNCT members
    of that country (one membership must carry both the role and the country)."""
    from accounts.models import Membership, Role, User

    members = Membership.objects.filter(
        role__in=[Role.RCO_STAFF, Role.UNCT_MEMBER], organisation__country=country
    ).values("user_id")
    return User.objects.filter(pk__in=members, is_active=True).order_by("email")


def _same_country(objects, country: str, what: str) -> None:
    for obj in objects:
        if obj is not None and getattr(obj, "country", country) != country:
            raise ValidationError(_("%(what)s belongs to another country.") % {"what": what})


def _cite(citations: Sequence[Citation], **target) -> None:
    for citation in citations:
        citation.pk = None
        for field, value in target.items():
            setattr(citation, field, value)
        citation.full_clean()
        citation.save()


def cause_add(
    *,
    group: PopulationGroup,
    country: str,
    user,
    level: str,
    text: str,
    rights: str = "",
    parent: Cause | None = None,
    citations: Sequence[Citation] = (),
) -> Cause:
    """Add a node to the problem tree with the evidence it cites (citations are checked by
    the caller's form for visibility; they are saved here, in the same transaction)."""
    _require_writer(user, country)
    if parent is not None and (parent.group_id != group.pk or parent.country != country):
        raise ValidationError({"parent": _("Choose a cause of this group's tree.")})
    with transaction.atomic():
        cause = Cause(
            group=group,
            country=country,
            level=level,
            text=text,
            rights=rights,
            parent=parent,
            created_by=user,
        )
        analysis_save(obj=cause, group=group, user=user)
        _cite(citations, cause=cause)
    return cause


def cause_delete(*, cause: Cause, user) -> None:
    """Remove a cause (and, by cascade, its sub-causes and citations), with its revision."""
    _require_writer(user, cause.country)
    analysis_delete(obj=cause, group=cause.group, user=user)


def role_add(
    *,
    group: PopulationGroup,
    country: str,
    user,
    kind: str,
    name: str,
    claims_or_obligations: str,
    level: str = "",
    institution=None,
    recommendations: Sequence = (),
) -> RoleEntry:
    """Add a rights-holder, duty-bearer or other actor, linked to the recommendations that
    address it."""
    _require_writer(user, country)
    _same_country([institution, *recommendations], country, _("The institution or recommendation"))
    role = RoleEntry(
        group=group,
        country=country,
        kind=kind,
        name=name,
        level=level,
        claims_or_obligations=claims_or_obligations,
        institution=institution,
    )
    return analysis_save(
        obj=role, group=group, user=user, m2m={"recommendations": list(recommendations)}
    )


def capacity_gap_add(
    *,
    role: RoleEntry,
    user,
    dimension: str,
    severity: str,
    description: str,
    citations: Sequence[Citation] = (),
) -> CapacityGap:
    """Add a capacity gap of a role (its country is the role's) with the evidence it cites."""
    _require_writer(user, role.country)
    with transaction.atomic():
        gap = CapacityGap(
            role=role,
            country=role.country,
            dimension=dimension,
            severity=severity,
            description=description,
        )
        analysis_save(obj=gap, group=role.group, user=user)
        _cite(citations, capacity_gap=gap)
    return gap


def group_action_add(
    *,
    group: PopulationGroup,
    country: str,
    user,
    title: str,
    kind: str,
    owner: str,
    status: str = GroupAction.Status.PLANNED,
    starts_on: date | None = None,
    ends_on: date | None = None,
    causes: Sequence[Cause] = (),
    capacity_gaps: Sequence[CapacityGap] = (),
    recommendations: Sequence = (),
) -> GroupAction:
    """Add an action linked to the causes, capacity gaps and recommendations it answers."""
    _require_writer(user, country)
    _same_country([*causes, *capacity_gaps, *recommendations], country, _("A linked cause or gap"))
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The action cannot end before it starts.")})
    action = GroupAction(
        group=group,
        country=country,
        title=title,
        kind=kind,
        owner=owner,
        status=status,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    return analysis_save(
        obj=action,
        group=group,
        user=user,
        m2m={
            "causes": list(causes),
            "capacity_gaps": list(capacity_gaps),
            "recommendations": list(recommendations),
        },
    )


def comment_elements(*, group: PopulationGroup, country: str) -> set[str]:
    """What a comment may be about: the page, or a cause, role or action of this group in
    this country."""
    elements = {"page"}
    for prefix, model in (("cause", Cause), ("role", RoleEntry), ("action", GroupAction)):
        ids = model.objects.filter(group=group, country=country).values_list("pk", flat=True)
        elements |= {f"{prefix}:{pk}" for pk in ids}
    return elements


def comment_add(*, group: PopulationGroup, country: str, user, element: str, text: str) -> Comment:
    """Comment on the page or one element of its analyses (of the same group and country)."""
    _require_writer(user, country)
    if element not in comment_elements(group=group, country=country):
        raise ValidationError({"element": _("Choose an element of this page.")})
    with transaction.atomic():
        comment = Comment(group=group, country=country, author=user, element=element, text=text)
        comment.full_clean()
        comment.save()
        Revision.objects.create(
            group=group,
            country=country,
            author=user,
            element=f"comment:{comment.pk}",
            change="created",
            after={"element": element, "text": text[:300]},
        )
    return comment


def data_gap_assign(
    *,
    group: PopulationGroup,
    country: str,
    user,
    stream: str,
    description: str,
    sdg_goal=None,
    assigned_to=None,
    note: str = "",
) -> DataGap:
    """Record a silence of a stream and assign it to someone of the country for follow-up."""
    _require_writer(user, country)
    if assigned_to is not None and not (
        assignable_people(country=country).filter(pk=assigned_to.pk).exists()
    ):
        raise ValidationError(
            {"assigned_to": _("Assign the gap to RCO staff or a UNCT member of this country.")}
        )
    gap = DataGap(
        group=group,
        country=country,
        stream=stream,
        sdg_goal=sdg_goal,
        description=description,
        assigned_to=assigned_to,
        note=note,
        created_by=user,
    )
    return analysis_save(obj=gap, group=group, user=user)


def data_gap_close(*, gap: DataGap, user) -> DataGap:
    _require_writer(user, gap.country)
    if not gap.is_open:
        raise ValidationError(_("This data gap is already closed."))
    gap.is_open, gap.closed_at = False, timezone.now()
    return analysis_save(obj=gap, group=gap.group, user=user)


def summary_validate(
    *, group: PopulationGroup, country: str, user, validated_on: date, validated_how: str
) -> GroupSummary:
    """Record that the page's findings were validated with the communities concerned."""
    _require_writer(user, country)
    if validated_on > timezone.localdate():
        raise ValidationError({"validated_on": _("The date cannot be in the future.")})
    if not validated_how.strip():
        raise ValidationError({"validated_how": _("Say how the findings were validated.")})
    with transaction.atomic():
        summary, _created_now = GroupSummary.objects.select_for_update().get_or_create(
            group=group, country=country
        )
        summary.validated_with_communities = True
        summary.validated_on = validated_on
        summary.validated_how = validated_how
        summary.save(update_fields=["validated_with_communities", "validated_on", "validated_how"])
        Revision.objects.create(
            group=group,
            country=country,
            author=user,
            element="page",
            change="validated",
            after={"on": str(validated_on), "how": validated_how},
        )
    return summary


# ---------------------------------------------------------------------------
# The circumstance → factor table
# ---------------------------------------------------------------------------


def circumstance_factor_set(*, country: str, circumstance: str, factor: str, user):
    """Map a circumstance (exact name) to a factor in ``country``, replacing the country's
    earlier mapping of that name; the defaults (no country) stay as they are."""
    from accounts.models import AuditEvent
    from accounts.policy import actor_for
    from accounts.services import audit_record
    from taxonomy.models import Factor

    from .circumstances import circumstance_key
    from .models import CircumstanceFactor

    actor = actor_for(user)
    if not country or not (actor.is_superuser or country in actor.rco_countries):
        raise PermissionDenied
    if not Factor.objects.filter(code=factor).exists():
        raise ValidationError({"factor": _("Choose one of the five factors.")})
    name = " ".join(circumstance.split())
    if not name:
        raise ValidationError({"circumstance": _("Name the circumstance.")})
    with transaction.atomic():
        existing = [
            row
            for row in CircumstanceFactor.objects.select_for_update().filter(country=country)
            if circumstance_key(row.circumstance) == circumstance_key(name)
        ]
        row = existing[0] if existing else CircumstanceFactor(country=country)
        row.circumstance, row.factor, row.created_by = name, factor, user
        row.full_clean()
        row.save()
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=user,
            target=row,
            country=country,
            summary=f"circumstance {name} → factor {factor}",
        )
    return row


def circumstance_factor_delete(*, row, user) -> None:
    """Remove a country's mapping (the default for that name, if any, applies again)."""
    from accounts.models import AuditEvent
    from accounts.policy import actor_for
    from accounts.services import audit_record

    actor = actor_for(user)
    if not (actor.is_superuser or (row.country and row.country in actor.rco_countries)):
        raise PermissionDenied
    with transaction.atomic():
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=user,
            target=row,
            country=row.country,
            summary=f"circumstance {row.circumstance}: country mapping removed",
        )
        row.delete()
