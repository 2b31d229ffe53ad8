"""Receipt cards for offline collection.

Before field work a partner prints a sheet of receipt cards: each card carries a code and
the address of the withdrawal page. The enumerator hands a card to the teller and records
its code in the Kobo/ODK form (a column mapped to ``receipt_code``). The import gives the
story that code's hash as its receipt, so the teller withdraws it exactly as an online
teller does. Codes are shown once, on the printed sheet; only their SHA-256 is stored.

A code that was not issued to the uploading organisation for the campaign, or that is
already used (by a stored story, even a withdrawn one, or twice in the file), makes its row
a problem of the upload: the partner corrects it, it is never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Organisation
from accounts.services import audit_record

from .models import Campaign, Narrative, ReceiptBatch, ReceiptCard, receipt_hash
from .services import new_receipt_code

#: The field an upload's mapping links to the column holding the card's code.
RECEIPT_FIELD = "receipt_code"
MAX_CARDS = 200


@transaction.atomic
def receipt_batch_issue(
    *, campaign: Campaign, organisation: Organisation, user, count: int
) -> tuple[ReceiptBatch, list[str]]:
    """Issue ``count`` receipt codes to a partner of the campaign; return the batch and the
    codes (shown once, on the printable sheet; only their hashes are stored)."""
    if not campaign.partners.filter(pk=organisation.pk).exists():
        raise PermissionDenied
    if not 1 <= count <= MAX_CARDS:
        raise ValidationError(
            _("Print between 1 and %(max)s cards at a time.") % {"max": MAX_CARDS}
        )
    batch = ReceiptBatch.objects.create(
        campaign=campaign, organisation=organisation, issued_by=user, count=count
    )
    codes: list[str] = []
    hashes: set[str] = set()
    while len(codes) < count:
        code = new_receipt_code()
        digest = receipt_hash(code)
        if digest in hashes:
            continue
        if (
            ReceiptCard.objects.filter(code_hash=digest).exists()
            or Narrative.objects.filter(receipt_hash=digest).exists()
        ):
            continue  # ~60 bits: practically never, but a code must be unique
        hashes.add(digest)
        codes.append(code)
    ReceiptCard.objects.bulk_create(ReceiptCard(batch=batch, code_hash=h) for h in hashes)
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=user,
        target=campaign,
        summary=f"{count} receipt cards issued to {organisation}",
        data={"campaign": campaign.pk, "organisation": organisation.pk, "count": count},
    )
    return batch, codes


@dataclass
class ReceiptCheck:
    """The cards of one organisation and campaign, and the codes an upload has used so far."""

    cards: dict[str, bool]  # code hash → already used
    seen: set[str] = field(default_factory=set)

    @classmethod
    def for_upload(cls, upload) -> ReceiptCheck:
        cards = dict(
            ReceiptCard.objects.filter(
                batch__campaign_id=upload.campaign_id,
                batch__organisation_id=upload.organisation_id,
            ).values_list("code_hash", "used_at")
        )
        return cls(cards={h: used is not None for h, used in cards.items()})

    def problem(self, code: str | None) -> str | None:
        """Why a row's receipt code cannot be linked to its story, or None (also when the row
        has no code: a story without a card is stored, but only staff can delete it)."""
        if not code or not code.strip():
            return None
        digest = receipt_hash(code)
        if digest not in self.cards:
            return _(
                "the receipt code was not issued to this organisation for this campaign "
                "(check the card and correct the code)"
            )
        if self.cards[digest]:
            return _("the receipt code was already used for another story")
        if digest in self.seen:
            return _("the receipt code appears on more than one row of this file")
        self.seen.add(digest)
        return None


def receipt_link(narrative: Narrative, code: str | None) -> str | None:
    """Give an imported story (built, not yet saved) the hash of its card's code, so the
    card withdraws it. Returns the hash to mark used once the stories are stored."""
    if not code or not code.strip():
        return None
    narrative.receipt_hash = receipt_hash(code)
    return narrative.receipt_hash


def receipt_cards_mark_used(hashes) -> int:
    """Mark the cards of stored stories used, so their codes can never name another story
    (even after the story is withdrawn)."""
    hashes = [h for h in hashes if h]
    if not hashes:
        return 0
    return ReceiptCard.objects.filter(code_hash__in=hashes, used_at__isnull=True).update(
        used_at=timezone.now()
    )
