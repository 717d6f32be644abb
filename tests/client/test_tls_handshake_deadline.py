"""The request deadline also ends a TLS handshake that a server trickles (over real sockets).

The server answers the ClientHello with the header of a 16 KiB handshake record and then
one byte every 50 ms: every read of the handshake gets data well within any read timeout, so
only the request's deadline can end it. It stops by itself after ``TRICKLE_FOR`` seconds.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from django_2co_sso.backends.http import new_session

TRICKLE_FOR = 20.0  # seconds the server keeps the handshake going at most
BOUND = 5.0  # seconds well past the timeouts under test, well before the trickle ends
DEADLINE = 0.5


class TricklingTLSServer:
    """Accepts one connection and trickles a never-ending TLS handshake record."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held_for: float | None = None  # seconds from accept to the client going away
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(TRICKLE_FOR)
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        accepted = time.monotonic()
        with conn:
            try:
                conn.recv(4096)  # the ClientHello
                conn.sendall(b"\x16\x03\x03\x40\x00")  # handshake record of 16384 bytes
                while time.monotonic() - accepted < TRICKLE_FOR:
                    conn.sendall(b"\x00")
                    time.sleep(0.05)
            except OSError:  # the client went away
                pass
        self.held_for = time.monotonic() - accepted

    def close(self) -> None:
        self.listener.close()
        self.thread.join(TRICKLE_FOR + 5)


@pytest.fixture
def trickling() -> Iterator[TricklingTLSServer]:
    server = TricklingTLSServer()
    yield server
    server.close()


def test_a_trickled_tls_handshake_ends_at_the_request_deadline(
    trickling: TricklingTLSServer,
) -> None:
    session = new_session(deadline=DEADLINE)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        session.post(f"https://127.0.0.1:{trickling.port}/rpc/6.0/", json={}, timeout=(15, 15))
    took = time.monotonic() - started
    trickling.thread.join(TRICKLE_FOR + 5)
    # Without the deadline the handshake would last the connect timeout (15 s) or the trickle.
    assert took < BOUND
    assert trickling.held_for is not None
    assert trickling.held_for < BOUND


def test_the_handshake_as_a_whole_is_bounded_by_the_connect_timeout(
    trickling: TricklingTLSServer,
) -> None:
    """Why the deadline holds there: CPython's ``ssl`` ends a handshake on a socket with a
    timeout when that much time has passed in all, not per read (and the session caps the
    connect timeout at the deadline)."""
    session = new_session()
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        session.post(f"https://127.0.0.1:{trickling.port}/rpc/6.0/", json={}, timeout=(1, 1))
    assert time.monotonic() - started < BOUND
