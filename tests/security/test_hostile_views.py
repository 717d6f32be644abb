"""Property-based: arbitrary pages, references, cart URLs and headers thrown at the views.

Every request ends in a redirect only when the input is valid by an independent oracle;
otherwise in a 4xx page with nothing sent upstream (the in-memory backend's outbox stays
empty). No input produces a 5xx.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_2co_sso.backends import locmem
from django_2co_sso.validation import CUSTOMER_PAGES, ISO_639_1, SUBSCRIPTION_PAGES
from tests.factories import CustomerLinkFactory, SubscriptionFactory, UserFactory
from tests.security.test_hostile_backend_input import hostile_urls

pytestmark = pytest.mark.django_db
PROFILE = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
OWN = "ADASUB0001"
OTHER = "GRACESUB01"
SLUG = st.from_regex(r"[-a-zA-Z0-9_]{1,30}", fullmatch=True)


@pytest.fixture
def ada(settings: Any) -> Client:
    settings.TWOCHECKOUT_SSO = {**settings.TWOCHECKOUT_SSO, "RATE_LIMIT": None}
    user = UserFactory(username="ada")
    SubscriptionFactory(
        customer=CustomerLinkFactory(user=user, external_reference="ada-1"), reference=OWN
    )
    grace = UserFactory(username="grace")
    SubscriptionFactory(
        customer=CustomerLinkFactory(user=grace, external_reference="grace-1"), reference=OTHER
    )
    client = Client()
    client.force_login(user)
    return client


def _check(response: Any, valid: bool) -> None:
    assert response.status_code < 500
    if valid:
        assert response.status_code == 302
        assert len(locmem.outbox) == 1
    else:
        assert 400 <= response.status_code < 500
        assert locmem.outbox == [], "invalid input reached the upstream API"


@PROFILE
@given(page=st.one_of(SLUG, st.sampled_from([*CUSTOMER_PAGES, *SUBSCRIPTION_PAGES]), st.text()))
def test_customer_pages(ada: Client, page: str) -> None:
    locmem.reset()
    response = ada.get(f"/account/billing/{quote(page, safe='')}/")
    _check(response, page in CUSTOMER_PAGES and page != "my_subscription")


@PROFILE
@given(
    reference=st.one_of(st.text(), SLUG, st.just(OWN), st.just(OTHER)),
    page=st.one_of(st.sampled_from(SUBSCRIPTION_PAGES), SLUG),
)
def test_subscription_references_and_pages(ada: Client, reference: str, page: str) -> None:
    locmem.reset()
    response = ada.post(f"/account/subscriptions/{quote(reference, safe='')}/{quote(page)}/")
    _check(response, reference == OWN and page in SUBSCRIPTION_PAGES)


@PROFILE
@given(subscription=st.one_of(st.text(), st.just(OWN), st.just(OTHER)))
def test_my_subscription_parameter(ada: Client, subscription: str) -> None:
    locmem.reset()
    response = ada.get("/account/billing/my_subscription/", {"subscription": subscription})
    _check(response, subscription == OWN)


def _allowed_cart(url: str) -> bool:
    from tests.security.test_hostile_backend_input import _allowed_https_url

    return _allowed_https_url(url)


@PROFILE
@given(url=st.one_of(hostile_urls, st.text()))
def test_cart_urls(ada: Client, url: str) -> None:
    locmem.reset()
    response = ada.get("/account/cart/", {"url": url})
    _check(response, _allowed_cart(url))


@PROFILE
@given(
    remote_addr=st.one_of(st.text(max_size=60), st.ip_addresses().map(str)),
    accept_language=st.text(max_size=60),
    forwarded=st.text(max_size=60),
)
def test_header_values_never_break_a_valid_request(
    ada: Client, remote_addr: str, accept_language: str, forwarded: str
) -> None:
    locmem.reset()
    try:
        response = ada.get(
            "/account/billing/payment_methods/",
            REMOTE_ADDR=remote_addr,
            HTTP_ACCEPT_LANGUAGE=accept_language,
            HTTP_X_FORWARDED_FOR=forwarded,
        )
    except UnicodeEncodeError:
        pytest.skip("the test client cannot send this header")
    assert response.status_code == 302
    [call] = locmem.outbox
    sent_ip = call.request.validation_ip
    if sent_ip:
        ipaddress.ip_address(sent_ip)  # only a valid IP is ever sent
        assert sent_ip == str(ipaddress.ip_address(remote_addr))
    assert call.request.language is None or call.request.language in ISO_639_1
    assert urlsplit(response["Location"]).hostname == "secure.2checkout.com"


def test_nul_bytes_never_reach_the_database(ada: Client) -> None:
    """PostgreSQL refuses NUL in text: a NUL must be a 4xx, and the audit row still saved."""
    from django_2co_sso.models import SSOAuditLog

    assert (
        ada.get("/account/billing/my_subscription/", {"subscription": "A\x00B"}).status_code == 404
    )
    assert ada.get("/account/subscriptions/A%00B/change_card/").status_code == 404
    response = ada.get("/account/cart/", {"url": "https://store.2checkout.com/\x00x"})
    assert response.status_code == 400
    assert locmem.outbox == []
    assert all("\x00" not in row.detail for row in SSOAuditLog.objects.all())
