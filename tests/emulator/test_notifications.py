"""IPN and LCN delivery: signed as documented (checked by hand), read receipts, retries on the
vendor's schedule driven by the emulator clock, the delivery log, listeners set three ways."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest

from django_2co_sso.emulator import Emulator
from django_2co_sso.emulator.notifications import RETRY_OFFSETS
from tests.emulator.listener import Fields, Listener, lp, receipt, running_listener
from tests.emulator.wire import SECRET, Wire

SIGNATURES = ("HASH", "SIGNATURE_SHA2_256", "SIGNATURE_SHA3_256")


@pytest.fixture
def listener(emu: Emulator) -> Iterator[tuple[Listener, str]]:
    with running_listener() as (server, base):
        emu.set_listeners(ipn=[f"{base}/ipn/"], lcn=[f"{base}/lcn/"])
        yield server, base


def check_signatures(fields: Fields) -> None:
    """Every signature of ``fields``, recomputed by hand over every other field in order."""
    message = "".join(lp(v) for n, v in fields if n not in SIGNATURES).encode()
    values = {n: v for n, v in fields if n in SIGNATURES}
    key = SECRET.encode()
    assert values["HASH"] == hmac.new(key, message, hashlib.md5).hexdigest()
    assert values["SIGNATURE_SHA2_256"] == hmac.new(key, message, hashlib.sha256).hexdigest()
    assert values["SIGNATURE_SHA3_256"] == hmac.new(key, message, hashlib.sha3_256).hexdigest()
    assert [n for n, _ in fields][-3:] == list(SIGNATURES)


def test_order_sends_signed_ipn_and_lcn(emu: Emulator, listener: tuple[Listener, str]) -> None:
    server, _ = listener
    order = emu.commerce.place_order(
        "PRO-YEARLY", customer_ext_ref="user-ü", first_name="Zoë", last_name="Ørsted"
    )
    server.wait_for(2)
    assert emu.wait_for_notifications()
    (ipn,) = server.of("ipn")
    (lcn,) = server.of("lcn")
    check_signatures(ipn)
    check_signatures(lcn)
    ipn_map = dict(ipn)
    assert ipn_map["REFNO"] == order.reference
    assert ipn_map["ORDERSTATUS"] == "COMPLETE"
    assert ipn_map["EXTERNAL_CUSTOMER_REFERENCE"] == "user-ü"
    assert ipn_map["AVANGATE_CUSTOMER_REFERENCE"] == order.customer_reference
    assert ipn_map["IPN_LICENSE_REF[]"] == order.subscription_reference
    assert ipn_map["IPN_PCODE[]"] == "PRO-YEARLY"
    assert ipn_map["FIRSTNAME"] == "Zoë"
    lcn_map = dict(lcn)
    assert lcn_map["LICENSE_CODE"] == order.subscription_reference
    assert lcn_map["STATUS"] == "ACTIVE"
    assert lcn_map["EXTERNAL_CUSTOMER_REFERENCE"] == "user-ü"
    log = emu.notifier.log()
    assert {(e["kind"], e["status"], e["receipt_valid"]) for e in log} == {
        ("ipn", 200, True),
        ("lcn", 200, True),
    }
    assert emu.notifier.pending() == 0


def test_missing_receipt_is_retried_on_the_schedule(
    emu: Emulator, listener: tuple[Listener, str]
) -> None:
    server, _ = listener
    server.answer = lambda path, fields: (200, "OK")
    emu.set_listeners(ipn=[])
    emu.commerce.place_order("PRO-YEARLY", customer_ext_ref="retry-1")
    server.wait_for(1)
    assert emu.wait_for_notifications()
    first = emu.notifier.log()
    assert [(e["attempt"], e["receipt_valid"], e["error"]) for e in first] == [
        (1, False, "no valid read receipt")
    ]
    assert first[0]["next_attempt_in"] == pytest.approx(150, abs=1)
    assert emu.notifier.pending() == 1
    emu.clock.advance(100)  # not due yet
    assert emu.wait_for_notifications()
    assert len(server.received) == 1
    server.answer = Listener.good  # the listener is fixed
    emu.clock.advance(50)  # now at the second slot of the schedule
    server.wait_for(2)
    assert emu.wait_for_notifications()
    log = emu.notifier.log()
    assert [(e["attempt"], e["receipt_valid"]) for e in log] == [(1, False), (2, True)]
    assert log[1]["next_attempt_in"] is None
    assert emu.notifier.pending() == 0
    emu.clock.advance(10_000)
    assert emu.wait_for_notifications()
    assert len(server.received) == 2  # nothing more once acknowledged


@pytest.mark.parametrize(
    "answer",
    [
        lambda kind, fields: (500, receipt(kind, fields)),  # right receipt, wrong status
        lambda kind, fields: (200, receipt(kind, fields).replace("sha256", "sha3-256")),
        lambda kind, fields: (200, receipt("ipn" if kind == "lcn" else "lcn", fields)),
    ],
)
def test_invalid_answers_are_not_receipts(
    emu: Emulator, listener: tuple[Listener, str], answer: object
) -> None:
    server, _ = listener
    emu.set_listeners(ipn=[])

    def respond(path: str, fields: Fields) -> tuple[int, str]:
        try:
            return answer("lcn", fields)  # type: ignore[operator, no-any-return]
        except KeyError:
            return 200, "none"

    server.answer = respond
    emu.commerce.place_order("PRO-YEARLY", customer_ext_ref="bad-receipt")
    server.wait_for(1)
    assert emu.wait_for_notifications()
    assert [e["receipt_valid"] for e in emu.notifier.log()] == [False]


@pytest.mark.parametrize("algo", ["sha256", "sha3-256", "md5"])
def test_each_receipt_form_is_accepted(
    emu: Emulator, listener: tuple[Listener, str], algo: str
) -> None:
    server, _ = listener
    server.answer = lambda path, fields: (
        200,
        receipt("ipn" if "ipn" in path else "lcn", fields, algo=algo),
    )
    emu.commerce.place_order("PRO-YEARLY", customer_ext_ref=f"algo-{algo}")
    server.wait_for(2)
    assert emu.wait_for_notifications()
    assert [e["receipt_valid"] for e in emu.notifier.log()] == [True, True]


def test_unreachable_listener_is_logged_and_retried(emu: Emulator) -> None:
    import socket

    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    emu.set_listeners(ipn=[f"http://127.0.0.1:{port}/ipn"], lcn=[])
    emu.commerce.place_order("PRO-YEARLY", customer_ext_ref="down-1")
    assert emu.wait_for_notifications()
    (entry,) = emu.notifier.log()
    assert entry["status"] is None
    assert entry["error"]
    assert emu.notifier.pending() == 1


def test_the_shoppers_request_never_waits_for_a_listener(
    emu: Emulator, listener: tuple[Listener, str], wire: Wire
) -> None:
    server, _ = listener
    release = server.hold()
    try:
        response = wire.control(
            "POST", "orders", {"product": "PRO-YEARLY", "customer_ext_ref": "slow-1"}
        )
        assert response.status_code == 201
        assert not release.is_set()  # answered while the listener was still held
    finally:
        release.set()
    server.wait_for(2)
    assert emu.wait_for_notifications()


def test_schedule_is_the_vendors() -> None:
    assert RETRY_OFFSETS[:7] == (0, 150, 300, 1200, 2100, 3000, 3900)
    hourly = RETRY_OFFSETS[7:]
    assert all(b - a == 3600 for a, b in zip(RETRY_OFFSETS[6:], hourly, strict=False))
    assert RETRY_OFFSETS[-1] <= 2 * 86400 < RETRY_OFFSETS[-1] + 3600


def test_speedup_compresses_the_schedule() -> None:
    fast = Emulator(retry_speedup=60)
    try:
        with running_listener() as (server, base):
            server.answer = lambda path, fields: (200, "no receipt")
            fast.start()
            fast.set_listeners(ipn=[f"{base}/ipn"], lcn=[])
            fast.commerce.place_order("PRO-YEARLY", customer_ext_ref="fast-1")
            server.wait_for(1)
            assert fast.wait_for_notifications()
            assert fast.notifier.log()[0]["next_attempt_in"] == pytest.approx(2.5, abs=0.5)
            fast.clock.advance(2.5)
            server.wait_for(2)
            assert fast.wait_for_notifications()
            assert [e["attempt"] for e in fast.notifier.log()] == [1, 2]
    finally:
        fast.stop()
    with pytest.raises(ValueError, match="speed-up"):
        Emulator(retry_speedup=0)


def test_listeners_and_log_over_the_control_api(
    emu: Emulator, wire: Wire, listener: tuple[Listener, str]
) -> None:
    server, base = listener
    response = wire.control("POST", "listeners", {"lcn": [f"{base}/lcn/", f"{base}/lcn2/"]})
    assert response.json() == {"ipn": [f"{base}/ipn/"], "lcn": [f"{base}/lcn/", f"{base}/lcn2/"]}
    emu.commerce.place_order("PRO-YEARLY", customer_ext_ref="log-1")
    server.wait_for(3)
    assert emu.wait_for_notifications()
    body = wire.control("GET", "notifications").json()
    assert body["pending"] == 0
    assert sorted(e["url"] for e in body["deliveries"]) == sorted(
        [f"{base}/ipn/", f"{base}/lcn/", f"{base}/lcn2/"]
    )
    assert all(e["time"] and e["receipt_valid"] for e in body["deliveries"])
    assert "SIGNATURE" not in str(body)
    assert wire.control("GET", "listeners").json()["lcn"] == [f"{base}/lcn/", f"{base}/lcn2/"]
    assert wire.control("POST", "listeners", {"ipn": ["ftp://x/"]}).status_code == 400
    assert wire.control("POST", "listeners", {"ipn": "http://x/"}).status_code == 400
    assert wire.control("POST", "listeners", {"other": []}).status_code == 400
    assert wire.control("DELETE", "listeners").status_code == 405


def test_reset_restores_the_listeners_given_at_creation() -> None:
    emulator = Emulator(ipn_urls=["http://127.0.0.1:9/ipn"], lcn_urls=["http://127.0.0.1:9/lcn"])
    emulator.set_listeners(ipn=[], lcn=[])
    emulator.reset()
    assert emulator.notifier.listeners() == {
        "ipn": ["http://127.0.0.1:9/ipn"],
        "lcn": ["http://127.0.0.1:9/lcn"],
    }
    with pytest.raises(ValueError, match="listener URL"):
        Emulator(ipn_urls=["not a url"])


def test_one_worker_sends_one_after_the_other(
    emu: Emulator, listener: tuple[Listener, str]
) -> None:
    server, _ = listener
    release = server.hold()
    emu.notifier.workers = 1
    try:
        emu.commerce.place_order("PRO-YEARLY", customer_ext_ref="serial-1")
        assert len(server.wait_for(1)) == 1
        assert not emu.wait_for_notifications(0.3)  # the IPN is still held
        assert len(server.received) == 1  # the LCN waits for it
        release.set()
        assert [path for path, _ in server.wait_for(2)] == ["/ipn/", "/lcn/"]
        assert emu.wait_for_notifications()
    finally:
        release.set()
        emu.notifier.workers = 4


def test_an_attempt_finishing_after_a_reset_is_not_logged(
    emu: Emulator, listener: tuple[Listener, str]
) -> None:
    server, _ = listener
    release = server.hold()
    emu.set_listeners(lcn=[])
    emu.commerce.place_order("PRO-YEARLY", customer_ext_ref="reset-1")
    server.wait_for(1)
    emu.reset()
    release.set()
    assert emu.wait_for_notifications()  # also waits for the attempt begun before the reset
    assert emu.notifier.log() == []
    assert emu.notifier.pending() == 0
