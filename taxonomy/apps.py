from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "taxonomy"
    verbose_name = _("Shared vocabularies")

    def ready(self) -> None:
        from accounts import policy

        from .models import (
            Factor,
            GroupSynonym,
            PopulationGroup,
            SDGGoal,
            SDGIndicator,
            SDGTarget,
        )

        for model in (PopulationGroup, GroupSynonym, Factor, SDGGoal, SDGTarget, SDGIndicator):
            policy.register(model, policy.VocabularyRule())
