"""JSON-RPC 2.0: envelopes, ids, protocol errors, error numbers."""

from __future__ import annotations

import pytest

from django_2co_sso.emulator import Emulator
from tests.emulator.wire import MERCHANT, Wire, login_hash, utc_date


def test_success_envelope(wire: Wire) -> None:
    date = utc_date()
    response = wire.rpc_raw(
        {
            "jsonrpc": "2.0",
            "id": "abc",
            "method": "login",
            "params": [MERCHANT, date, login_hash(MERCHANT, date), "sha256"],
        }
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["jsonrpc"] == "2.0"
    assert data["id"] == "abc"
    assert len(data["result"]) == 32


def test_sso_url_and_customer(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_rpc()
    url = wire.rpc(
        "getSingleSignOnByCustomer",
        sid,
        "352365984",
        "AvangateCustomerReference",
        "payment_methods",
        None,
        50,
        None,
        "en",
    )["result"]
    assert url.startswith(f"{emu.base_url}/myaccount/payment_methods/?logintoken=")
    customer = wire.rpc("getCustomerInformationBySSOToken", sid, url.rsplit("=", 1)[1])["result"]
    assert customer == {
        "CustomerReference": "352365984",
        "ExternalCustomerReference": "shop-customer-2",
        "FirstName": "Grace",
        "LastName": "Hopper",
        "Company": "Compilers Inc",
        "Email": "grace@example.com",
        "Address1": "1 Cobol Way",
        "City": "Arlington",
        "CountryCode": "US",
        "Language": "en",
        "Enabled": True,
        "Trial": False,
    }


def test_parse_error(wire: Wire) -> None:
    response = wire.http.post(f"{wire.base}/rpc/6.0/", data=b"{nope", timeout=5)
    assert response.status_code == 200
    assert response.json()["error"]["code"] == -32700


def test_invalid_request(wire: Wire) -> None:
    assert wire.rpc_raw([1, 2]).json()["error"]["code"] == -32600


def test_unknown_method(wire: Wire) -> None:
    error = wire.rpc("getEverything", "x")["error"]
    assert error["code"] == -32601


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("login", [MERCHANT, "2020-01-01 00:00:00"]),
        ("login", [1, 2, 3, 4, 5]),
        ("getSingleSignOn", ["sid", "ref", None, 10, "change_card"]),
        ("getSingleSignOnByCustomer", ["s", "c", "t", "p", "r", 10]),
        ("getSingleSignOnByCustomer", ["s", "c", "t", "p", "r", 10, None, "en", "x"]),
        ("setPartner", ["sid"]),
        ("setPartner", ["sid", {"code": "ACMEDIST"}]),
    ],
)
def test_wrong_params(wire: Wire, method: str, params: list[object]) -> None:
    error = wire.rpc(method, *params)["error"]
    assert error["code"] == -32602
    assert error["data"]["error_code"] == "INVALID_PARAMS"


def test_params_must_be_a_list(wire: Wire) -> None:
    response = wire.rpc_raw(
        {"jsonrpc": "2.0", "id": 3, "method": "setPartner", "params": {"sessionID": "x"}}
    )
    assert response.json()["error"]["code"] == -32602


def test_optional_trailing_parameters(wire: Wire) -> None:
    date = utc_date()
    assert "result" in wire.rpc("login", MERCHANT, date, login_hash(MERCHANT, date, algo="md5"))
    sid = wire.login_rpc()
    assert "result" in wire.rpc(
        "getSingleSignOnByCustomer",
        sid,
        "352365983",
        "AvangateCustomerReference",
        None,
        None,
        10,
        None,
    )


@pytest.mark.parametrize(
    ("code", "number"),
    [
        ("FORBIDDEN", 10000),
        ("INVALID_SESSION", 10001),
        ("SESSION_EXPIRED", 10002),
        ("AUTHENTICATION_FAILED", 10401),
        ("INVALID_PAGE", 10400),
        ("INVALID_PARTNER", 10403),
        ("CUSTOMER_NOT_FOUND", 10404),
        ("INTERNAL_ERROR", 10500),
        ("SOMETHING_NEW", 10500),
    ],
)
def test_error_numbers(emu: Emulator, wire: Wire, code: str, number: int) -> None:
    emu.inject("setPartner", error_code=code, error_message="boom")
    error = wire.rpc("setPartner", "sid", "ACMEDIST")["error"]
    assert error == {"code": number, "message": "boom", "data": {"error_code": code}}
