from allauth.account.adapter import DefaultAccountAdapter


class PortalAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by RCO staff; nobody signs themselves up."""

    def is_open_for_signup(self, request) -> bool:
        return False
