from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "analysis"
    verbose_name = _("Survey analysis")

    def ready(self) -> None:
        from accounts import policy

        from .models import Dataset, Indicator, LeafGroupLink, Run

        policy.register(Dataset, policy.CountryEvidenceRule("country"))
        policy.register(Run, policy.CountryEvidenceRule("dataset__country", "published"))
        policy.register(
            LeafGroupLink, policy.CountryEvidenceRule("run__dataset__country", "run__published")
        )
        policy.register(Indicator, policy.VocabularyRule())
