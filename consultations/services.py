"""Writes for community voice: campaigns and consent versions, story submission, withdrawal,
review and redaction, focus groups, retention."""

from __future__ import annotations

import datetime
import logging
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Organisation
from accounts.services import audit_record
from common.storage import delete_stored

from .models import (
    Campaign,
    ConsentText,
    FocusGroup,
    FocusGroupTheme,
    Instrument,
    Narrative,
    Quote,
    ReviewStatus,
    Signifier,
    SignifierVersion,
    SubmissionTombstone,
    Theme,
    Upload,
    Withdrawal,
    receipt_hash,
    tombstone_hash,
)

logger = logging.getLogger(__name__)

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud
WG_DOMAINS = ("seeing", "hearing", "walking", "cognition", "self_care", "communication")
WG_ANSWERS = ("no_difficulty", "some_difficulty", "a_lot_of_difficulty", "cannot_do")


def new_receipt_code() -> str:
    """12 characters in three groups, e.g. 'K7QM-3XPA-ZR9T' (~60 bits)."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@transaction.atomic
def campaign_save(
    *,
    campaign: Campaign,
    consent_text: str = "",
    user,
    target_groups=None,
    partners=None,
    consent_texts: dict[str, str] | None = None,
) -> Campaign:
    """Save a campaign with its consent text in each language (``consent_texts``; the older
    ``consent_text`` is the text in the campaign's first language). A changed text becomes a
    new version of that language's text; old versions stay, because stories given under them
    point to them. An open campaign must have every text in every one of its languages
    (``campaign_missing_translations``); otherwise nothing is saved."""
    if campaign.ends_on < campaign.starts_on:
        raise ValidationError(_("The campaign cannot end before it starts."))
    if not campaign.pk:
        campaign.created_by = user
    was_visible, invited_before = _partner_visibility(campaign)
    texts = dict(consent_texts or {})
    if consent_text.strip() and not texts.get(campaign.first_language):
        texts[campaign.first_language] = consent_text
    if campaign.purpose and not campaign.purpose_translations.get(campaign.first_language):
        campaign.purpose_translations = {
            **campaign.purpose_translations,
            campaign.first_language: campaign.purpose,
        }
    campaign.full_clean()
    campaign.save()
    if target_groups is not None:
        campaign.target_groups.set(target_groups)
    if partners is not None:
        campaign.partners.set(partners)
    _invite_new_partners(campaign, invited_before if was_visible else set())
    for language, text in texts.items():
        text = (text or "").strip()
        if not text:
            continue
        current = campaign.consent_for(language)
        if current is None or current.text.strip() != text:
            ConsentText.objects.create(
                campaign=campaign,
                language=language,
                version=(current.version + 1) if current else 1,
                text=text,
            )
    if campaign.status == Campaign.Status.OPEN:
        missing = campaign_missing_translations(campaign)
        if missing:
            raise ValidationError(
                _(
                    "The campaign cannot open until every text exists in each of its "
                    "languages. Missing: %(missing)s."
                )
                % {"missing": "; ".join(missing)}
            )
    return campaign


def campaign_missing_translations(campaign: Campaign) -> list[str]:
    """Every text a respondent reads that is missing in one of the campaign's languages, as
    phrases a person can act on ("French: consent text"). Empty when the campaign may open."""
    from django.conf import settings

    names = dict(settings.LANGUAGES)
    missing: list[str] = []
    instruments = list(campaign.instruments.prefetch_related("signifiers", "group_choices"))
    targets = list(campaign.target_groups.all())
    for language in campaign.languages or ["en"]:
        where = str(names.get(language, language))

        def lack(what: str, where=where) -> None:
            missing.append(f"{where}: {what}")

        if not (campaign.purpose_translations.get(language) or "").strip():
            lack(_("purpose"))
        if campaign.consent_for(language) is None:
            lack(_("consent text"))
        for instrument in instruments:
            if not (instrument.prompt.get(language) or "").strip():
                lack(_("prompt of “%(name)s”") % {"name": instrument.name})
            for signifier in instrument.signifiers.all():
                if not (signifier.question.get(language) or "").strip():
                    lack(_("question “%(key)s”") % {"key": signifier.key})
                labels = (
                    [option.get("label") or {} for option in signifier.labels]
                    if signifier.kind in ("single", "multiple")
                    else signifier.labels
                )
                if any(not (label or {}).get(language) for label in labels):
                    lack(_("answers of “%(key)s”") % {"key": signifier.key})
            if instrument.ask_groups:
                groups = list(instrument.group_choices.all()) or targets
                for group in groups:
                    if not group.name_in(language):
                        lack(_("group “%(name)s”") % {"name": group.name})
    return missing


def _partner_visibility(campaign: Campaign) -> tuple[bool, set[int]]:
    """Could partners see the campaign before this save (not a draft), and which were invited."""
    if not campaign.pk:
        return False, set()
    before = Campaign.objects.filter(pk=campaign.pk).values_list("status", flat=True).first()
    return before not in (None, Campaign.Status.DRAFT), set(
        campaign.partners.values_list("pk", flat=True)
    )


def _invite_new_partners(campaign: Campaign, already_told: set[int]) -> None:
    """E-mail the partners who can now see the campaign for the first time (invited, or
    the campaign left its draft), once the save commits."""
    if campaign.status == Campaign.Status.DRAFT:
        return
    new = set(campaign.partners.values_list("pk", flat=True)) - already_told
    if new:
        from .notifications import notify_campaign_invitation

        transaction.on_commit(
            lambda: notify_campaign_invitation(campaign=campaign, organisation_ids=new)
        )


def washington_group_disability(answers: dict) -> bool | None:
    """Washington Group short set cut-off: at least one domain with 'a lot of difficulty' or
    'cannot do at all' (WG recommended disability identifier)."""
    given = [answers.get(d) for d in WG_DOMAINS if answers.get(d)]
    if not given:
        return None
    return any(a in ("a_lot_of_difficulty", "cannot_do") for a in given)


def narrative_build(
    *,
    instrument: Instrument,
    values: dict,
    consent: dict,
    channel: str,
    organisation: Organisation | None = None,
    user=None,
    external_key: str = "",
) -> tuple[Narrative, str]:
    """Check and build (not save) a story with its consent record and receipt code.

    ``consent`` needs ``given`` (True), ``how``, ``date`` and the uses. Without consent
    nothing is stored.
    """
    campaign = instrument.campaign
    if not consent.get("given"):
        raise ValidationError(_("Without consent the story cannot be stored."))
    if channel != Narrative.Channel.UPLOAD:
        if campaign.status != Campaign.Status.OPEN:
            raise ValidationError(_("This campaign is not open for stories."))
        today = timezone.localdate()
        if today < campaign.starts_on:
            raise ValidationError(
                _("This consultation opens on %(date)s; stories can be shared from then.")
                % {"date": date_format(campaign.starts_on)}
            )
        if today > campaign.ends_on:
            raise ValidationError(
                _("This consultation closed on %(date)s and no longer accepts stories.")
                % {"date": date_format(campaign.ends_on)}
            )
    if not (values.get("story") or "").strip():
        raise ValidationError(_("Please tell your story: the story is the one required part."))
    consent_date = consent.get("date") or timezone.localdate()
    code = new_receipt_code()
    wg = values.get("washington_group") or {}
    narrative = Narrative(
        campaign=campaign,
        instrument=instrument,
        organisation=organisation,
        collected_by=user,
        channel=channel,
        external_key=external_key,
        language=values.get("language") or "en",
        title=(values.get("title") or "")[:200],
        story=values["story"].strip(),
        location=(values.get("location") or "")[:200],
        age_band=(values.get("age_band") or "")[:20],
        sex=values.get("sex") or "",
        groups_none=bool(values.get("groups_none")),
        groups_prefer_not=bool(values.get("groups_prefer_not")),
        groups_other=(values.get("groups_other") or "")[:200],
        washington_group=wg,
        has_disability=washington_group_disability(wg),
        answers=values.get("answers") or {},
        answer_versions=_answered_versions(instrument, values.get("answers") or {}),
        consent_text=consent.get("text")
        or campaign.consent_for(values.get("language") or "")
        or campaign.current_consent,
        consent_how=consent["how"],
        consent_date=consent_date,
        use_analysis=bool(consent.get("analysis", True)),
        use_quotation=bool(consent.get("quotation")),
        use_publication=bool(consent.get("publication")),
        retain_until=consent_date + datetime.timedelta(days=campaign.retention_days),
        receipt_hash=receipt_hash(code),
    )
    return narrative, code


def _answered_versions(instrument: Instrument, answers: dict) -> dict[str, int]:
    """The current version of each question answered, so the story keeps it when the question
    is edited later. Read once per instrument object (an import builds many stories)."""
    versions = getattr(instrument, "_signifier_versions", None)
    if versions is None:
        versions = dict(instrument.signifiers.values_list("key", "version"))
        setattr(instrument, "_signifier_versions", versions)  # noqa: B010 - a memo, not a field
    return {key: versions[key] for key in answers if key in versions}


@transaction.atomic
def narrative_submit(
    *,
    instrument: Instrument,
    values: dict,
    consent: dict,
    channel: str,
    organisation: Organisation | None = None,
    user=None,
    groups=(),
    external_key: str = "",
) -> tuple[Narrative, str]:
    """Store one story with its consent record; return it and the receipt code (shown once)."""
    if (
        organisation is not None
        and not instrument.campaign.partners.filter(pk=organisation.pk).exists()
    ):
        raise PermissionDenied
    # One story at a time: read the questions' versions now, not from an earlier call.
    instrument.__dict__.pop("_signifier_versions", None)
    narrative, code = narrative_build(
        instrument=instrument,
        values=values,
        consent=consent,
        channel=channel,
        organisation=organisation,
        user=user,
        external_key=external_key,
    )
    narrative.full_clean(exclude=["receipt_hash"])
    narrative.save()
    if groups:
        narrative.groups.set(groups)
    return narrative, code


def narratives_bulk_store(batch: list[tuple[Narrative, list]]) -> int:
    """Insert built stories and their self-identified groups in two queries (imports)."""
    Narrative.objects.bulk_create([narrative for narrative, _groups in batch])
    through = Narrative.groups.through
    through.objects.bulk_create(
        [
            through(narrative_id=narrative.pk, populationgroup_id=group.pk)
            for narrative, groups in batch
            for group in groups
        ]
    )
    return len(batch)


def upload_delete_raw(*, upload: Upload) -> None:
    """Delete an upload's raw file and its preview rows (the counts and problems stay)."""
    if upload.file:
        try:
            delete_stored(upload.file.name)
        except OSError:
            logger.exception("upload %s: the raw file could not be deleted", upload.reference)
        upload.file = ""
    upload.preview = []
    upload.inspection = {}  # its sample values are answers too
    upload.raw_delete_after = None
    upload.save(update_fields=["file", "preview", "inspection", "raw_delete_after"])


def _forget_upload_copies(narrative: Narrative) -> None:
    """Remove every copy of a story held by uploads: the raw file it was imported from (if
    kept for troubleshooting) and any preview row with its submission key."""
    if narrative.source_upload_id:
        source = Upload.objects.filter(pk=narrative.source_upload_id).first()
        if source is not None and (source.file or source.preview):
            upload_delete_raw(upload=source)
    if not narrative.external_key:
        return
    for upload in Upload.objects.filter(campaign_id=narrative.campaign_id).exclude(preview=[]):
        key = narrative.external_key
        kept = [row for row in upload.preview if row.get("_key", "")[:100] != key]
        if len(kept) != len(upload.preview):
            upload.preview = kept
            upload.save(update_fields=["preview"])


def _delete_narrative(narrative: Narrative, reason: str) -> None:
    """Delete a story and every copy of it; leave a tombstone (a hash of its submission key,
    never its content) so re-uploading the same export does not bring it back; delete themes
    that only this story used (a reviewer may have named one from the story's words)."""
    Withdrawal.objects.create(campaign_id=narrative.campaign_id, kind="narrative", reason=reason)
    if narrative.external_key:
        SubmissionTombstone.objects.get_or_create(
            campaign_id=narrative.campaign_id,
            key_hash=tombstone_hash(narrative.campaign_id, narrative.external_key),
            defaults={"reason": reason},
        )
    _forget_upload_copies(narrative)
    theme_ids = list(narrative.themes.values_list("pk", flat=True))
    narrative.delete()  # cascades to groups, tags and factors
    if theme_ids:
        Theme.objects.filter(pk__in=theme_ids, narratives__isnull=True).delete()


#: Why RCO staff delete a story (stored in the audit log as the code, never as free text).
DELETE_REASONS = {
    "teller_asked": _("The teller asked (through the partner) to withdraw it"),
    "identifying": _("It could identify someone and cannot be redacted"),
    "no_consent": _("Consent was not valid"),
    "other": _("Another reason"),
}


@transaction.atomic
def narrative_delete(*, narrative: Narrative, user, reason: str) -> None:
    """RCO staff delete a story (e.g. an uploaded one whose teller has no receipt code):
    everything derived from it goes, a tombstone stops re-imports, and the audit log records
    who, when and the reason code — not the content."""
    if reason not in DELETE_REASONS:
        raise ValidationError(_("Choose why the story is deleted."))
    pk, campaign_id = narrative.pk, narrative.campaign_id
    _delete_narrative(narrative, Withdrawal.Reason.DELETED)
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=user,
        summary=f"story {pk} deleted by RCO staff",
        data={"campaign": campaign_id, "reason": reason},
    )


