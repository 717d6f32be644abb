"""The exact wire format of each backend (requests-mock; no network)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from django_2co_sso import get_backend
from django_2co_sso.signing import login_hash
from tests.client.conftest import MERCHANT, REST_URL, SECRET, RpcServer, SoapServer, use

URL = "https://secure.2checkout.com/myaccount/change_card/?logintoken=" + "a" * 40
CART = "https://store.2checkout.com/order/checkout.php?PRODS=1234567&QTY=1"
DATE_RE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\Z")


# -- SOAP -----------------------------------------------------------------------------------


def test_soap_login_is_positional_with_hmac_and_algo(soap_server: SoapServer) -> None:
    soap_server.returns("getSingleSignOn", URL)
    get_backend().subscription_sso_url("SUB1")
    name, (code, date, digest, algo) = soap_server.calls[0]
    assert name == "login"
    assert code == MERCHANT
    assert DATE_RE.match(date or "")
    assert digest == login_hash(MERCHANT, date or "", SECRET, "sha256")
    assert algo == "sha256"


def test_soap_md5_login_sends_no_algo(requests_mock: Any) -> None:
    with use("soap", HASH_ALGORITHM="md5"):
        server = SoapServer(requests_mock)
        server.returns("getSingleSignOn", URL)
        get_backend().subscription_sso_url("SUB1")
    _, (_code, date, digest, algo) = server.calls[0]
    assert digest == login_hash(MERCHANT, date or "", SECRET, "md5")
    assert algo is None


def test_soap_get_single_sign_on_parameter_order(soap_server: SoapServer) -> None:
    soap_server.returns("getSingleSignOn", URL)
    url = get_backend().subscription_sso_url(
        "SUB1",
        page="change_card",
        email="shopper@example.com",
        validity_time=25,
        validation_ip="203.0.113.7",
    )
    assert url == URL
    assert soap_server.calls[1] == (
        "getSingleSignOn",
        ["SESSION-1", "SUB1", "shopper@example.com", "25", "change_card", "203.0.113.7"],
    )


def test_soap_absent_optionals_are_nil(soap_server: SoapServer) -> None:
    soap_server.returns("getSingleSignOn", URL)
    get_backend().subscription_sso_url("SUB1")
    assert soap_server.calls[1] == (
        "getSingleSignOn",
        ["SESSION-1", "SUB1", None, "10", None, None],
    )


def test_soap_endpoint_is_forced_whatever_the_wsdl_says(soap_server: SoapServer) -> None:
    soap_server.returns("getSingleSignOn", URL)
    get_backend().subscription_sso_url("SUB1")
    assert len(soap_server.calls) == 2  # both reached the mocked {API_URL}/soap/6.0/


def test_soap_customer_sso_order_with_subscription_and_language(soap_server: SoapServer) -> None:
    soap_server.returns("getSingleSignOnByCustomer", URL)
    get_backend().customer_sso_url(
        "CUST-1",
        page="my_subscription",
        subscription_reference="SUB1",
        language="de",
        validity_time=30,
        validation_ip="::1",
    )
    assert soap_server.calls[1] == (
        "getSingleSignOnByCustomer",
        [
            "SESSION-1",
            "CUST-1",
            "ExternalCustomerReference",
            "my_subscription",
            "Request[]=code=SUB1",
            "30",
            "::1",
            "de",
        ],
    )


def test_soap_customer_type_2checkout_uses_configured_wire_name(requests_mock: Any) -> None:
    with use("soap", CUSTOMER_TYPE_2CHECKOUT="2CheckoutCustomerReference"):
        server = SoapServer(requests_mock)
        server.returns("getSingleSignOnByCustomer", URL)
        get_backend().customer_sso_url("352365983", reference_type="2checkout")
    assert server.calls[1][1][:5] == [
        "SESSION-1",
        "352365983",
        "2CheckoutCustomerReference",
        None,
        None,
    ]


def test_soap_cart_order(soap_server: SoapServer) -> None:
    soap_server.returns("getSingleSignOnInCart", CART + "&logintoken=" + "b" * 40)
    get_backend().cart_sso_url("CUST-1", cart_url=CART, validation_ip="198.51.100.2")
    assert soap_server.calls[1] == (
        "getSingleSignOnInCart",
        ["SESSION-1", "CUST-1", "ExternalCustomerReference", CART, "10", "198.51.100.2"],
    )


def test_soap_partner_sets_partner_then_asks_with_empty_ip(soap_server: SoapServer) -> None:
    soap_server.handlers["setPartner"] = lambda params: (
        '<?xml version="1.0"?><SOAP-ENV:Envelope '
        'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:ns1="urn:tests:twocheckout"><SOAP-ENV:Body><ns1:setPartnerResponse>'
        "<r>true</r></ns1:setPartnerResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
    partner_url = "https://secure.2checkout.com/cpanel/index.php?logintoken=" + "c" * 32
    soap_server.returns("getPartnerSingleSignOn", partner_url)
    page = "https://secure.2checkout.com/cpanel/orders.php"
    assert (
        get_backend().partner_sso_url("PARTNER1", email="reseller@example.com", access_page=page)
        == partner_url
    )
    assert soap_server.calls[1] == ("setPartner", ["SESSION-1", "PARTNER1"])
    # validationIP is an empty string, never nil, for getPartnerSingleSignOn.
    assert soap_server.calls[2] == (
        "getPartnerSingleSignOn",
        ["SESSION-1", "reseller@example.com", "PARTNER1", page, "10", ""],
    )


def test_soap_customer_by_token_returns_a_dict(soap_server: SoapServer) -> None:
    soap_server.handlers["getCustomerInformationBySSOToken"] = lambda params: (
        '<?xml version="1.0"?><SOAP-ENV:Envelope '
        'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:ns1="urn:tests:twocheckout"><SOAP-ENV:Body>'
        "<ns1:getCustomerInformationBySSOTokenResponse><r>"
        "<CustomerReference>352365983</CustomerReference>"
        "<ExternalCustomerReference>CUST-1</ExternalCustomerReference>"
        "<Email>shopper@example.com</Email>"
        "</r></ns1:getCustomerInformationBySSOTokenResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
    customer = get_backend().customer_by_sso_token("8b74ac97f8277654563c44da6915b054ba0d21be")
    assert soap_server.calls[1] == (
        "getCustomerInformationBySSOToken",
        ["SESSION-1", "8b74ac97f8277654563c44da6915b054ba0d21be"],
    )
    assert customer["CustomerReference"] == "352365983"
    assert customer["ExternalCustomerReference"] == "CUST-1"
    assert customer["Email"] == "shopper@example.com"


def test_soap_wsdl_is_parsed_once_per_process(soap_server: SoapServer, requests_mock: Any) -> None:
    soap_server.returns("getSingleSignOn", URL)
    for _ in range(3):
        get_backend().subscription_sso_url("SUB1")
    with use("soap", TIMEOUT=10.0):  # same WSDL and timeouts, another backend instance
        get_backend().subscription_sso_url("SUB1")
    wsdl_gets = [r for r in requests_mock.request_history if r.method == "GET"]
    assert len(wsdl_gets) == 1


def test_soap_wsdl_override_from_a_local_file(tmp_path: Any, requests_mock: Any) -> None:
    from tests.client.wsdl import build_wsdl

    wsdl = tmp_path / "api.wsdl"
    wsdl.write_text(build_wsdl())
    with use("soap", WSDL=str(wsdl)):
        server = SoapServer(requests_mock)
        server.returns("getSingleSignOn", URL)
        get_backend().subscription_sso_url("SUB1")
    assert not [r for r in requests_mock.request_history if r.method == "GET"]
    assert server.names() == ["login", "getSingleSignOn"]


# -- JSON-RPC -------------------------------------------------------------------------------


def test_rpc_login_body(rpc_server: RpcServer) -> None:
    rpc_server.returns("getSingleSignOn", URL)
    get_backend().subscription_sso_url("SUB1")
    login = rpc_server.calls[0]
    assert login["jsonrpc"] == "2.0"
    assert isinstance(login["id"], int)
    assert login["method"] == "login"
    code, date, digest, algo = login["params"]
    assert (code, algo) == (MERCHANT, "sha256")
    assert digest == login_hash(MERCHANT, date, SECRET, "sha256")


def test_rpc_headers(rpc_server: RpcServer, requests_mock: Any) -> None:
    rpc_server.returns("getSingleSignOn", URL)
    get_backend().subscription_sso_url("SUB1")
    sent = requests_mock.request_history[0]
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Accept"] == "application/json"


def test_rpc_bodies_for_every_method(rpc_server: RpcServer) -> None:
    backend = get_backend()
    rpc_server.returns("getSingleSignOn", URL)
    rpc_server.returns("getSingleSignOnByCustomer", URL)
    rpc_server.returns("getSingleSignOnInCart", CART + "&logintoken=" + "b" * 40)
    rpc_server.returns("setPartner", True)
    rpc_server.returns("getPartnerSingleSignOn", URL)
    rpc_server.returns("getCustomerInformationBySSOToken", {"CustomerReference": "1"})
    backend.subscription_sso_url("SUB1", page="my_license", validity_time=50)
    backend.customer_sso_url("CUST-1", page="payment_methods", language="fr")
    backend.cart_sso_url("CUST-1", cart_url=CART, reference_type="2checkout")
    backend.partner_sso_url(
        "P1", email="r@example.com", access_page="https://secure.2checkout.com/cpanel/"
    )
    assert backend.customer_by_sso_token("f" * 40) == {"CustomerReference": "1"}
    assert [(c["method"], c["params"]) for c in rpc_server.calls[1:]] == [
        ("getSingleSignOn", ["SESSION-1", "SUB1", None, 50, "my_license", None]),
        (
            "getSingleSignOnByCustomer",
            [
                "SESSION-1",
                "CUST-1",
                "ExternalCustomerReference",
                "payment_methods",
                None,
                10,
                None,
                "fr",
            ],
        ),
        (
            "getSingleSignOnInCart",
            ["SESSION-1", "CUST-1", "AvangateCustomerReference", CART, 10, None],
        ),
        ("setPartner", ["SESSION-1", "P1"]),
        (
            "getPartnerSingleSignOn",
            ["SESSION-1", "r@example.com", "P1", "https://secure.2checkout.com/cpanel/", 10, ""],
        ),
        ("getCustomerInformationBySSOToken", ["SESSION-1", "f" * 40]),
    ]
    ids = [c["id"] for c in rpc_server.calls]
    assert len(set(ids)) == len(ids)


# -- REST -----------------------------------------------------------------------------------


def _auth(request: Any) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="([^"]*)"', request.headers["X-Avangate-Authentication"]))


@pytest.mark.parametrize("algorithm", ["sha256", "sha3-256", "md5"])
def test_rest_signs_every_request_freshly(requests_mock: Any, algorithm: str) -> None:
    requests_mock.get(f"{REST_URL}subscriptions/SUB1/signon/change_card/", json=URL)
    with use("rest", HASH_ALGORITHM=algorithm):
        backend = get_backend()
        backend.subscription_sso_url("SUB1", page="change_card")
        backend.subscription_sso_url("SUB1", page="change_card")
    first, second = requests_mock.request_history
    for sent in (first, second):
        auth = _auth(sent)
        assert auth["code"] == MERCHANT
        assert DATE_RE.match(auth["date"])
        assert auth["hash"] == login_hash(MERCHANT, auth["date"], SECRET, algorithm)
        assert auth.get("algo") == (None if algorithm == "md5" else algorithm)
        assert sent.headers["Accept"] == "application/json"


def test_rest_subscription_path_and_query(requests_mock: Any) -> None:
    requests_mock.get(f"{REST_URL}subscriptions/SUB1/signon/change_card/", json=URL)
    with use("rest"):
        assert (
            get_backend().subscription_sso_url(
                "SUB1",
                page="change_card",
                email="s@example.com",
                language="en",
                validity_time=25,
                validation_ip="127.0.0.1",
            )
            == URL
        )
    sent = requests_mock.request_history[0]
    assert parse_qs(urlsplit(sent.url).query) == {
        "Email": ["s@example.com"],
        "LanguageCode": ["en"],
        "ValidityTime": ["25"],
        "ValidationIp": ["127.0.0.1"],
    }


def test_rest_home_page_is_index(requests_mock: Any) -> None:
    requests_mock.get(f"{REST_URL}subscriptions/SUB1/signon/index/", json=URL)
    requests_mock.get(f"{REST_URL}customers/CUST-1/account/index/", json={"url": URL})
    with use("rest"):
        assert get_backend().subscription_sso_url("SUB1") == URL
        assert get_backend().customer_sso_url("CUST-1") == URL  # object form accepted too


def test_rest_customer_page_query(requests_mock: Any) -> None:
    requests_mock.get(f"{REST_URL}customers/CUST-1/account/my_subscription/", json=URL)
    with use("rest", REST_CUSTOMER_TYPE_PARAM="CustomerType"):
        get_backend().customer_sso_url(
            "CUST-1", page="my_subscription", subscription_reference="SUB1", language="de"
        )
    query = parse_qs(urlsplit(requests_mock.request_history[0].url).query)
    assert query == {
        "Lang": ["de"],
        "ValidityTime": ["10"],
        "Request": ["Request[]=code=SUB1"],
        "CustomerType": ["ExternalCustomerReference"],
    }


def test_rest_cart_and_token(requests_mock: Any) -> None:
    tokenized = CART + "&logintoken=" + "b" * 40
    requests_mock.get(f"{REST_URL}customers/CUST-1/cart/", json=tokenized)
    requests_mock.get(f"{REST_URL}customers/", json={"CustomerReference": "9", "Email": "a@b.c"})
    with use("rest"):
        assert get_backend().cart_sso_url("CUST-1", cart_url=CART) == tokenized
        assert get_backend().customer_by_sso_token("b" * 40)["CustomerReference"] == "9"
    cart, token = requests_mock.request_history
    assert parse_qs(urlsplit(cart.url).query) == {"Url": [CART], "ValidityTime": ["10"]}
    assert parse_qs(urlsplit(token.url).query) == {"ssotoken": ["b" * 40]}


def test_rest_partner_links_go_over_json_rpc(requests_mock: Any) -> None:
    with use("rest"):
        server = RpcServer(requests_mock)
        server.returns("setPartner", True)
        server.returns("getPartnerSingleSignOn", URL)
        get_backend().partner_sso_url(
            "P1", email="r@example.com", access_page="https://secure.2checkout.com/cpanel/"
        )
    assert server.names() == ["login", "setPartner", "getPartnerSingleSignOn"]


def test_rest_has_no_my_products_customer_page() -> None:
    from django_2co_sso.exceptions import InvalidPageError

    with use("rest"), pytest.raises(InvalidPageError, match="my_products"):
        get_backend().customer_sso_url("CUST-1", page="my_products")
