"""Client IP, language, rate limit, signals and the audit log of the SSO views."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from django_2co_sso import client_ip, services
from django_2co_sso.backends import locmem
from django_2co_sso.exceptions import APIError, ConfigurationError
from django_2co_sso.models import LinkKind, SSOAuditLog
from django_2co_sso.ratelimit import RateLimit, parse_rate
from django_2co_sso.signals import sso_link_failed, sso_link_issued

from .conftest import sent

pytestmark = pytest.mark.django_db

BILLING = "/account/billing/payment_methods/"
CHANGE_CARD = "/account/subscriptions/SUBALICE1/change_card/"


# -- client IP ----------------------------------------------------------------------------


def test_remote_addr_is_sent_as_validation_ip(alice_client: Client) -> None:
    alice_client.get(BILLING, REMOTE_ADDR="2001:db8::1")
    [call] = sent("getSingleSignOnByCustomer")
    assert call.validation_ip == "2001:db8::1"
    assert SSOAuditLog.objects.get().client_ip == "2001:db8::1"


def test_send_client_ip_false_sends_none(alice_client: Client, sso_settings: Any) -> None:
    sso_settings(SEND_CLIENT_IP=False)
    alice_client.get(BILLING, REMOTE_ADDR="203.0.113.9")
    [call] = sent("getSingleSignOnByCustomer")
    assert call.validation_ip == ""
    # still recorded as who asked
    assert SSOAuditLog.objects.get().client_ip == "203.0.113.9"


def test_invalid_client_ip_is_logged_and_not_sent(
    alice_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    response = alice_client.get(BILLING, REMOTE_ADDR="unix:/run/gunicorn.sock")
    assert response.status_code == 302
    [call] = sent("getSingleSignOnByCustomer")
    assert call.validation_ip == ""
    assert SSOAuditLog.objects.get().client_ip is None
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "not an IP address" in warning.getMessage()


def test_x_forwarded_for_function(alice_client: Client, sso_settings: Any) -> None:
    sso_settings(CLIENT_IP_FUNCTION="django_2co_sso.client_ip.x_forwarded_for")
    alice_client.get(BILLING, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10")
    [call] = sent("getSingleSignOnByCustomer")
    assert call.validation_ip == "192.0.2.10"


def test_forwarded_for_counts_trusted_proxies_from_the_right() -> None:
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2, 3.3.3.3")
    assert client_ip.forwarded_for(1)(request) == "3.3.3.3"
    assert client_ip.forwarded_for(2)(request) == "2.2.2.2"
    assert client_ip.forwarded_for(4)(request) == ""  # fewer entries than proxies
    assert client_ip.x_forwarded_for(RequestFactory().get("/")) == ""
    with pytest.raises(ValueError, match="at least 1"):
        client_ip.forwarded_for(0)


def test_remote_addr_function() -> None:
    assert client_ip.remote_addr(RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")) == (
        "192.0.2.1"
    )


# -- language -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("active", "expected"),
    [("en-us", "en"), ("de", "de"), ("pt-br", "pt"), ("zh-hans", "zh"), ("ast", None)],
)
def test_current_language_is_reduced_to_iso_639_1(active: str, expected: str | None) -> None:
    with translation.override(active):
        assert services.current_language() == expected


def test_active_language_reaches_2checkout(alice_client: Client) -> None:
    alice_client.get(CHANGE_CARD, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    [call] = sent("getSingleSignOn")
    assert call.language == "de"


def test_unsupported_language_is_not_sent(alice_client: Client, settings: Any) -> None:
    settings.LANGUAGE_CODE = "ast"
    settings.LANGUAGES = [("ast", "Asturian")]
    alice_client.get(BILLING)
    [call] = sent("getSingleSignOnByCustomer")
    assert call.language is None


# -- rate limit ---------------------------------------------------------------------------


def test_rate_limit_answers_429_before_calling_2checkout(
    alice_client: Client, bob: Any, sso_settings: Any
) -> None:
    sso_settings(RATE_LIMIT="2/m")
    assert alice_client.get(BILLING).status_code == 302
    assert alice_client.get(CHANGE_CARD).status_code == 302
    response = alice_client.get(BILLING)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert b"Too many requests" in response.content
    assert len(locmem.outbox) == 2
    # another user has a budget of their own
    other = Client()
    other.force_login(bob)
    assert other.get("/account/billing/").status_code == 302


def test_rate_limit_is_counted_in_the_django_cache(alice_client: Client, sso_settings: Any) -> None:
    sso_settings(RATE_LIMIT="1/h")
    assert alice_client.get(BILLING).status_code == 302
    assert alice_client.get(BILLING).status_code == 429
    cache.clear()  # e.g. the window's key expired
    assert alice_client.get(BILLING).status_code == 302


def test_rate_limit_none_means_unlimited(alice_client: Client, sso_settings: Any) -> None:
    sso_settings(RATE_LIMIT=None)
    for _ in range(40):
        assert alice_client.get(BILLING).status_code == 302


def test_invalid_rate_limit_is_a_503_with_a_logged_error(
    alice_client: Client, sso_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sso_settings(RATE_LIMIT="lots")
    assert alice_client.get(BILLING).status_code == 503
    assert any("RATE_LIMIT" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("30/m", RateLimit(30, 60)),
        ("5/s", RateLimit(5, 1)),
        ("100/5m", RateLimit(100, 300)),
        ("1000/d", RateLimit(1000, 86400)),
        (None, None),
    ],
)
def test_parse_rate(text: str | None, rate: RateLimit | None) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "30", "0/m", "3/0m", "30/w", "x/m"])
def test_parse_rate_rejects_nonsense(text: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_rate(text)


# -- signals ------------------------------------------------------------------------------


@pytest.fixture
def received() -> Any:
    events: list[tuple[str, Any, dict[str, Any]]] = []

    def issued(sender: Any, **kwargs: Any) -> None:
        events.append(("issued", sender, kwargs))

    def failed(sender: Any, **kwargs: Any) -> None:
        events.append(("failed", sender, kwargs))

    sso_link_issued.connect(issued)
    sso_link_failed.connect(failed)
    yield events
    sso_link_issued.disconnect(issued)
    sso_link_failed.disconnect(failed)


def test_issued_signal(alice_client: Client, alice: Any, received: list[Any]) -> None:
    response = alice_client.get(CHANGE_CARD)
    [(name, sender, kwargs)] = received
    assert name == "issued"
    assert sender is LinkKind.SUBSCRIPTION
    assert kwargs["user"] == alice
    assert kwargs["kind"] == "subscription"
    assert kwargs["reference"] == "SUBALICE1"
    assert kwargs["page"] == "change_card"
    assert kwargs["request"].path == CHANGE_CARD
    # the URL is never handed to receivers
    assert response["Location"] not in repr(kwargs)
    assert "url" not in kwargs


def test_failed_signal(alice_client: Client, alice: Any, received: list[Any]) -> None:
    error = APIError("nope", code="SOME_FAULT")
    locmem.fail_with(error)
    alice_client.get(BILLING)
    [(name, sender, kwargs)] = received
    assert name == "failed"
    assert sender is LinkKind.CUSTOMER
    assert kwargs["error"] is error
    assert kwargs["reference"] == "ALICE-EXT"
    assert kwargs["page"] == "payment_methods"
    assert kwargs["user"] == alice


def test_signal_can_filter_by_kind(alice_client: Client) -> None:
    carts: list[Any] = []

    def on_cart(sender: Any, **kwargs: Any) -> None:
        carts.append(kwargs["kind"])

    sso_link_issued.connect(on_cart, sender=LinkKind.CART)
    try:
        alice_client.get(BILLING)
        alice_client.get(
            reverse("twocheckout_sso:cart"),
            {"url": "https://secure.2checkout.com/order/checkout.php?PRODS=1"},
        )
    finally:
        sso_link_issued.disconnect(on_cart, sender=LinkKind.CART)
    assert carts == ["cart"]


def test_a_failing_receiver_changes_neither_the_link_nor_the_page(
    alice_client: Client, received: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("receiver bug")

    sso_link_issued.connect(broken)
    sso_link_failed.connect(broken)
    try:
        with caplog.at_level(logging.ERROR, logger="django.dispatch"):
            assert alice_client.get(CHANGE_CARD).status_code == 302
            locmem.fail_with(APIError("nope", code="SOME_FAULT"))
            assert alice_client.get(BILLING).status_code == 503  # the upstream failure page
    finally:
        sso_link_issued.disconnect(broken)
        sso_link_failed.disconnect(broken)
    assert [name for name, _sender, _kwargs in received] == ["issued", "failed"]
    dispatch_errors = [r for r in caplog.records if r.name == "django.dispatch"]
    assert len(dispatch_errors) == 2


# -- audit log ----------------------------------------------------------------------------


def test_audit_row_for_each_link(alice_client: Client, alice: Any) -> None:
    alice_client.get(CHANGE_CARD, REMOTE_ADDR="192.0.2.33")
    row = SSOAuditLog.objects.get()
    assert row.user == alice
    assert row.kind == "subscription"
    assert row.target_reference == "SUBALICE1"
    assert row.page == "change_card"
    assert row.client_ip == "192.0.2.33"
    assert row.outcome == "ok"
    assert row.succeeded
    assert row.duration_ms >= 0


def test_audit_log_never_holds_the_url_or_token(alice_client: Client) -> None:
    cart_url = "https://secure.2checkout.com/order/checkout.php?PRODS=77&QTY=1"
    locations = [
        alice_client.get(url)["Location"]
        for url in (
            BILLING,
            CHANGE_CARD,
            "/account/billing/my_subscription/?subscription=SUBALICE1",
            reverse("twocheckout_sso:cart") + "?url=" + cart_url.replace("&", "%26"),
        )
    ]
    tokens = [location.split("logintoken=")[1].split("&")[0] for location in locations]
    rows = list(SSOAuditLog.objects.values())
    assert len(rows) == 4
    dump = repr(rows)
    for location, token in zip(locations, tokens, strict=True):
        assert location not in dump
        assert token not in dump
    assert "logintoken" not in dump
    assert "PRODS" not in dump  # the cart's query string is not kept either
