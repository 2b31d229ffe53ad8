"""M6: one client address for rate limits, the audit log and allauth, proxy-aware."""

import pytest
from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import AuditEvent
from common.client_ip import client_ip, client_ip_from
from tests.consultations.factories import consultation_objects


@pytest.mark.parametrize(
    "remote,xff,n,expected",
    [
        ("10.0.0.2", None, 0, "10.0.0.2"),
        ("10.0.0.2", "203.0.113.7", 0, "10.0.0.2"),  # no trusted proxy: header ignored
        ("10.0.0.2", "203.0.113.7", 1, "203.0.113.7"),
        ("10.0.0.2", "6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),  # forged left part ignored
        ("10.0.0.2", "6.6.6.6, 203.0.113.7, 10.0.0.9", 2, "203.0.113.7"),
        ("10.0.0.2", "203.0.113.7", 2, "10.0.0.2"),  # fewer entries than proxies
        ("10.0.0.2", "not-an-ip", 1, "10.0.0.2"),
        ("10.0.0.2", "[2001:db8::1]:443", 1, "2001:db8::1"),
        ("10.0.0.2", "203.0.113.7:5123", 1, "203.0.113.7"),
        ("", None, 0, None),
    ],
)
def test_client_ip_from(remote, xff, n, expected):
    assert client_ip_from(remote, xff, n) == expected


def _request(xff, settings, proxies=1):
    settings.TRUSTED_PROXY_COUNT = proxies
    return RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=xff)


def test_client_ip_reads_the_setting(settings):
    assert client_ip(_request("203.0.113.7", settings)) == "203.0.113.7"
    assert client_ip(_request("203.0.113.7", settings, proxies=0)) == "10.0.0.2"


def test_allauth_uses_the_same_address(settings):
    assert get_adapter().get_client_ip(_request("6.6.6.6, 203.0.113.7", settings)) == (
        "203.0.113.7"
    )


def test_public_link_rate_limit_is_per_visitor_behind_the_proxy(people, vocabularies, settings):
    """20 junk posts from one visitor no longer close the link for everyone."""

    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    objs = consultation_objects(people)
    url = reverse("consultations:public_tell", args=[objs.campaign.public_token])
    spammer = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    visitor = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2")
    for _ in range(25):
        last = spammer.post(url, {"story": "x"})
    assert last.status_code == 429
    assert visitor.post(url, {"story": "x"}).status_code != 429


def test_withdrawal_rate_limit_is_per_visitor_behind_the_proxy(db, settings):

    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    url = reverse("consultations:withdraw")
    spammer = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    visitor = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2")
    for i in range(35):
        last = spammer.post(url, {"code": f"ABCD-EFGH-{i:04d}"})
    assert last.status_code == 429
    assert visitor.post(url, {"code": "ABCD-EFGH-0000"}).status_code != 429


def test_audit_log_records_the_client_not_the_proxy(people, settings):

    settings.TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    client.post(reverse("account_login"), {"login": people.unct.email, "password": "wrong-one"})
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert event.ip_address == "198.51.100.7"


def test_allauth_is_configured_with_the_same_proxy_count():
    from django.conf import settings

    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT
