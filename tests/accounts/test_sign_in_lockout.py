"""M6: failed sign-ins slow a guesser down without letting anyone lock the owner out."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lnob_portal.settings import base
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def real_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    yield
    cache.clear()


def browser(ip: str) -> Client:
    # Every visitor arrives through the same TLS proxy (REMOTE_ADDR), as in production.
    return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ip)


def sign_in(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_guessing_from_one_place_is_stopped(people):
    attacker = browser("198.51.100.66")
    for i in range(6):
        sign_in(attacker, people.unct.email, f"guess-{i}")
    response = sign_in(attacker, people.unct.email, PASSWORD)
    assert b"Too many failed login attempts" in response.content and not signed_in(attacker)


def test_attacker_elsewhere_cannot_lock_the_owner_out(people):
    attacker = browser("198.51.100.66")
    for i in range(8):
        sign_in(attacker, people.unct.email, f"guess-{i}")
    owner = browser("203.0.113.10")
    sign_in(owner, people.unct.email, PASSWORD)
    assert signed_in(owner)


def test_distributed_guessing_slows_to_a_trickle_but_the_owners_browser_gets_in(people):
    owner = browser("203.0.113.10")
    sign_in(owner, people.unct.email, PASSWORD)  # an earlier sign-in: this browser is known
    owner.post(reverse("account_logout"))
    assert "lnob_device" in owner.cookies and not signed_in(owner)
    for i in range(25):  # a botnet: a few guesses from each of many addresses
        sign_in(browser(f"198.51.100.{i}"), people.unct.email, f"guess-{i}")
    fresh = browser("198.51.100.200")
    response = sign_in(fresh, people.unct.email, PASSWORD)
    assert b"Too many failed login attempts" in response.content and not signed_in(fresh)
    sign_in(owner, people.unct.email, PASSWORD)
    assert signed_in(owner)


def test_a_whole_office_behind_the_proxy_is_not_one_bucket(people):
    """10 wrong passwords a minute from one person no longer block every sign-in."""
    clumsy = browser("198.51.100.66")
    for i in range(12):
        sign_in(clumsy, people.partner_other.email, f"guess-{i}")
    colleague = browser("203.0.113.11")
    sign_in(colleague, people.partner_own.email, PASSWORD)
    assert signed_in(colleague)
