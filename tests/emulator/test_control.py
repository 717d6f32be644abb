"""The control endpoint and the Python controls: reset, clock, calls, state, seed."""

from __future__ import annotations

import json

from django_2co_sso.emulator import Emulator
from tests.emulator.wire import SECRET, Wire


def test_clock(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_soap()
    response = wire.control("POST", "clock", {"advance": 600})
    assert response.json() == {"offset": 600.0}
    assert emu.clock.offset == 600
    assert wire.soap("setPartner", sid, "ACMEDIST").fault_code == "SESSION_EXPIRED"
    assert wire.control("GET", "clock").json() == {"offset": 600.0}
    assert wire.control("POST", "clock", {"advance": -1}).status_code == 400
    assert wire.control("POST", "clock", {"back": 1}).status_code == 400
    assert wire.control("POST", "clock", {"advance": "1"}).status_code == 400


def test_calls(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_soap()
    wire.rpc("setPartner", sid, "ACMEDIST")
    wire.rest("customers/352365983/account/index/")
    calls = wire.control("GET", "calls").json()
    assert calls["total"] == 3
    assert calls["operations"] == {"login": 1, "setPartner": 1, "getSingleSignOnByCustomer": 1}
    assert calls["protocols"] == {
        "soap": {"login": 1},
        "rpc": {"setPartner": 1},
        "rest": {"getSingleSignOnByCustomer": 1},
    }
    timing = calls["service_time"]["rpc:setPartner"]
    assert timing["count"] == 1
    assert 0 < timing["max_ms"] < 50
    assert emu.calls.service_times_ms("login")
    assert wire.control("DELETE", "calls").status_code == 200
    assert emu.calls.total == 0


def test_service_time_header_on_every_answer(emu: Emulator, wire: Wire) -> None:
    for response in (
        wire.soap_raw(b"junk"),
        wire.rest("customers/352365983/account/index/"),
        wire.get(f"{emu.base_url}/myaccount/"),
        wire.control("GET", "state"),
    ):
        assert float(response.headers["X-Emulator-Service-Time"]) >= 0
        assert response.headers["Content-Length"] == str(len(response.content))


def test_reset(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_soap()
    emu.inject("login", drop=True)
    emu.clock.advance(5)
    emu.add_customer({"CustomerReference": "1", "Email": "new@example.com"})
    assert wire.control("POST", "reset").json() == {"ok": True}
    assert emu.faults.rules == []
    assert emu.calls.total == 0
    assert emu.issued_sessions == []
    assert emu.clock.offset == 0
    assert emu.data.customer("1") is None
    assert wire.soap("setPartner", sid, "ACMEDIST").fault_code == "SESSION_EXPIRED"


def test_state_has_no_secrets(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_soap()
    url = wire.soap("getSingleSignOn", sid, "4E2A1B9C70", None, 10, None, None).value
    state = wire.control("GET", "state")
    text = state.text
    assert state.json()["merchant_code"] == "EMULATOR"
    assert state.json()["base_url"] == emu.base_url
    assert state.json()["active_sessions"] == 1
    assert state.json()["tokens"] == 1
    assert len(state.json()["data"]["Customers"]) == 3
    for secret in (SECRET, sid, url.rsplit("=", 1)[1]):
        assert secret not in text
    assert SECRET not in repr(emu)


def test_seed_endpoint(emu: Emulator, wire: Wire) -> None:
    seed = {
        "Customers": [{"CustomerReference": "77", "Email": "solo@example.com"}],
        "Subscriptions": [{"SubscriptionReference": "SUB77", "CustomerReference": "77"}],
    }
    try:
        assert wire.control("POST", "seed", seed).status_code == 200
        sid = wire.login_soap()
        url = wire.soap("getSingleSignOn", sid, "SUB77", None, 10, None, None).value
        assert "solo@example.com" in wire.get(url).text
        wire.control("POST", "reset")
        assert emu.data.customer("77") is not None  # the new seed is what reset restores
        bad = wire.control("POST", "seed", {"Customers": [{"Email": "x@example.com"}]})
        assert bad.status_code == 400
        assert "CustomerReference" in bad.json()["error"]
        assert emu.data.customer("77") is not None
    finally:
        emu.load_seed(None)
    assert emu.data.customer("352365983") is not None


def test_control_errors(wire: Wire) -> None:
    assert wire.control("GET", "nothing").status_code == 404
    assert wire.control("PUT", "reset").status_code == 405
    bad_json = wire.http.post(f"{wire.base}/__emulator__/faults", data=b"{", timeout=5)
    assert bad_json.status_code == 400
    assert json.loads(bad_json.text)["error"]
