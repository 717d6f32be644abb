"""Fault injection, from Python and through the control endpoint."""

from __future__ import annotations

import time

import pytest
import requests

from django_2co_sso.emulator import Emulator
from django_2co_sso.emulator.gate import MALFORMED_BODY
from tests.emulator.wire import MERCHANT, Wire, login_hash, soap_envelope, utc_date


def test_error_code_per_protocol(emu: Emulator, wire: Wire) -> None:
    emu.inject(
        "getSingleSignOnByCustomer",
        error_code="INTERNAL_ERROR",
        error_message="Cannot save security token.",
    )
    sid = wire.login_soap()
    soap = wire.soap(
        "getSingleSignOnByCustomer",
        sid,
        "352365983",
        "AvangateCustomerReference",
        None,
        None,
        10,
        None,
    )
    assert (soap.status, soap.fault_code, soap.fault_string) == (
        500,
        "INTERNAL_ERROR",
        "Cannot save security token.",
    )
    rpc = wire.rpc(
        "getSingleSignOnByCustomer",
        sid,
        "352365983",
        "AvangateCustomerReference",
        None,
        None,
        10,
        None,
    )["error"]
    assert rpc["data"]["error_code"] == "INTERNAL_ERROR"
    rest = wire.rest("customers/352365983/account/index/")
    assert rest.status_code == 500
    assert rest.json() == {"error_code": "INTERNAL_ERROR", "message": "Cannot save security token."}


def test_customer_subscriptions_can_fail_on_every_protocol(emu: Emulator, wire: Wire) -> None:
    emu.inject("getCustomerSubscriptions", error_code="INTERNAL_ERROR", times=3)
    sid = wire.login_soap()
    assert wire.soap("getCustomerSubscriptions", sid, "352365983").fault_code == "INTERNAL_ERROR"
    rpc = wire.rpc("getCustomerSubscriptions", sid, "352365983")["error"]
    assert rpc["data"]["error_code"] == "INTERNAL_ERROR"
    rest = wire.rest("subscriptions/?AvangateCustomerReference=352365983")
    assert (rest.status_code, rest.json()["error_code"]) == (500, "INTERNAL_ERROR")
    assert emu.faults.rules == []
    assert wire.rpc("getCustomerSubscriptions", sid, "352365983")["result"]


def test_times_and_protocol_limit(emu: Emulator, wire: Wire) -> None:
    emu.inject("login", protocol="soap", times=2, error_code="FORBIDDEN")
    date = utc_date()
    digest = login_hash(MERCHANT, date)
    assert wire.rpc("login", MERCHANT, date, digest, "sha256")["result"]
    assert wire.soap("login", MERCHANT, date, digest, "sha256").fault_code == "FORBIDDEN"
    assert wire.soap("login", MERCHANT, date, digest, "sha256").fault_code == "FORBIDDEN"
    assert wire.soap("login", MERCHANT, date, digest, "sha256").status == 200
    assert emu.faults.rules == []
    assert emu.calls["login"] == 4
    assert emu.calls.count("login", "soap") == 3


def test_wildcard_until_reset(emu: Emulator, wire: Wire) -> None:
    emu.inject("*", error_code="INTERNAL_ERROR")
    for _ in range(3):
        assert wire.soap("setPartner", "x", "y").fault_code == "INTERNAL_ERROR"
    emu.reset()
    assert wire.soap("setPartner", "x", "y").fault_code == "SESSION_EXPIRED"


def test_delay(emu: Emulator, wire: Wire) -> None:
    emu.inject("setPartner", delay=0.3, times=1)
    start = time.perf_counter()
    response = wire.soap_raw(soap_envelope("setPartner", [wire.login_soap(), "ACMEDIST"]))
    elapsed = time.perf_counter() - start
    assert response.status_code == 200
    assert elapsed >= 0.3
    assert float(response.headers["X-Emulator-Service-Time"]) >= 300


@pytest.mark.parametrize("status", [500, 503, 502])
def test_http_status(emu: Emulator, wire: Wire, status: int) -> None:
    emu.inject("getSingleSignOn", http_status=status)
    response = wire.rest("subscriptions/4E2A1B9C70/signon/index/")
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert b"<html>" in response.content


def test_http_status_custom_body(emu: Emulator, wire: Wire) -> None:
    emu.inject("login", http_status=503, body="maintenance")
    response = wire.rpc_raw({"jsonrpc": "2.0", "id": 1, "method": "login", "params": [1, 2, 3]})
    assert (response.status_code, response.text) == (503, "maintenance")


