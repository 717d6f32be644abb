"""Sessions: 10 minutes from login on the movable clock; expired/unknown -> SESSION_EXPIRED."""

from __future__ import annotations

import pytest

from django_2co_sso.emulator import Emulator
from tests.emulator.wire import Wire


def _sso_soap(wire: Wire, sid: str) -> int:
    return wire.soap("getSingleSignOn", sid, "4E2A1B9C70", None, 10, "change_card", None).status


def test_session_lives_ten_minutes_from_login(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_soap()
    emu.clock.advance(599)
    assert _sso_soap(wire, sid) == 200  # use does not extend it
    emu.clock.advance(1)
    answer = wire.soap("getSingleSignOn", sid, "4E2A1B9C70", None, 10, "change_card", None)
    assert answer.status == 500
    assert answer.fault_code == "SESSION_EXPIRED"


def test_expired_session_over_jsonrpc(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_rpc()
    emu.clock.advance(601)
    error = wire.rpc("setPartner", sid, "ACMEDIST")["error"]
    assert error["code"] == 10002
    assert error["data"]["error_code"] == "SESSION_EXPIRED"


@pytest.mark.parametrize("sid", ["0" * 32, "", None])
def test_unknown_session(wire: Wire, sid: str | None) -> None:
    answer = wire.soap("getCustomerInformationBySSOToken", sid, "x")
    assert answer.fault_code == "SESSION_EXPIRED"
    assert wire.rpc("setPartner", sid, "ACMEDIST")["error"]["code"] == 10002


def test_sessions_are_random_and_recorded(emu: Emulator, wire: Wire) -> None:
    first, second = wire.login_soap(), wire.login_rpc()
    assert first != second
    assert emu.issued_sessions == [first, second]
    emu.reset()
    assert emu.issued_sessions == []


def test_expire_sessions_helper(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_soap()
    assert emu.expire_sessions() == 1
    assert wire.soap("setPartner", sid, "ACMEDIST").fault_code == "SESSION_EXPIRED"
    assert _sso_soap(wire, wire.login_soap()) == 200


def test_clock_rejects_going_back(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="forward"):
        emu.clock.advance(-1)