@transaction.atomic
def narrative_withdraw(*, code: str) -> bool:
    """Delete the story behind a receipt code and everything derived from it. Logged without
    the content. Returns False for an unknown code (no hint whether it ever existed)."""
    narrative = (
        Narrative.objects.select_for_update().filter(receipt_hash=receipt_hash(code)).first()
    )
    if narrative is None:
        return False
    _delete_narrative(narrative, Withdrawal.Reason.WITHDRAWN)
    audit_record(
        action=AuditEvent.Action.DELETE,
        summary="a story was withdrawn by its teller",
        data={"campaign": narrative.campaign_id},
    )
    return True


def retention_purge(*, today: datetime.date | None = None) -> int:
    """Delete stories and focus-group records past their retention date."""
    today = today or timezone.localdate()
    count = 0
    expired = Narrative.objects.filter(retain_until__lt=today).only(
        "pk", "campaign_id", "external_key", "source_upload_id"
    )
    for narrative in expired:
        with transaction.atomic():
            _delete_narrative(narrative, Withdrawal.Reason.RETENTION)
        count += 1
    for record in FocusGroup.objects.filter(retain_until__lt=today).only("pk", "campaign_id"):
        with transaction.atomic():
            Withdrawal.objects.create(
                campaign_id=record.campaign_id,
                kind="focus_group",
                reason=Withdrawal.Reason.RETENTION,
            )
            record.delete()
        count += 1
    if count:
        audit_record(
            action=AuditEvent.Action.DELETE,
            summary=f"{count} records deleted at the end of their retention period",
        )
    return count