@pytest.mark.parametrize("protocol", ["soap", "rpc", "rest"])
def test_malformed(emu: Emulator, wire: Wire, protocol: str) -> None:
    emu.inject("getCustomerInformationBySSOToken", malformed=True)
    if protocol == "soap":
        response = wire.soap_raw(soap_envelope("getCustomerInformationBySSOToken", ["s", "t"]))
    elif protocol == "rpc":
        response = wire.rpc_raw(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "getCustomerInformationBySSOToken",
                "params": ["s", "t"],
            }
        )
    else:
        response = wire.rest("customers/", {"ssotoken": "t"})
    assert response.status_code == 200
    assert response.content == MALFORMED_BODY


@pytest.mark.parametrize("protocol", ["soap", "rpc", "rest"])
def test_drop(emu: Emulator, wire: Wire, protocol: str) -> None:
    emu.inject("getSingleSignOn", drop=True, times=1)
    if protocol == "soap":
        with pytest.raises(requests.ConnectionError):
            wire.soap_raw(soap_envelope("getSingleSignOn", ["s", "r"]))
    elif protocol == "rpc":
        params = ["s", "r", None, 10, None, None]
        body = {"jsonrpc": "2.0", "id": 1, "method": "getSingleSignOn", "params": params}
        with pytest.raises(requests.ConnectionError):
            wire.rpc_raw(body)
    else:
        with pytest.raises(requests.ConnectionError):
            wire.rest("subscriptions/4E2A1B9C70/signon/index/")
    assert emu.calls["getSingleSignOn"] == 1
    # The next call (new connection) works.
    assert wire.rest("subscriptions/4E2A1B9C70/signon/index/").status_code == 200


def test_expire_session(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_soap()
    emu.inject("setPartner", expire_session=True, times=1)
    assert wire.soap("setPartner", sid, "ACMEDIST").fault_code == "SESSION_EXPIRED"
    fresh = wire.login_soap()
    assert wire.soap("setPartner", fresh, "ACMEDIST").value == "true"
    assert wire.soap("setPartner", sid, "ACMEDIST").fault_code == "SESSION_EXPIRED"


def test_combined_delay_and_error(emu: Emulator, wire: Wire) -> None:
    emu.inject("setPartner", delay=0.05, error_code="INTERNAL_ERROR", times=1)
    start = time.perf_counter()
    assert wire.soap("setPartner", "x", "y").fault_code == "INTERNAL_ERROR"
    assert time.perf_counter() - start >= 0.05


@pytest.mark.parametrize(
    "kwargs",
    [
        {"operation": "nope", "drop": True},
        {"operation": "login", "protocol": "smtp", "drop": True},
        {"operation": "login"},
        {"operation": "login", "drop": True, "malformed": True},
        {"operation": "login", "times": 0, "drop": True},
        {"operation": "login", "http_status": 99},
        {"operation": "login", "delay": -1},
    ],
)
def test_invalid_rules(emu: Emulator, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several messages
        emu.inject(**kwargs)  # type: ignore[arg-type]


def test_faults_through_the_control_endpoint(emu: Emulator, wire: Wire) -> None:
    created = wire.control(
        "POST",
        "faults",
        [
            {
                "operation": "setPartner",
                "protocol": "jsonrpc",
                "error_code": "INVALID_PARTNER",
                "error_message": "injected",
                "times": 1,
            },
            {"operation": "login", "http_status": 503, "times": 1},
        ],
    )
    assert created.status_code == 201
    assert [f["operation"] for f in created.json()["faults"]] == ["setPartner", "login"]
    assert len(wire.control("GET", "faults").json()["faults"]) == 2
    error = wire.rpc("setPartner", "x", "ACMEDIST")["error"]
    assert error["message"] == "injected"
    assert (
        wire.rpc_raw(
            {"jsonrpc": "2.0", "id": 1, "method": "login", "params": [1, 2, 3]}
        ).status_code
        == 503
    )
    assert wire.control("GET", "faults").json()["faults"] == []
    wire.control("POST", "faults", {"operation": "*", "drop": True})
    assert wire.control("DELETE", "faults").status_code == 200
    assert emu.faults.rules == []
    bad = wire.control("POST", "faults", {"operation": "login", "explode": True})
    assert bad.status_code == 400
    assert "explode" in bad.json()["error"]
