"""One contract, three protocols: SOAP, JSON-RPC and REST against the emulator over HTTP."""

from __future__ import annotations

import socket

import pytest

from django_2co_sso.exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadResponseError,
)
from django_2co_sso.validation import SUBSCRIPTION_PAGES
from tests.contract.conftest import (
    ADA,
    ADA_SUBSCRIPTION,
    GRACE_SUBSCRIPTION,
    PARTNER,
    PARTNER_USER,
    Api,
)

pytestmark = pytest.mark.emulator


@pytest.mark.parametrize("page", [*SUBSCRIPTION_PAGES, None])
def test_subscription_sso_lands_on_the_page(api: Api, page: str | None) -> None:
    url = api.backend.subscription_sso_url(ADA_SUBSCRIPTION, page=page, validation_ip="127.0.0.1")
    assert url.startswith(api.emulator.base_url)
    landing = api.visit(url)
    assert landing.status_code == 200
    assert f"Signed in as {ADA['email']}" in landing.text
    assert ADA_SUBSCRIPTION in landing.text or page in (None, "my_products", "user_data", "faq")


@pytest.mark.parametrize("reference_type", ["external", "2checkout"])
def test_customer_sso_by_either_reference(api: Api, reference_type: str) -> None:
    url = api.backend.customer_sso_url(
        ADA[reference_type], reference_type=reference_type, page="payment_methods", language="en"
    )
    landing = api.visit(url)
    assert landing.status_code == 200
    assert f"Signed in as {ADA['email']} (customer {ADA['2checkout']}) on page payment_methods" in (
        landing.text
    )


def test_customer_sso_my_subscription(api: Api) -> None:
    url = api.backend.customer_sso_url(
        ADA["external"], page="my_subscription", subscription_reference=ADA_SUBSCRIPTION
    )
    landing = api.visit(url)
    assert landing.status_code == 200
    assert ADA_SUBSCRIPTION in landing.text


def test_customer_sso_home_page(api: Api) -> None:
    landing = api.visit(api.backend.customer_sso_url(ADA["external"]))
    assert landing.status_code == 200
    assert f"Signed in as {ADA['email']}" in landing.text


def test_another_customers_subscription_is_refused(api: Api) -> None:
    with pytest.raises(APIError):
        api.backend.customer_sso_url(
            ADA["external"], page="my_subscription", subscription_reference=GRACE_SUBSCRIPTION
        )


def test_unknown_references_are_api_errors(api: Api) -> None:
    with pytest.raises(APIError) as caught:
        api.backend.subscription_sso_url("NOSUCHSUB1")
    assert caught.value.code == "SUBSCRIPTION_NOT_FOUND"
    with pytest.raises(APIError) as caught:
        api.backend.customer_sso_url("no-such-customer")
    assert caught.value.code == "CUSTOMER_NOT_FOUND"


def test_cart_sso_and_customer_by_token(api: Api) -> None:
    cart = f"{api.emulator.base_url}/order/checkout.php?PRODS=1234567&QTY=1"
    url = api.backend.cart_sso_url(ADA["external"], cart_url=cart, validation_ip="127.0.0.1")
    assert url.startswith(cart + "&logintoken=")
    token = url.rsplit("logintoken=", 1)[1]
    customer = api.backend.customer_by_sso_token(token)
    assert customer["CustomerReference"] == ADA["2checkout"]
    assert customer["ExternalCustomerReference"] == ADA["external"]
    assert customer["Email"] == ADA["email"]
    landing = api.visit(url)
    assert landing.status_code == 200
    assert "in the cart" in landing.text
    assert "1234567" in landing.text


def test_partner_flow(api: Api) -> None:
    page = f"{api.emulator.base_url}/cpanel/index.php"
    url = api.backend.partner_sso_url(PARTNER, email=PARTNER_USER, access_page=page)
    landing = api.visit(url)
    assert landing.status_code == 200
    assert f"Signed in as {PARTNER_USER} for partner {PARTNER}" in landing.text
    assert api.emulator.calls.count("setPartner") == 1


@pytest.mark.parametrize(
    ("partner", "email", "code"),
    [
        (PARTNER, "stranger@example.com", "INVALID_USER"),
        ("OLDRESELLER", "carol@old-reseller.example", "INVALID_PARTNER"),
        ("NOSUCHPARTNER", PARTNER_USER, "INVALID_PARTNER"),
    ],
)
def test_partner_errors(api: Api, partner: str, email: str, code: str) -> None:
    page = f"{api.emulator.base_url}/cpanel/index.php"
    with pytest.raises(APIError) as caught:
        api.backend.partner_sso_url(partner, email=email, access_page=page)
    assert caught.value.code == code