@transaction.atomic
def submission_review(*, obj: Narrative | FocusGroup, status: str, note: str, user, request=None):
    """Approve / hold / not approve a story or focus-group record; logged."""
    if status not in ReviewStatus.values or status == ReviewStatus.PENDING:
        raise ValidationError(_("Choose approved, on hold or not approved."))
    previous = obj.review_status
    obj.review_status, obj.review_note = status, note
    obj.reviewed_by, obj.reviewed_at = user, timezone.now()
    obj.save(update_fields=["review_status", "review_note", "reviewed_by", "reviewed_at"])
    audit_record(
        action=AuditEvent.Action.REVIEW,
        actor=user,
        target=obj,
        request=request,
        summary=f"{obj._meta.verbose_name} {obj.pk}: {previous} → {status}",
    )
    return obj


@transaction.atomic
def narrative_redact(*, narrative: Narrative, spans, user) -> Narrative:
    """Replace personal identifiers in the story and title (one click for the reviewer)."""
    from .privacy import find_identifiers, redact

    narrative.story = redact(narrative.story, spans)
    narrative.title = redact(narrative.title, find_identifiers(narrative.title))
    narrative.save(update_fields=["story", "title"])
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=narrative,
        summary=f"identifiers redacted in story {narrative.pk}",
    )
    return narrative


