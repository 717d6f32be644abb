"""REST 6.0: resources, reference resolution, trailing slashes, errors."""

from __future__ import annotations

import pytest

from django_2co_sso.emulator import Emulator
from tests.emulator.wire import Wire


@pytest.mark.parametrize("slash", ["", "/"])
def test_signon_by_subscription(emu: Emulator, wire: Wire, slash: str) -> None:
    response = wire.rest(
        f"subscriptions/4E2A1B9C70/signon/my_license{slash}",
        {
            "Email": "ada@example.com",
            "LanguageCode": "fr",
            "ValidityTime": "25",
            "ValidationIp": "127.0.0.1",
        },
    )
    assert response.status_code == 200, response.text
    url = response.json()
    assert url.startswith(f"{emu.base_url}/myaccount/my_license/?subscription=4E2A1B9C70&")
    page = wire.get(url)
    assert "Language fr" in page.text
    assert emu.calls.count("getSingleSignOn", "rest") == 1


def test_signon_index_is_home(emu: Emulator, wire: Wire) -> None:
    url = wire.rest("subscriptions/9B8C7D6E50/signon/index").json()
    assert url.startswith(f"{emu.base_url}/myaccount/?logintoken=")


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("subscriptions/NOPE/signon/index/", None, 404, "SUBSCRIPTION_NOT_FOUND"),
        ("subscriptions/4E2A1B9C70/signon/bogus/", None, 400, "INVALID_PAGE"),
        ("subscriptions/4E2A1B9C70/signon/index/", {"Email": "x@y.z"}, 400, "INVALID_EMAIL"),
        (
            "subscriptions/4E2A1B9C70/signon/index/",
            {"ValidityTime": "0"},
            400,
            "INVALID_VALIDITY_TIME",
        ),
        ("subscriptions/4E2A1B9C70/signon/index/", {"ValidationIp": "x"}, 400, "INVALID_IP"),
        ("customers/nobody/account/index/", None, 404, "CUSTOMER_NOT_FOUND"),
        ("customers/352365983/account/my_products/", None, 400, "INVALID_PAGE"),
        ("customers/352365983/account/my_subscription/", None, 400, "INVALID_REQUEST"),
        (
            "customers/352365983/account/my_subscription/",
            {"Request": "Request[]=code=9B8C7D6E50"},
            404,
            "SUBSCRIPTION_NOT_FOUND",
        ),
        (
            "customers/352365983/account/index/",
            {"CustomerType": "Nope"},
            400,
            "INVALID_CUSTOMER_TYPE",
        ),
        (
            "customers/352365983/account/index/",
            {"CustomerType": "ExternalCustomerReference"},
            404,
            "CUSTOMER_NOT_FOUND",
        ),
        ("customers/352365983/cart/", None, 400, "INVALID_URL"),
        ("customers/352365983/cart/", {"Url": "checkout.php"}, 400, "INVALID_URL"),
        ("customers/", None, 404, "INVALID_TOKEN"),
        ("customers/", {"ssotoken": "0" * 40}, 404, "INVALID_TOKEN"),
        ("orders/", None, 404, "RESOURCE_NOT_FOUND"),
    ],
)
def test_errors(
    wire: Wire, path: str, params: dict[str, str] | None, status: int, code: str
) -> None:
    response = wire.rest(path, params)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    assert body["message"]


@pytest.mark.parametrize(
    ("reference", "params", "email"),
    [
        ("shop-customer-1", {}, "ada@example.com"),
        ("352365984", {}, "grace@example.com"),
        ("352365983", {"CustomerType": "AvangateCustomerReference"}, "ada@example.com"),
        ("shop-customer-2", {"CustomerType": "ExternalCustomerReference"}, "grace@example.com"),
    ],
)
def test_account_reference_resolution(
    wire: Wire, reference: str, params: dict[str, str], email: str
) -> None:
    url = wire.rest(f"customers/{reference}/account/user_data", params).json()
    assert f"Signed in as {email}" in wire.get(url).text


def test_external_reference_wins_over_2checkout_reference(emu: Emulator, wire: Wire) -> None:
    emu.add_customer(
        {
            "CustomerReference": "999",
            "Email": "clash@example.com",
            "ExternalCustomerReference": "352365983",
        }
    )
    url = wire.rest("customers/352365983/account/index").json()
    assert "clash@example.com" in wire.get(url).text


def test_account_my_subscription_and_lang(wire: Wire) -> None:
    url = wire.rest(
        "customers/shop-customer-1/account/my_subscription/",
        {"Request": "Request[]=code=7F3C2D1E60", "Lang": "es"},
    ).json()
    assert "subscription=7F3C2D1E60" in url
    text = wire.get(url).text
    assert "Subscription 7F3C2D1E60 (Storage add-on, EXPIRED)" in text
    assert "Language es" in text
    url2 = wire.rest("customers/shop-customer-1/account/faq", {"LanguageCode": "it"}).json()
    assert "Language it" in wire.get(url2).text


def test_cart_and_customer_lookup(emu: Emulator, wire: Wire) -> None:
    cart = f"{emu.base_url}/order/checkout.php?PRODS=55&QTY=3"
    url = wire.rest("customers/shop-customer-2/cart", {"Url": cart, "ValidityTime": 60}).json()
    assert url.startswith(cart + "&logintoken=")
    token = url.rsplit("=", 1)[1]
    customer = wire.rest("customers/", {"ssotoken": token})
    assert customer.status_code == 200
    assert customer.json()["Email"] == "grace@example.com"
    assert wire.rest("customers", {"ssotoken": token}).json()["CustomerReference"] == "352365984"
    assert "Products: 55 x 3." in wire.get(url).text
    assert emu.calls.counts_by_protocol()["rest"] == {
        "getSingleSignOnInCart": 1,
        "getCustomerInformationBySSOToken": 2,
    }


def test_missing_accept_is_fine_but_xml_only_is_not(wire: Wire) -> None:
    path = "customers/352365983/account/index/"
    no_accept = wire.http.get(
        f"{wire.base}/rest/6.0/{path}",
        headers={"X-Avangate-Authentication": wire.rest_auth(), "Accept": None},  # type: ignore[dict-item]
        timeout=5,
    )
    assert no_accept.status_code == 200
    xml = wire.rest(path, Accept="application/xml")
    assert xml.status_code == 406


def test_only_get(wire: Wire) -> None:
    response = wire.http.post(
        f"{wire.base}/rest/6.0/customers/352365983/account/index/",
        headers={"X-Avangate-Authentication": wire.rest_auth()},
        timeout=5,
    )
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
