from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = _("Group evidence")

    def ready(self) -> None:
        from accounts import policy

        from . import signals  # noqa: F401
        from .models import (
            CapacityGap,
            Cause,
            CircumstanceFactor,
            Citation,
            Comment,
            DataGap,
            GroupAction,
            GroupSummary,
            Revision,
            RoleEntry,
        )
        from .rules import AnalysisRule, CircumstanceFactorRule

        for model in (
            CapacityGap,
            Cause,
            Comment,
            DataGap,
            GroupAction,
            GroupSummary,
            Revision,
            RoleEntry,
        ):
            policy.register(model, AnalysisRule("country"))
        policy.register(Citation, AnalysisRule("cause__country", "capacity_gap__country"))
        policy.register(CircumstanceFactor, CircumstanceFactorRule())