@transaction.atomic
def focus_group_delete(*, record: FocusGroup, user, reason: str) -> None:
    """RCO staff delete a focus-group record with its themes and quotes; the audit log
    records who, when and the reason code — never the content."""
    if reason not in DELETE_REASONS:
        raise ValidationError(_("Choose why the record is deleted."))
    pk, campaign_id = record.pk, record.campaign_id
    Withdrawal.objects.create(
        campaign_id=campaign_id, kind="focus_group", reason=Withdrawal.Reason.DELETED
    )
    record.delete()  # cascades to themes, quotes and group links
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=user,
        summary=f"focus group {pk} deleted by RCO staff",
        data={"campaign": campaign_id, "reason": reason},
    )


def participants_check(participants: dict) -> list[str]:
    """Why a focus group's participant counts do not add up (empty when they do): the
    counts by sex and by age are two views of the same people, so each must sum to the
    number of participants, and no more can have a disability than took part."""
    total = int(participants.get("total") or 0)
    by_sex = sum(int(v or 0) for v in (participants.get("sex") or {}).values())
    by_age = sum(int(v or 0) for v in (participants.get("age") or {}).values())
    disability = int((participants.get("disability") or {}).get("with") or 0)
    problems = []
    if total <= 0:
        problems.append(_("Give the number of participants."))
        return problems
    if by_sex != total:
        problems.append(
            _(
                "The counts by sex add up to %(sex)s, but %(total)s people took part: "
                "correct one of them (use “Other / not said” for people who did not say)."
            )
            % {"sex": by_sex, "total": total}
        )
    if by_age != total:
        problems.append(
            _(
                "The counts by age add up to %(age)s, but %(total)s people took part: "
                "correct one of them (use “Age not said” for people who did not say)."
            )
            % {"age": by_age, "total": total}
        )
    if disability > total:
        problems.append(
            _("%(n)s persons with disabilities is more than the %(total)s who took part.")
            % {"n": disability, "total": total}
        )
    return problems


