"""Validation of each method's parameters, over SOAP and JSON-RPC alike."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.wire import Wire

REF = "4E2A1B9C70"  # Ada's subscription (customer 352365983 / shop-customer-1)
OTHER_REF = "9B8C7D6E50"  # Grace's subscription
CART = "https://store.example.com/order/checkout.php?PRODS=1234567&QTY=1"
PANEL = "https://partner.example/cpanel/index.php"
ALICE = "alice@acme-partner.example"


@pytest.fixture(params=["soap", "rpc"])
def call(request: pytest.FixtureRequest, wire: Wire) -> Any:
    """call(method, *params after sessionID) -> ("ok", value) or ("error", code)."""
    protocol = request.param
    sid = wire.login_soap()

    def _call(method: str, *params: Any, session: str | None = sid) -> tuple[str, Any]:
        if protocol == "soap":
            answer = wire.soap(method, session, *params)
            if answer.fault_code:
                assert answer.status == 500
                return "error", answer.fault_code
            return "ok", answer.value
        data = wire.rpc(method, session, *params)
        if "error" in data:
            return "error", data["error"]["data"]["error_code"]
        return "ok", data["result"]

    return _call


def ok(result: tuple[str, Any]) -> Any:
    assert result[0] == "ok", result
    return result[1]


def err(result: tuple[str, Any]) -> str:
    assert result[0] == "error", result
    return str(result[1])


# -- getSingleSignOn ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "code"),
    [
        (("NOPE", None, 10, "change_card", None), "SUBSCRIPTION_NOT_FOUND"),
        ((None, None, 10, "change_card", None), "SUBSCRIPTION_NOT_FOUND"),
        ((REF, "grace@example.com", 10, "change_card", None), "INVALID_EMAIL"),
        ((REF, None, 10, "my_subscription", None), "INVALID_PAGE"),
        ((REF, None, 10, "bogus", None), "INVALID_PAGE"),
        ((REF, None, 0, None, None), "INVALID_VALIDITY_TIME"),
        ((REF, None, -5, None, None), "INVALID_VALIDITY_TIME"),
        ((REF, None, "ten", None, None), "INVALID_VALIDITY_TIME"),
        ((REF, None, 10, None, "not-an-ip"), "INVALID_IP"),
        ((REF, None, 10, None, "300.1.1.1"), "INVALID_IP"),
    ],
)
def test_sso_by_subscription_errors(call: Any, params: tuple[Any, ...], code: str) -> None:
    assert err(call("getSingleSignOn", *params)) == code


@pytest.mark.parametrize(
    "page",
    [
        "view_order",
        "my_license",
        "change_card",
        "my_products",
        "payment_methods",
        "user_data",
        "order_lookup",
        "faq",
        None,
        "index",
    ],
)
def test_sso_by_subscription_pages(call: Any, page: str | None) -> None:
    url = ok(call("getSingleSignOn", REF, "ADA@example.com", "25", page, "::1"))
    assert "logintoken=" in url


# -- getSingleSignOnByCustomer -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "code"),
    [
        (("352365983", "CustomerReference", None, None, 10, None), "INVALID_CUSTOMER_TYPE"),
        (("352365983", None, None, None, 10, None), "INVALID_CUSTOMER_TYPE"),
        (("352365983", "ExternalCustomerReference", None, None, 10, None), "CUSTOMER_NOT_FOUND"),
        (
            ("shop-customer-1", "AvangateCustomerReference", None, None, 10, None),
            "CUSTOMER_NOT_FOUND",
        ),
        (("nobody", "2CheckoutCustomerReference", None, None, 10, None), "CUSTOMER_NOT_FOUND"),
        (("352365983", "AvangateCustomerReference", "view_order", None, 10, None), "INVALID_PAGE"),
        (
            ("352365983", "AvangateCustomerReference", "my_subscription", None, 10, None),
            "INVALID_REQUEST",
        ),
        (
            ("352365983", "AvangateCustomerReference", "my_subscription", REF, 10, None),
            "INVALID_REQUEST",
        ),
        (
            (
                "352365983",
                "AvangateCustomerReference",
                "my_subscription",
                f"Request[]=code={OTHER_REF}",
                10,
                None,
            ),
            "SUBSCRIPTION_NOT_FOUND",
        ),
        (
            (
                "352365983",
                "AvangateCustomerReference",
                "my_subscription",
                "Request[]=code=NOPE",
                10,
                None,
            ),
            "SUBSCRIPTION_NOT_FOUND",
        ),
        (
            ("352365983", "AvangateCustomerReference", None, None, "1.5", None),
            "INVALID_VALIDITY_TIME",
        ),
        (("352365983", "AvangateCustomerReference", None, None, 10, "1.2.3"), "INVALID_IP"),
        (
            ("352365983", "AvangateCustomerReference", None, None, 10, None, "english"),
            "INVALID_LANGUAGE",
        ),
    ],
)
def test_sso_by_customer_errors(call: Any, params: tuple[Any, ...], code: str) -> None:
    assert err(call("getSingleSignOnByCustomer", *params)) == code


@pytest.mark.parametrize(
    ("customer", "ctype"),
    [
        ("shop-customer-1", "ExternalCustomerReference"),
        ("352365983", "AvangateCustomerReference"),
        ("352365983", "2CheckoutCustomerReference"),
    ],
)
def test_sso_by_customer_my_subscription(call: Any, customer: str, ctype: str) -> None:
    url = ok(
        call(
            "getSingleSignOnByCustomer",
            customer,
            ctype,
            "my_subscription",
            f"Request[]=code={REF}",
            10,
            None,
            "en",
        )
    )
    assert f"/myaccount/my_subscription/?subscription={REF}&logintoken=" in url


def test_sso_by_customer_request_with_spaces_and_my_license(call: Any) -> None:
    url = ok(
        call(
            "getSingleSignOnByCustomer",
            "352365983",
            "AvangateCustomerReference",
            "my_subscription",
            f"Request[] = code={REF}",
            10,
            None,
        )
    )
    assert f"subscription={REF}" in url
    # A vendor sample passes my_license (without a request) here: accepted.
    assert "/myaccount/my_license/?logintoken=" in ok(
        call(
            "getSingleSignOnByCustomer",
            "352365983",
            "AvangateCustomerReference",
            "my_license",
            None,
            50,
            None,
            "en",
        )
    )


@pytest.mark.parametrize(
    "page", ["my_products", "user_data", "order_lookup", "faq", "payment_methods", None, ""]
)
def test_sso_by_customer_pages(call: Any, page: str | None) -> None:
    ok(
        call(
            "getSingleSignOnByCustomer",
            "shop-customer-2",
            "ExternalCustomerReference",
            page,
            None,
            10,
            "127.0.0.1",
        )
    )


# -- getSingleSignOnInCart ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "code"),
    [
        (("352365983", "Bogus", CART, 10, None), "INVALID_CUSTOMER_TYPE"),
        (("nobody", "ExternalCustomerReference", CART, 10, None), "CUSTOMER_NOT_FOUND"),
        (("352365983", "AvangateCustomerReference", None, 10, None), "INVALID_URL"),
        (("352365983", "AvangateCustomerReference", "", 10, None), "INVALID_URL"),
        (
            ("352365983", "AvangateCustomerReference", "/order/checkout.php", 10, None),
            "INVALID_URL",
        ),
        (("352365983", "AvangateCustomerReference", "ftp://x.example/c", 10, None), "INVALID_URL"),
        (("352365983", "AvangateCustomerReference", CART, 0, None), "INVALID_VALIDITY_TIME"),
        (("352365983", "AvangateCustomerReference", CART, 10, "nope"), "INVALID_IP"),
    ],
)
def test_sso_in_cart_errors(call: Any, params: tuple[Any, ...], code: str) -> None:
    assert err(call("getSingleSignOnInCart", *params)) == code


def test_sso_in_cart_keeps_the_url(call: Any) -> None:
    url = ok(
        call(
            "getSingleSignOnInCart", "352365983", "AvangateCustomerReference", CART + "#top", 10, ""
        )
    )
    assert url.startswith(CART + "&logintoken=")
    assert url.endswith("#top")
    bare = ok(
        call(
            "getSingleSignOnInCart",
            "352365983",
            "AvangateCustomerReference",
            "https://store.example.com/cart",
            10,
            "",
        )
    )
    assert bare.startswith("https://store.example.com/cart?logintoken=")


# -- partners ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code_", "error"),
    [("NOPE", "INVALID_PARTNER"), ("OLDRESELLER", "INVALID_PARTNER"), (None, "INVALID_PARTNER")],
)
def test_set_partner_errors(call: Any, code_: str | None, error: str) -> None:
    assert err(call("setPartner", code_)) == error


def test_partner_sso_needs_set_partner(call: Any) -> None:
    assert err(call("getPartnerSingleSignOn", ALICE, "ACMEDIST", PANEL, 10, "")) == (
        "INVALID_PARTNER"
    )
    assert ok(call("setPartner", "ACMEDIST")) in (True, "true")
    assert "/cpanel/index.php?logintoken=" in ok(
        call("getPartnerSingleSignOn", ALICE, "ACMEDIST", PANEL, 10, "")
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ((None, "ACMEDIST", PANEL, 10, ""), "INVALID_EMAIL"),
        (("", "ACMEDIST", PANEL, 10, ""), "INVALID_EMAIL"),
        (("not-an-email", "ACMEDIST", PANEL, 10, ""), "INVALID_EMAIL"),
        ((ALICE, None, PANEL, 10, ""), "INVALID_PARTNER"),
        ((ALICE, "NOPE", PANEL, 10, ""), "INVALID_PARTNER"),
        ((ALICE, "OLDRESELLER", PANEL, 10, ""), "INVALID_PARTNER"),
        (("carol@old-reseller.example", "ACMEDIST", PANEL, 10, ""), "INVALID_USER"),
        (("grace@example.com", "ACMEDIST", PANEL, 10, ""), "INVALID_USER"),
        ((ALICE, "ACMEDIST", None, 10, ""), "INVALID_URL"),
        ((ALICE, "ACMEDIST", "orders.php", 10, ""), "INVALID_URL"),
        ((ALICE, "ACMEDIST", PANEL, 0, ""), "INVALID_VALIDITY_TIME"),
        ((ALICE, "ACMEDIST", PANEL, "x", ""), "INVALID_VALIDITY_TIME"),
        ((ALICE, "ACMEDIST", PANEL, 10, None), "INVALID_IP"),
        ((ALICE, "ACMEDIST", PANEL, 10, "bad-ip"), "INVALID_IP"),
    ],
)
def test_partner_sso_errors(call: Any, params: tuple[Any, ...], code: str) -> None:
    ok(call("setPartner", "ACMEDIST"))
    assert err(call("getPartnerSingleSignOn", *params)) == code


def test_partner_sso_case_insensitive_user_and_ip(call: Any) -> None:
    ok(call("setPartner", "ACMEDIST"))
    ok(
        call(
            "getPartnerSingleSignOn",
            "ALICE@acme-partner.example",
            "ACMEDIST",
            PANEL,
            None,
            "192.168.0.10",
        )
    )
