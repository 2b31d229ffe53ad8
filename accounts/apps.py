from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and access")

    def ready(self) -> None:
        from . import policy, signals  # noqa: F401
        from .models import AuditEvent, Membership, Organisation

        policy.register(Organisation, policy.OrganisationRule())
        policy.register(Membership, policy.MembershipRule())
        policy.register(AuditEvent, policy.AuditRule())