@transaction.atomic
def focus_group_update(*, record: FocusGroup, user, changed: list[str]) -> FocusGroup:
    """Save an edited focus-group record (counts checked); a record changed by its partner
    after review goes back to review; the audit log names the changed fields, not values."""
    problems = participants_check(record.participants)
    if problems:
        raise ValidationError(problems)
    from accounts.policy import actor_for

    reviewer = record.campaign.country in actor_for(user).rco_countries
    if record.review_status != ReviewStatus.PENDING and not reviewer:
        record.review_status = ReviewStatus.PENDING
    record.full_clean()
    record.save()
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=record,
        summary=f"focus group {record.pk} edited",
        data={"fields": sorted(changed)},
    )
    return record


# --------------------------------------------------------------------------------------------
# Instruments: questions that people can maintain


@transaction.atomic
def instrument_save(
    *, instrument: Instrument, campaign: Campaign, prompt: dict, group_choices, user=None
) -> Instrument:
    """Save an instrument's name, prompt (per language) and identity questions."""
    instrument.campaign = campaign
    instrument.prompt = prompt
    instrument.full_clean()
    instrument.save()
    instrument.group_choices.set(group_choices)
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=campaign,
        summary=f"instrument {instrument.pk} saved",
    )
    return instrument


def _question_changed(signifier: Signifier, *, question, labels, allow_other, kind) -> bool:
    return (
        signifier.question != question
        or signifier.labels != labels
        or signifier.allow_other != allow_other
        or signifier.kind != kind
    )


def _signifier_answered(signifier: Signifier) -> bool:
    return signifier.instrument.narratives.filter(answers__has_key=signifier.key).exists()


def _same_choices(before: list, after: list) -> bool:
    return [str(o.get("value")) for o in before] == [str(o.get("value")) for o in after]


