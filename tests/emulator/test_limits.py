"""Slow and numerous clients over real sockets: bounded connections, idle and request deadlines.

Every loop here is bounded in count and time; the deadlines are short (a fraction of a second)
and the margins generous, so the tests assert who closed a connection, never how fast.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from django_2co_sso.emulator import Emulator
from django_2co_sso.emulator.limits import Limits

MAX_CONNECTIONS = 4
#: How long a test waits at most for something the server must do (far above the deadlines).
PATIENCE = 15.0


@pytest.fixture
def limited() -> Iterator[Emulator]:
    limits = Limits(max_connections=MAX_CONNECTIONS, idle_timeout=1.0, request_timeout=0.5)
    with Emulator(limits=limits) as emulator:
        yield emulator


def _closed_by_server(sock: socket.socket) -> bool:
    """Wait (bounded) until the server closes ``sock``; whether it did."""
    sock.settimeout(PATIENCE)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True  # reset
    return True


class Trickler(threading.Thread):
    """A slowloris client: a request head sent one byte every 50 ms, for at most PATIENCE s."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
        self.cut_off = threading.Event()
        self.sent = 0

    def run(self) -> None:
        head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 1000
        deadline = time.monotonic() + PATIENCE
        for byte in head:
            if time.monotonic() > deadline:
                return
            try:
                self.sock.send(bytes([byte]))
            except OSError:
                self.cut_off.set()
                return
            self.sent += 1
            time.sleep(0.05)

    def close(self) -> None:
        self.sock.close()


def test_a_slowloris_client_is_cut_off_at_the_request_deadline(limited: Emulator) -> None:
    trickler = Trickler(limited.port)
    trickler.start()
    try:
        # The server closes the connection although bytes keep arriving (each read would have
        # reset a per-read timeout).
        assert _closed_by_server(trickler.sock)
        trickler.join(PATIENCE)
        assert trickler.sent < 1000  # it did not get to send its whole head
    finally:
        trickler.close()


def test_an_idle_connection_is_closed(limited: Emulator) -> None:
    with socket.create_connection(("127.0.0.1", limited.port)) as sock:
        assert _closed_by_server(sock)


def test_connections_beyond_the_limit_get_a_503_and_slots_come_back(limited: Emulator) -> None:
    tricklers = [Trickler(limited.port) for _ in range(MAX_CONNECTIONS)]
    try:
        for trickler in tricklers:
            trickler.start()
        # All slots are held by slow clients; the next connection is told so at once.
        deadline = time.monotonic() + PATIENCE
        while True:
            with socket.create_connection(("127.0.0.1", limited.port), timeout=PATIENCE) as extra:
                answer = extra.recv(4096)
            if answer.startswith(b"HTTP/1.1 503") or time.monotonic() > deadline:
                break
        assert answer.startswith(b"HTTP/1.1 503 Service Unavailable")
        assert b"Retry-After: 1" in answer
        server = limited._server
        assert server is not None
        assert len(server._connections) <= MAX_CONNECTIONS
        # The slow clients are cut off at their deadline, and the emulator serves again.
        for trickler in tricklers:
            assert _closed_by_server(trickler.sock)
        status = 0
        deadline = time.monotonic() + PATIENCE
        while status != 200 and time.monotonic() < deadline:
            status = requests.get(f"{limited.base_url}/", timeout=PATIENCE).status_code
        assert status == 200
    finally:
        for trickler in tricklers:
            trickler.close()


def test_a_slow_body_is_cut_off_too(limited: Emulator) -> None:
    with socket.create_connection(("127.0.0.1", limited.port), timeout=PATIENCE) as sock:
        sock.sendall(
            b"POST /__emulator__/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        for _ in range(int(PATIENCE / 0.05)):
            try:
                sock.send(b" ")
            except OSError:
                break
            time.sleep(0.05)
        assert _closed_by_server(sock)
    assert limited.faults.rules == []


def test_keep_alive_clients_are_served_within_the_limit(limited: Emulator) -> None:
    # Well-behaved keep-alive clients, as many as the limit, are all served.
    sessions = [requests.Session() for _ in range(MAX_CONNECTIONS)]
    try:
        for _ in range(3):
            for session in sessions:
                assert session.get(f"{limited.base_url}/", timeout=PATIENCE).status_code == 200
    finally:
        for session in sessions:
            session.close()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_connections": 0},
        {"max_connections": True},
        {"max_connections": 1.5},
        {"idle_timeout": 0},
        {"request_timeout": -1},
        {"request_timeout": "10"},
    ],
)
def test_limits_are_validated(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be a positive"):
        Limits(**kwargs)  # type: ignore[arg-type]
