"""SOAP: the WSDL, zeep as a client library, positional decoding, faults."""

from __future__ import annotations

import pytest
import requests
import zeep
from lxml import etree
from zeep import xsd

from django_2co_sso.emulator import Emulator
from tests.emulator.wire import MERCHANT, Wire, decode_soap, login_hash, soap_envelope, utc_date

WSDL_NS = {"w": "http://schemas.xmlsoap.org/wsdl/", "s": "http://schemas.xmlsoap.org/wsdl/soap/"}
ORDER = {
    "login": ["merchantCode", "date", "hash", "algo"],
    "getSingleSignOn": [
        "sessionID",
        "subscriptionReference",
        "email",
        "validityTime",
        "accessPage",
        "validationIp",
    ],
    "getSingleSignOnByCustomer": [
        "sessionID",
        "idCustomer",
        "customerType",
        "page",
        "request",
        "validityTime",
        "validationIp",
        "languageCode",
    ],
    "getSingleSignOnInCart": [
        "sessionID",
        "idCustomer",
        "customerType",
        "url",
        "validityTime",
        "validationIp",
    ],
    "getCustomerInformationBySSOToken": ["sessionID", "singleSignOnToken"],
    "setPartner": ["sessionID", "partnerCode"],
    "getPartnerSingleSignOn": [
        "sessionID",
        "email",
        "partnerCode",
        "accessPage",
        "validityTime",
        "validationIP",
    ],
    "getCustomerSubscriptions": [
        "sessionID",
        "AvangateCustomerReference",
        "ExternalCustomerReference",
    ],
}


@pytest.fixture
def client(emu: Emulator) -> zeep.Client:
    return zeep.Client(f"{emu.base_url}/soap/6.0/?wsdl")


@pytest.mark.parametrize("query", ["wsdl", "WSDL", "wsdl="])
def test_wsdl_is_served_with_own_location(emu: Emulator, query: str) -> None:
    response = requests.get(f"{emu.base_url}/soap/6.0/?{query}", timeout=5)
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    location = root.find(".//w:service/w:port/s:address", WSDL_NS)
    assert location is not None
    assert location.get("location") == f"{emu.base_url}/soap/6.0/"
    assert root.find(".//s:binding", WSDL_NS).get("style") == "rpc"
    for name, parts in ORDER.items():
        message = root.find(f"w:message[@name='{name}Request']", WSDL_NS)
        assert [p.get("name") for p in message] == parts


def test_get_without_wsdl_is_400(emu: Emulator) -> None:
    assert requests.get(f"{emu.base_url}/soap/6.0/", timeout=5).status_code == 400


def test_every_operation_through_zeep(emu: Emulator, client: zeep.Client) -> None:
    service = client.service
    date = utc_date()
    sid = service.login(MERCHANT, date, login_hash(MERCHANT, date), "sha256")
    assert len(sid) == 32
    url = service.getSingleSignOn(sid, "4E2A1B9C70", xsd.Nil, 10, "change_card", xsd.Nil)
    assert url.startswith(f"{emu.base_url}/myaccount/change_card/")
    by_customer = service.getSingleSignOnByCustomer(
        sid,
        "shop-customer-1",
        "ExternalCustomerReference",
        "my_subscription",
        "Request[]=code=4E2A1B9C70",
        30,
        "127.0.0.1",
        "en",
    )
    assert "my_subscription" in by_customer
    nil_lang = service.getSingleSignOnByCustomer(
        sid, "352365983", "AvangateCustomerReference", xsd.Nil, xsd.Nil, xsd.Nil, xsd.Nil, xsd.Nil
    )
    assert nil_lang.startswith(f"{emu.base_url}/myaccount/?logintoken=")
    cart = service.getSingleSignOnInCart(
        sid,
        "352365983",
        "2CheckoutCustomerReference",
        f"{emu.base_url}/order/checkout.php?PRODS=1",
        10,
        "",
    )
    token = cart.rsplit("logintoken=", 1)[1]
    customer = service.getCustomerInformationBySSOToken(sid, token)
    assert customer.Email == "ada@example.com"
    assert customer.Enabled is True
    assert customer.Trial is False
    assert service.setPartner(sid, "ACMEDIST") is True
    partner = service.getPartnerSingleSignOn(
        sid, "alice@acme-partner.example", "ACMEDIST", "https://p.example/cpanel/", 10, ""
    )
    assert "/cpanel/index.php?logintoken=" in partner
    # zeep used the WSDL's location, i.e. the emulator itself.
    assert emu.calls.count(protocol="soap") == 8 + 1  # operations + the WSDL download