@transaction.atomic
def signifier_add(
    *,
    instrument: Instrument,
    key: str,
    kind: str,
    question: dict,
    labels: list,
    allow_other: bool = False,
    user=None,
) -> Signifier:
    """Add a question at the end of the instrument (validated; logged)."""
    if instrument.signifiers.filter(key=key).exists():
        raise ValidationError(
            {"key": _("This instrument already has a question with this short name.")}
        )
    last = instrument.signifiers.order_by("-order").values_list("order", flat=True).first()
    signifier = Signifier(
        instrument=instrument,
        key=key,
        kind=kind,
        question=question,
        labels=labels,
        allow_other=allow_other,
        order=(last or 0) + 1,
    )
    signifier.full_clean()
    signifier.save()
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=instrument.campaign,
        summary=f"question {key} added to instrument {instrument.pk}",
    )
    return signifier


@transaction.atomic
def signifier_update(
    *,
    signifier: Signifier,
    question: dict,
    labels: list,
    allow_other: bool,
    same_meaning: bool = True,
    user=None,
) -> Signifier:
    """Edit a question's wording, labels or choices.

    A question no story has answered yet is changed in place. Once stories answer it, the
    old version is kept as a :class:`SignifierVersion` and the question counts up its
    ``version``: every story keeps the version it answered (``Narrative.answer_versions``),
    so its answers are always read against the labels the teller saw.

    Analysis pools versions that *share choices*: the kind never changes (a new kind is a new
    question), choice questions must keep the same choice values in the same order (labels
    and translations may change), and for a triad or dyad — whose answers are positions, not
    values — the editor states that the corners or ends still mean the same
    (``same_meaning``). A version that does not combine starts a new series in analysis.
    """
    signifier = Signifier.objects.select_for_update().get(pk=signifier.pk)
    kind = signifier.kind
    if not _question_changed(
        signifier, question=question, labels=labels, allow_other=allow_other, kind=kind
    ):
        return signifier
    if kind in (Signifier.Kind.TRIAD, Signifier.Kind.DYAD):
        expected = 3 if kind == Signifier.Kind.TRIAD else 2
        if len(labels) != expected:
            raise ValidationError(
                _("A %(kind)s needs exactly %(n)s labels, one per line.")
                % {"kind": kind, "n": expected}
            )
    answered = _signifier_answered(signifier)
    if answered:
        SignifierVersion.objects.create(
            signifier=signifier,
            version=signifier.version,
            kind=signifier.kind,
            question=signifier.question,
            labels=signifier.labels,
            allow_other=signifier.allow_other,
            combines_with_previous=signifier.combines_with_previous,
        )
        combines = (
            _same_choices(signifier.labels, labels)
            if kind in (Signifier.Kind.SINGLE, Signifier.Kind.MULTIPLE)
            else bool(same_meaning)
        )
        signifier.version += 1
        signifier.combines_with_previous = combines
    signifier.question, signifier.labels, signifier.allow_other = question, labels, allow_other
    signifier.full_clean()
    signifier.save()
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=signifier.instrument.campaign,
        summary=(
            f"question {signifier.key} edited: version {signifier.version}"
            if answered
            else f"question {signifier.key} edited (not answered yet)"
        ),
    )
    return signifier


