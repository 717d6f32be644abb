"""The in-memory backend offered to users for their own tests."""

from __future__ import annotations

from typing import Any

import pytest

from django_2co_sso import get_backend
from django_2co_sso.backends import locmem
from django_2co_sso.exceptions import (
    APIError,
    APITimeoutError,
    DisallowedRedirectError,
    InvalidPageError,
    ServiceUnavailableError,
)


def test_records_every_call_in_the_outbox() -> None:
    backend = get_backend()
    backend.subscription_sso_url("SUB1", page="change_card", validation_ip="10.0.0.1")
    backend.customer_sso_url("C1", page="payment_methods")
    assert [call.method for call in locmem.outbox] == [
        "getSingleSignOn",
        "getSingleSignOnByCustomer",
    ]
    assert locmem.outbox[0].request.subscription_reference == "SUB1"
    assert locmem.outbox[0].request.validation_ip == "10.0.0.1"


def test_urls_are_deterministic_and_allowed() -> None:
    first = get_backend().subscription_sso_url("SUB1", page="change_card")
    second = get_backend().subscription_sso_url("SUB1", page="change_card")
    other = get_backend().subscription_sso_url("SUB2", page="change_card")
    assert first == second != other
    assert first.startswith("https://secure.2checkout.com/myaccount/change_card/?logintoken=")


def test_validates_like_the_real_backends() -> None:
    with pytest.raises(InvalidPageError):
        get_backend().subscription_sso_url("SUB1", page="nope")
    assert locmem.outbox == []


def test_can_be_told_to_raise_a_given_error_until_reset() -> None:
    locmem.fail_with(APITimeoutError("slow"))
    with pytest.raises(APITimeoutError):
        get_backend().customer_sso_url("C1")
    assert locmem.outbox == []
    locmem.fail_with(None)
    get_backend().customer_sso_url("C1")
    assert len(locmem.outbox) == 1
    locmem.fail_with(APIError("x", code="INVALID_PARTNER"))
    locmem.reset()
    assert locmem.outbox == []
    get_backend().customer_sso_url("C1")


def test_cart_token_resolves_to_its_customer() -> None:
    url = get_backend().cart_sso_url(
        "C1", cart_url="https://store.2checkout.com/order/checkout.php?PRODS=1"
    )
    token = url.rsplit("logintoken=", 1)[1]
    assert get_backend().customer_by_sso_token(token) == {"ExternalCustomerReference": "C1"}
    with pytest.raises(APIError) as caught:
        get_backend().customer_by_sso_token("f" * 40)
    assert caught.value.code == "INVALID_TOKEN"


def test_partner_and_credentials() -> None:
    url = get_backend().partner_sso_url(
        "P1", email="r@example.com", access_page="https://secure.2checkout.com/cpanel/"
    )
    assert "/cpanel/index.php?logintoken=" in url
    get_backend().check_credentials()
    assert locmem.outbox[-1].method == "login"


def test_reset_closes_the_circuit_breaker_opened_by_injected_failures() -> None:
    locmem.fail_with(APITimeoutError("slow"))
    for _ in range(5):  # CIRCUIT_BREAKER_FAILURES defaults to 5
        with pytest.raises(APITimeoutError):
            get_backend().customer_sso_url("C1")
    with pytest.raises(ServiceUnavailableError):  # open: not even sent
        get_backend().customer_sso_url("C1")
    locmem.reset()
    assert get_backend().customer_sso_url("C1").startswith("https://secure.2checkout.com/")
    assert [call.method for call in locmem.outbox] == ["getSingleSignOnByCustomer"]


def test_returned_urls_are_checked_like_the_real_backends(settings: Any) -> None:
    settings.TWOCHECKOUT_SSO = {**settings.TWOCHECKOUT_SSO, "ALLOWED_SSO_HOSTS": ["example.com"]}
    with pytest.raises(DisallowedRedirectError) as caught:
        get_backend().subscription_sso_url("SUB1")
    assert caught.value.host == "secure.2checkout.com"


def test_every_operation_sent_is_recorded_partner_steps_included() -> None:
    get_backend().partner_sso_url(
        "P1", email="r@example.com", access_page="https://secure.2checkout.com/cpanel/"
    )
    assert [call.method for call in locmem.outbox] == ["setPartner", "getPartnerSingleSignOn"]
