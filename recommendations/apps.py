from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = _("Recommendations")

    def ready(self) -> None:
        from django.conf import settings

        from accounts import policy
        from common import jobs

        from . import rules
        from .models import (
            Action,
            Assessment,
            Change,
            Cluster,
            ImportJob,
            Institution,
            Mechanism,
            Recommendation,
            SourceDocument,
            Theme,
            ThemeSynonym,
            TrackingIndicator,
        )

        for vocabulary in (Mechanism, Theme, ThemeSynonym):
            policy.register(vocabulary, policy.VocabularyRule())
        # A source document belongs to its country: read by that country's members.
        policy.register(SourceDocument, rules.TrackedRule("country", Q()))
        policy.register(Recommendation, rules.RecommendationRule())
        policy.register(Cluster, rules.ClusterRule())
        policy.register(Institution, rules.StaffRecordRule())
        policy.register(TrackingIndicator, rules.StaffRecordRule())
        policy.register(Change, rules.StaffRecordRule())
        policy.register(Action, rules.ActionRule())
        policy.register(Assessment, rules.AssessmentRule())
        policy.register(ImportJob, policy.CountryEvidenceRule("country"))
        # A dead worker must not leave an import "reading the file" or "importing" for ever.
        jobs.register(
            ImportJob,
            running=[ImportJob.Status.PREVIEWING, ImportJob.Status.IMPORTING],
            failed=ImportJob.Status.FAILED,
            limit=lambda: settings.IMPORT_TASK_TIME_LIMIT,
            finished_at_field="finished_at",
        )
