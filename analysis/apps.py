from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "analysis"
    verbose_name = _("Survey analysis")

    def ready(self) -> None:
        from django.conf import settings

        from accounts import policy
        from common import jobs

        from .models import Dataset, Indicator, LeafGroupLink, Run

        policy.register(Dataset, policy.CountryEvidenceRule("country"))
        policy.register(Run, policy.CountryEvidenceRule("dataset__country", "published"))
        policy.register(
            LeafGroupLink, policy.CountryEvidenceRule("run__dataset__country", "run__published")
        )
        policy.register(Indicator, policy.VocabularyRule())

        # A dead worker must not leave a run "running" or a dataset "profiling" for ever.
        def limit():
            return settings.ANALYSIS_TASK_TIME_LIMIT

        jobs.register(
            Run,
            running=[Run.Status.RUNNING],
            failed=Run.Status.FAILED,
            limit=limit,
            finished_at_field="finished_at",
        )
        jobs.register(
            Dataset, running=[Dataset.Status.PROFILING], failed=Dataset.Status.FAILED, limit=limit
        )

        from django.db.models.signals import post_delete

        from .signals import remove_prepared_cache

        post_delete.connect(remove_prepared_cache, sender=Dataset, dispatch_uid="dataset-cache")
