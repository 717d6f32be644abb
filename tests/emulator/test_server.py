"""The HTTP server: TCP_NODELAY, keep-alive, speed, silence, lifecycle."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
import requests

from django_2co_sso.emulator import Emulator
from django_2co_sso.emulator.messages import Request, Response, text_response
from django_2co_sso.emulator.server import EmulatorHTTPServer
from tests.emulator.wire import Wire


def test_tcp_nodelay_on_accepted_sockets() -> None:
    server = EmulatorHTTPServer(
        ("127.0.0.1", 0), lambda r: text_response("x", 200), lambda *a: None
    )
    try:
        client = socket.create_connection(server.server_address[:2])
        accepted, _ = server.get_request()
        try:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            accepted.close()
            client.close()
    finally:
        server.server_close()


def test_keep_alive_on_one_connection_with_nagle_off(emu: Emulator, wire: Wire) -> None:
    """Fifty calls reuse one connection, and the server's socket has TCP_NODELAY set.

    Without TCP_NODELAY each loopback answer waits for a delayed ACK (~40 ms); the option is
    checked on the server's own accepted socket instead of timing the calls (no timed tests).
    """
    sid = wire.login_soap()
    server = emu._server
    assert server is not None
    with server._connections_lock:
        # Connections of earlier tests may still be closing on the session-wide server.
        before = set(server._connections)
    for _ in range(50):
        response = wire.rpc_raw(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "getSingleSignOn",
                "params": [sid, "4E2A1B9C70", None, 10, None, None],
            }
        )
        assert response.status_code == 200
    with server._connections_lock:
        connections = set(server._connections)
    assert not connections - before  # keep-alive: no call opened a new connection
    assert connections & before  # the login's connection is still open
    assert all(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0 for c in connections)
    assert len(emu.calls.service_times_ms("getSingleSignOn", "rpc")) == 50


def test_http11_content_length_and_keep_alive_raw(emu: Emulator) -> None:
    with socket.create_connection(("127.0.0.1", emu.port)) as sock:
        for _ in range(2):
            sock.sendall(
                b"GET /__emulator__/clock HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + f"X-Emulator-Token: {emu.control_token}\r\n\r\n".encode()
            )
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(4096)
            head, _, body = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            while len(body) < length:
                body += sock.recv(4096)
            assert body == b'{"offset":0.0}'


def test_no_output_by_default(
    emu: Emulator, wire: Wire, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sid = wire.login_soap()
    url = wire.soap("getSingleSignOn", sid, "4E2A1B9C70", None, 10, None, None).value
    wire.get(url)
    wire.get(f"{emu.base_url}/myaccount/?logintoken=nope")
    out, err = capfd.readouterr()
    assert out == err == ""
    assert [r for r in caplog.records if r.name.startswith("django_2co_sso")] == []


def test_verbose_logs_paths_but_never_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="django_2co_sso.emulator")
    with Emulator(verbose=True, control_token="verbose-control-token") as emulator:
        wire = Wire(emulator.base_url, emulator.control_token)
        sid = wire.login_soap()
        url = wire.soap("getSingleSignOn", sid, "4E2A1B9C70", None, 10, None, None).value
        wire.get(url)
        wire.rest("customers/", {"ssotoken": url.rsplit("=", 1)[1]})
        with socket.create_connection(("127.0.0.1", emulator.port)) as sock:
            sock.sendall(f"BOGUS /x?logintoken={emulator.issued_tokens[0]}\r\n\r\n".encode())
            sock.recv(1024)
        assert wire.control("GET", "state").status_code == 200  # the token in a header
        operator = requests.get(  # and in a query string
            f"{emulator.base_url}/__emulator__/operator?token=verbose-control-token", timeout=5
        )
        assert operator.status_code == 200
        secrets = [
            emulator.secret_key,
            "verbose-control-token",
            *emulator.issued_sessions,
            *emulator.issued_tokens,
        ]
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST /soap/6.0/ -> 200" in text
    assert "GET /myaccount/ -> 200" in text
    assert "GET /__emulator__/operator -> 200" in text
    for secret in secrets:
        assert secret not in text


def test_internal_errors_become_500(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(request: Request) -> Response:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(emu._server, "app", explode)
    with caplog.at_level(logging.ERROR):
        response = requests.get(f"{emu.base_url}/anything?logintoken=secret-ish", timeout=5)
    assert response.status_code == 500
    assert "secret-ish" not in caplog.text


def test_concurrent_requests(emu: Emulator) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            wire = Wire(emu.base_url)
            sid = wire.login_rpc()
            for _ in range(20):
                url = wire.rpc("getSingleSignOn", sid, "4E2A1B9C70", None, 10, None, None)
                assert wire.get(url["result"]).status_code == 200
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(emu.issued_tokens)) == 160


def test_lifecycle() -> None:
    emulator = Emulator()
    with pytest.raises(RuntimeError):
        _ = emulator.base_url
    base = emulator.start()
    assert base == emulator.base_url == f"http://127.0.0.1:{emulator.port}"
    session = requests.Session()
    assert session.get(f"{base}/", timeout=5).status_code == 200
    emulator.stop()
    emulator.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        session.get(f"{base}/", timeout=5)
    public = Emulator(public_url="http://emulator.test:9/")
    assert public.base_url == "http://emulator.test:9"


def test_unknown_paths(emu: Emulator, wire: Wire) -> None:
    assert wire.get(f"{emu.base_url}/nothing").status_code == 404
    assert wire.http.delete(f"{emu.base_url}/myaccount/", timeout=5).status_code == 404
    assert wire.get(f"{emu.base_url}/rpc/6.0/").status_code == 405
    assert wire.http.put(f"{emu.base_url}/soap/6.0/", timeout=5).status_code == 405
    assert "Merchant code EMULATOR" in wire.get(f"{emu.base_url}/").text