def test_null_company_and_external_reference_through_zeep(client: zeep.Client) -> None:
    service = client.service
    date = utc_date()
    sid = service.login(MERCHANT, date, login_hash(MERCHANT, date, algo="sha3-256"), "sha3-256")
    url = service.getSingleSignOn(sid, "1A2B3C4D5E", xsd.Nil, 10, xsd.Nil, xsd.Nil)
    customer = service.getCustomerInformationBySSOToken(sid, url.rsplit("=", 1)[1])
    assert customer.ExternalCustomerReference is None
    assert customer.Company is None
    assert customer.City == "Göttingen"
    assert customer.Trial is True


def test_zeep_sees_fault_codes(client: zeep.Client) -> None:
    with pytest.raises(zeep.exceptions.Fault) as failure:
        client.service.login(MERCHANT, utc_date(), "0" * 64, "sha256")
    assert failure.value.code == "AUTHENTICATION_FAILED"
    with pytest.raises(zeep.exceptions.Fault) as expired:
        client.service.setPartner("f" * 32, "ACMEDIST")
    assert expired.value.code == "SESSION_EXPIRED"


def test_fault_is_unqualified_soap11_with_500(wire: Wire) -> None:
    response = wire.soap_raw(soap_envelope("setPartner", ["x", "ACMEDIST"]))
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/xml")
    assert b"<faultcode>SESSION_EXPIRED</faultcode>" in response.content


@pytest.mark.parametrize("prefix", ["xsi", "i", "foo"])
def test_nil_with_any_prefix(wire: Wire, prefix: str) -> None:
    sid = wire.login_soap()
    body = soap_envelope("getSingleSignOn", [sid, "4E2A1B9C70", None, "10", None, None], prefix)
    answer = decode_soap(*_post(wire, body))
    assert answer.status == 200
    assert "/myaccount/?logintoken=" in answer.value


def _post(wire: Wire, body: bytes) -> tuple[int, bytes]:
    response = wire.soap_raw(body)
    return response.status_code, response.content


def test_absent_trailing_parameters_are_null(wire: Wire) -> None:
    sid = wire.login_soap()
    answer = wire.soap("getSingleSignOn", sid, "4E2A1B9C70")
    assert answer.status == 200
    date = utc_date()
    assert wire.soap("login", MERCHANT, date, login_hash(MERCHANT, date, algo="md5")).status == 200


def test_parameters_are_taken_by_position_not_name(wire: Wire) -> None:
    sid = wire.login_soap()
    body = (
        '<?xml version="1.0"?><e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<e:Body><m:getSingleSignOn xmlns:m="urn:whatever"><a>{sid}</a><b>4E2A1B9C70</b>'
        "<c/><d>25</d><e>user_data</e><f/></m:getSingleSignOn></e:Body></e:Envelope>"
    ).encode()
    answer = decode_soap(*_post(wire, body))
    assert "/myaccount/user_data/?logintoken=" in answer.value


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        (b"not xml", "SOAP-ENV:Client"),
        (b"<a/>", "SOAP-ENV:Client"),
        (
            b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/>'
            b"</e:Envelope>",
            "SOAP-ENV:Client",
        ),
        (soap_envelope("deleteEverything", []), "SOAP-ENV:Client"),
        (soap_envelope("setPartner", ["a", "b", "c"]), "INVALID_PARAMS"),
        (
            b'<!DOCTYPE x [<!ENTITY a "b">]><e:Envelope '
            b'xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><login>&a;</login>'
            b"</e:Body></e:Envelope>",
            "SOAP-ENV:Client",
        ),
    ],
)
def test_bad_requests(wire: Wire, body: bytes, fault: str) -> None:
    answer = decode_soap(*_post(wire, body))
    assert answer.status == 500
    assert answer.fault_code == fault