@transaction.atomic
def signifier_move(*, signifier: Signifier, direction: str, user=None) -> None:
    """Move a question one place up or down in its instrument (renumbers 1..n)."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a question up or down."))
    questions = list(
        Signifier.objects.select_for_update()
        .filter(instrument_id=signifier.instrument_id)
        .order_by("order", "pk")
    )
    index = next(i for i, s in enumerate(questions) if s.pk == signifier.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    for position, question in enumerate(questions, start=1):
        if question.order != position:
            question.order = position
            question.save(update_fields=["order"])


@transaction.atomic
def signifier_remove(*, signifier: Signifier, user=None) -> None:
    """Remove a question no story has answered (an answered one keeps its answers' meaning:
    edit it instead)."""
    if _signifier_answered(signifier):
        raise ValidationError(_("Stories already answer this question; it cannot be removed."))
    key, instrument = signifier.key, signifier.instrument
    signifier.delete()
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=instrument.campaign,
        summary=f"question {key} removed from instrument {instrument.pk}",
    )


# --------------------------------------------------------------------------------------------
# Writes moved out of the views


@transaction.atomic
def narrative_tag(*, narrative: Narrative, themes, factors, sdg_targets, user=None) -> Narrative:
    """Set a story's themes (by name; a new name becomes a theme), five factors and SDG
    targets (logged without content)."""
    names = [name.strip()[:200] for name in themes if name and name.strip()]
    chosen = [Theme.objects.get_or_create(name=name)[0] for name in dict.fromkeys(names)]
    narrative.themes.set(chosen)
    narrative.factors.set(factors)
    narrative.sdg_targets.set(sdg_targets)
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=narrative,
        summary=f"story {narrative.pk} tagged",
    )
    return narrative


@transaction.atomic
def focus_group_record(
    *,
    record: FocusGroup,
    campaign: Campaign,
    organisation: Organisation | None,
    user,
    consent_how: str,
    use_quotation: bool,
    use_publication: bool,
    groups=(),
    themes_text: str = "",
    quotes=(),
) -> FocusGroup:
    """Store a focus-group record with its consent record (the campaign's current consent
    text, given on the day of the discussion), themes ("summary | factor codes | target
    codes" per line) and quotes (text, self-described group)."""
    from taxonomy.models import Factor, SDGTarget

    if campaign.current_consent is None:
        raise ValidationError(_("This campaign has no consent text yet."))
    record.campaign = campaign
    record.organisation = organisation
    record.recorded_by = user
    record.consent_text = campaign.current_consent
    record.consent_how = consent_how
    record.consent_date = record.held_on
    record.use_quotation = bool(use_quotation)
    record.use_publication = bool(use_publication)
    record.retain_until = record.held_on + datetime.timedelta(days=campaign.retention_days)
    record.save()
    record.groups.set(groups)
    for line in (themes_text or "").splitlines():
        if not line.strip():
            continue
        summary, _sep, rest = line.partition("|")
        factor_codes, _sep, target_codes = rest.partition("|")
        theme = FocusGroupTheme.objects.create(focus_group=record, summary=summary.strip())
        theme.factors.set(
            Factor.objects.filter(
                code__in=[c.strip() for c in factor_codes.split(",") if c.strip()]
            )
        )
        theme.sdg_targets.set(
            SDGTarget.objects.filter(
                code__in=[c.strip() for c in target_codes.split(",") if c.strip()]
            )
        )
    for text, speaker in quotes:
        Quote.objects.create(focus_group=record, text=text, speaker_group=speaker)
    return record


#: How long a public-form submission token is remembered (a double click, a re-sent form).
SUBMISSION_TOKEN_SECONDS = 60 * 60 * 6


class AlreadySubmitted(Exception):
    """The form with this submission token was already stored: nothing is stored twice."""


def narrative_submit_once(
    *,
    token: str,
    instrument: Instrument,
    values: dict,
    form_consent: dict,
    channel: str,
    organisation: Organisation | None = None,
    user=None,
    groups=(),
    consent_text: ConsentText | None = None,
) -> tuple[Narrative, str]:
    """The respondent form's write: turn the form's consent answers into the consent record
    (analysis always, quotation and publication as ticked, given today, "self" unless a data
    collector said how) and store the story once per submission token (a second post of the
    same form raises :class:`AlreadySubmitted`; a rejected story frees the token so the
    corrected form can be sent)."""
    from django.core.cache import cache

    key = f"story-submitted:{token}"
    if not cache.add(key, True, SUBMISSION_TOKEN_SECONDS):
        raise AlreadySubmitted
    consent = {
        "given": form_consent.get("consent"),
        "how": form_consent.get("consent_how") or "self",
        "date": timezone.localdate(),
        "analysis": True,
        "quotation": form_consent.get("use_quotation"),
        "publication": form_consent.get("use_publication"),
        # The text (version and language) the respondent read; else the latest in the
        # story's language.
        "text": consent_text,
    }
    try:
        return narrative_submit(
            instrument=instrument,
            values=values,
            consent=consent,
            channel=channel,
            organisation=organisation,
            user=user,
            groups=groups,
        )
    except Exception:
        cache.delete(key)
        raise
