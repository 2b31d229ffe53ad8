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

        # Shared by every country: only vocabulary stewards change them. RCO staff may
        # propose a population group (saved as needs_review for the stewards).
        policy.register(PopulationGroup, policy.VocabularyRule(propose=True))
        for model in (GroupSynonym, Factor, SDGGoal, SDGTarget, SDGIndicator):
            policy.register(model, policy.VocabularyRule())
