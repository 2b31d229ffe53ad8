from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Consultations")

    def ready(self) -> None:
        from django.conf import settings

        from accounts import policy
        from common import jobs

        from . import rules
        from .models import (
            Campaign,
            ColumnMapping,
            FocusGroup,
            Instrument,
            Narrative,
            PartnerSync,
            Quote,
            ReceiptBatch,
            Signifier,
            SyncRowIssue,
            Theme,
            Upload,
        )

        policy.register(Campaign, rules.CampaignRule())
        policy.register(Instrument, rules.CampaignPartRule(Campaign))
        policy.register(Narrative, rules.SubmissionRule())
        policy.register(FocusGroup, rules.SubmissionRule())
        policy.register(Upload, rules.PartnerOwnedRule())
        policy.register(ColumnMapping, rules.PartnerOwnedRule())
        policy.register(ReceiptBatch, rules.PartnerOwnedRule())
        policy.register(PartnerSync, rules.PartnerOwnedRule())
        policy.register(SyncRowIssue, rules.PartnerOwnedRule())
        policy.register(Signifier, rules.CampaignPartRule(Campaign))
        policy.register(Theme, policy.VocabularyRule())
        policy.register(Quote, rules.QuoteRule())
        # A sync's queue of rejected submissions follows its uploads' checks and imports.
        from django.db.models.signals import post_save

        from . import sync
        from .signals import submissions_imported

        post_save.connect(sync.on_upload_saved, sender=Upload, dispatch_uid="sync-issues")
        submissions_imported.connect(sync.on_submissions_imported, dispatch_uid="sync-fixed")
        # An upload left checking or importing by a dead worker is failed by the reaper; its
        # raw file then goes with the hourly purge of ended uploads.
        jobs.register(
            Upload,
            running=list(Upload.RUNNING_STATUSES),
            failed=Upload.Status.FAILED,
            limit=lambda: settings.UPLOAD_TASK_TIME_LIMIT,
        )