def test_token_is_single_use(api: Api) -> None:
    url = api.backend.customer_sso_url(ADA["external"])
    assert api.visit(url).status_code == 200
    second = api.visit(url)
    assert second.status_code == 403
    assert "already used" in second.text


def test_token_expires_after_validity_time(api: Api) -> None:
    url = api.backend.customer_sso_url(ADA["external"], validity_time=5)
    api.emulator.clock.advance(6)
    landing = api.visit(url)
    assert landing.status_code == 403
    assert "expired" in landing.text


def test_token_is_bound_to_the_validation_ip(api: Api) -> None:
    url = api.backend.customer_sso_url(ADA["external"], validation_ip="192.0.2.44")
    landing = api.visit(url)
    assert landing.status_code == 403
    assert "IP mismatch" in landing.text


def test_bad_credentials(api: Api) -> None:
    with api.settings(SECRET_KEY="wrong-secret"), pytest.raises(AuthenticationError) as caught:
        api.backend.customer_sso_url(ADA["external"])
    assert caught.value.code == "AUTHENTICATION_FAILED"


@pytest.mark.parametrize("algorithm", ["md5", "sha256", "sha3-256"])
def test_every_hash_algorithm_is_accepted(api: Api, algorithm: str) -> None:
    with api.settings(HASH_ALGORITHM=algorithm):
        api.backend.check_credentials()
        assert api.visit(api.backend.customer_sso_url(ADA["external"])).status_code == 200


def test_check_credentials(api: Api) -> None:
    api.backend.check_credentials()
    with api.settings(MERCHANT_CODE="NOTME"), pytest.raises(AuthenticationError):
        api.backend.check_credentials()


def test_session_is_reused_and_renewed_transparently_after_expiry(api: Api) -> None:
    for _ in range(3):
        api.backend.customer_sso_url(ADA["external"])
    expected_logins = 0 if api.protocol == "rest" else 1
    assert api.logins() == expected_logins
    api.emulator.clock.advance(601)  # every emulator session is now expired
    api.backend.customer_sso_url(ADA["external"])
    assert api.logins() == (0 if api.protocol == "rest" else 2)


def test_forced_session_expiry_fault_is_transparent(api: Api) -> None:
    api.backend.customer_sso_url(ADA["external"])
    api.emulator.inject("getSingleSignOnByCustomer", expire_session=True, times=1)
    landing = api.visit(api.backend.customer_sso_url(ADA["external"]))
    assert landing.status_code == 200


def test_slow_answer_is_a_timeout(api: Api) -> None:
    api.emulator.inject("*", delay=1.0, times=2)
    with api.settings(TIMEOUT=0.3), pytest.raises(APITimeoutError):
        api.backend.customer_sso_url(ADA["external"])


@pytest.mark.parametrize("status", [500, 503])
def test_http_error_status_is_bad_response(api: Api, status: int) -> None:
    api.emulator.inject("*", http_status=status)
    with pytest.raises(BadResponseError) as caught:
        api.backend.customer_sso_url(ADA["external"])
    assert caught.value.status == status


def test_malformed_body_is_bad_response(api: Api) -> None:
    api.backend.check_credentials()  # the SOAP WSDL is loaded before the fault
    api.emulator.inject("getSingleSignOnByCustomer", malformed=True)
    with pytest.raises(BadResponseError):
        api.backend.customer_sso_url(ADA["external"])


def test_dropped_connection_is_a_connection_error(api: Api) -> None:
    api.backend.check_credentials()
    api.emulator.inject("getSingleSignOnByCustomer", drop=True)
    with pytest.raises(APIConnectionError):
        api.backend.customer_sso_url(ADA["external"])


def test_unknown_error_code_is_a_generic_api_error(api: Api) -> None:
    api.emulator.inject(
        "getSingleSignOnByCustomer", error_code="BRAND_NEW_CODE", error_message="Something new"
    )
    with pytest.raises(APIError) as caught:
        api.backend.customer_sso_url(ADA["external"])
    assert type(caught.value) is APIError
    assert caught.value.code == "BRAND_NEW_CODE"


def test_connection_refused_is_a_connection_error(api: Api) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with (
        api.settings(API_URL=f"http://127.0.0.1:{closed_port}"),
        pytest.raises(APIConnectionError),
    ):
        api.backend.customer_sso_url(ADA["external"])
