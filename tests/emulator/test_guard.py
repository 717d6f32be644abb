"""Who may talk to the emulator: the control token, the Host check, cross-origin requests."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
import requests

from django_2co_sso.emulator import Emulator
from django_2co_sso.emulator.guard import host_name, is_loopback
from tests.emulator.wire import Wire

FAULT = {"operation": "getSingleSignOn", "error_code": "INTERNAL_ERROR"}


@pytest.fixture
def open_emulator() -> Iterator[Emulator]:
    """An emulator without a control token (as the pytest fixture runs by default)."""
    with Emulator() as emulator:
        yield emulator


def _raw(emulator: Emulator, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """Send one request over a plain socket; return the status and the body."""
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head_bytes, _, answer = data.partition(b"\r\n\r\n")
    return int(head_bytes.split(b" ", 2)[1]), answer


def test_the_control_token_is_required_when_configured(emu: Emulator, wire: Wire) -> None:
    assert emu.control_token
    url = f"{emu.base_url}/__emulator__/faults"
    for headers in ({}, {"X-Emulator-Token": "wrong"}, {"X-Emulator-Token": ""}):
        assert requests.get(url, headers=headers, timeout=5).status_code == 401
        refused = requests.post(url, json=FAULT, headers=headers, timeout=5)
        assert refused.status_code == 401
        assert "X-Emulator-Token" in refused.json()["error"]
        assert emu.control_token not in refused.text
    assert emu.faults.rules == []
    assert wire.control("POST", "faults", FAULT).status_code == 201
    assert len(emu.faults.rules) == 1
    assert emu.control_headers == {"X-Emulator-Token": emu.control_token}


def test_no_token_needed_when_none_is_configured(open_emulator: Emulator) -> None:
    assert open_emulator.control_headers == {}
    state = requests.get(f"{open_emulator.base_url}/__emulator__/state", timeout=5)
    assert state.status_code == 200


@pytest.mark.parametrize("token", ["", "  ", "a b", "x;y", "t\u00e9"])
def test_an_empty_token_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="control token"):
        Emulator(control_token=token)


@pytest.mark.parametrize("with_token", [False, True])
def test_a_cross_origin_text_plain_post_cannot_set_a_fault(with_token: bool) -> None:
    token = "guard-token" if with_token else None
    with Emulator(control_token=token) as emulator:
        # What a page on another origin can send without a CORS preflight.
        for extra in ("Origin: http://attacker.example", "Sec-Fetch-Site: cross-site"):
            status, _ = _raw(
                emulator,
                "POST /__emulator__/faults HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{emulator.port}\r\n{extra}\r\n"
                "Content-Type: text/plain;charset=UTF-8\r\n"
                f"Content-Length: {len(json.dumps(FAULT))}\r\nConnection: close\r\n",
                json.dumps(FAULT).encode(),
            )
            assert status in (401, 403)
        assert emulator.faults.rules == []


def test_cross_origin_and_non_json_control_requests_are_refused(open_emulator: Emulator) -> None:
    base = open_emulator.base_url
    for origin in ("http://attacker.example", "null", f"http://127.0.0.1:{open_emulator.port + 1}"):
        response = requests.post(
            f"{base}/__emulator__/reset", headers={"Origin": origin}, timeout=5
        )
        assert response.status_code == 403
        assert "cross-origin" in response.json()["error"]
    same_site = requests.get(
        f"{base}/__emulator__/state", headers={"Sec-Fetch-Site": "same-site"}, timeout=5
    )
    assert same_site.status_code == 403
    text_plain = requests.post(
        f"{base}/__emulator__/faults",
        data=json.dumps(FAULT),
        headers={"Content-Type": "text/plain"},
        timeout=5,
    )
    assert text_plain.status_code == 415
    assert open_emulator.faults.rules == []
    # Same origin (the emulator's own page) and plain JSON clients are fine.
    same_origin = requests.post(
        f"{base}/__emulator__/faults", json=FAULT, headers={"Origin": base}, timeout=5
    )
    assert same_origin.status_code == 201


@pytest.mark.parametrize(
    "path", ["/__emulator__/state", "/myaccount/?logintoken=x", "/soap/6.0/?wsdl", "/"]
)
@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8765", "127.0.0.1.nip.io"])
def test_dns_rebinding_hosts_are_refused(open_emulator: Emulator, path: str, host: str) -> None:
    status, body = _raw(
        open_emulator, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    )
    assert status == 400
    assert b"Host not allowed" in body
    assert b"352365983" not in body  # no customer data


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.0.0.1:1234",
        "localhost",
        "LocalHost:80",
        "app.localhost",
        "[::1]:80",
        "10.1.2.3",
        "[fe80::1]",
    ],
)
def test_loopback_names_and_ip_addresses_are_answered(open_emulator: Emulator, host: str) -> None:
    status, body = _raw(
        open_emulator, f"GET /__emulator__/state HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    )
    assert status == 200
    assert b"352365983" in body


def test_a_request_without_host_is_answered(open_emulator: Emulator) -> None:
    status, _ = _raw(open_emulator, "GET /__emulator__/state HTTP/1.0\r\n")
    assert status == 200


@pytest.mark.parametrize("host", ["", "bad host", "[::1", "a:b:c"])
def test_malformed_hosts_are_refused(open_emulator: Emulator, host: str) -> None:
    status, _ = _raw(open_emulator, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n")
    assert status == 400


def test_allowed_hosts_and_the_public_url_host() -> None:
    with Emulator(allowed_hosts=["emulator.test"], public_url="http://public.test:9") as emulator:
        for host, expected in (
            ("emulator.test", 200),
            ("EMULATOR.TEST:8765", 200),
            ("public.test:9", 200),
            ("other.test", 400),
        ):
            status, _ = _raw(emulator, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n")
            assert status == expected, host
    with Emulator(allowed_hosts=["*"]) as emulator:
        status, _ = _raw(emulator, "GET / HTTP/1.1\r\nHost: anything.test\r\nConnection: close\r\n")
        assert status == 200


def test_host_helpers() -> None:
    assert host_name("Example.COM.:80") == "example.com"
    assert host_name("[::1]:8765") == "::1"
    assert host_name("a b") is None
    assert is_loopback("127.3.4.5")
    assert is_loopback("[::1]")
    assert not is_loopback("0.0.0.0")  # noqa: S104 - a value under test, not a bind
    assert not is_loopback("localhost.attacker.example")


def test_a_browser_opens_the_operator_page_with_the_token_in_the_url() -> None:
    with Emulator(control_token="page-token") as emulator:
        base = emulator.base_url
        browser = requests.Session()
        assert browser.get(f"{base}/__emulator__/operator", timeout=5).status_code == 401
        page = browser.get(f"{base}/__emulator__/operator?token=page-token", timeout=5)
        assert page.status_code == 200
        cookie = page.headers["Set-Cookie"]
        assert cookie.startswith("emulator_token=page-token;")
        for attribute in ("Path=/__emulator__", "HttpOnly", "SameSite=Strict"):
            assert attribute in cookie
        # The page's own form posts back with the cookie, from its own origin.
        form = {"subscription": "9B8C7D6E50", "action": "disable"}
        posted = browser.post(
            f"{base}/__emulator__/operator",
            data=form,
            headers={"Origin": base},
            allow_redirects=False,
            timeout=5,
        )
        assert posted.status_code == 303
        # Another origin cannot, cookie or not; forms go to the operator page only.
        foreign = browser.post(
            f"{base}/__emulator__/operator",
            data=form,
            headers={"Origin": "http://127.0.0.1:1"},
            timeout=5,
        )
        assert foreign.status_code == 403
        form_fault = browser.post(f"{base}/__emulator__/faults", data=FAULT, timeout=5)
        assert form_fault.status_code == 415
        assert emulator.faults.rules == []
        # The token is accepted in the query string of a GET only, and a wrong one sets nothing.
        fresh = requests.Session()
        assert fresh.post(f"{base}/__emulator__/reset?token=page-token", timeout=5).status_code == (
            401
        )
        wrong = fresh.get(f"{base}/__emulator__/operator?token=nope", timeout=5)
        assert wrong.status_code == 401
        assert "Set-Cookie" not in wrong.headers


def test_an_origin_without_host_is_cross_origin(open_emulator: Emulator) -> None:
    status, _ = _raw(
        open_emulator, "POST /__emulator__/reset HTTP/1.0\r\nOrigin: http://127.0.0.1\r\n"
    )
    assert status == 403
