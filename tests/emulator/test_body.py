"""Request bodies over real sockets: the 1 MiB limit holds however the body is framed."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from django_2co_sso.emulator import Emulator
from django_2co_sso.emulator.body import MAX_BODY

FAULT = json.dumps({"operation": "getSingleSignOn", "error_code": "INTERNAL_ERROR"}).encode()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


def _post(emulator: Emulator, headers: str, body: bytes = b"", *, half_close: bool = True) -> int:
    """POST to the faults endpoint over a raw socket; return the answer's status."""
    head = (
        f"POST /__emulator__/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\n{headers}\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
        sock.sendall(head + body)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ", 2)[1])


def _chunked(*chunks: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def test_a_chunked_body_is_read(emulator: Emulator) -> None:
    body = b"3;ext=1\r\n" + FAULT[:3] + b"\r\n" + _chunked(FAULT[3:])[:-2] + b"X-Trailer: 1\r\n\r\n"
    assert _post(emulator, "Transfer-Encoding: chunked\r\n", body) == 201
    assert len(emulator.faults.rules) == 1


@pytest.mark.parametrize("size", [b"-1", b"-FFFF", b"+10", b"0x10", b"1_0", b" ", b"", b"g"])
def test_a_chunk_size_that_is_not_hex_digits_is_refused(emulator: Emulator, size: bytes) -> None:
    # "-1" made the old parser read to the end of the stream, past the 1 MiB limit.
    status = _post(emulator, "Transfer-Encoding: chunked\r\n", size + b"\r\n" + FAULT + b"\r\n")
    assert status == 400
    assert emulator.faults.rules == []


def test_a_huge_chunk_size_is_refused_before_reading(emulator: Emulator) -> None:
    status = _post(emulator, "Transfer-Encoding: chunked\r\n", b"FFFFFFFF\r\n", half_close=False)
    assert status == 413
    assert _post(emulator, "Transfer-Encoding: chunked\r\n", b"1FFFFFFFF\r\n") == 400


def test_chunks_adding_up_to_more_than_the_limit_are_refused(emulator: Emulator) -> None:
    piece = b" " * (64 * 1024)
    body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(MAX_BODY // len(piece)))
    # Exactly MAX_BODY bytes so far; one more byte is announced and refused before it is read.
    status = _post(emulator, "Transfer-Encoding: chunked\r\n", body + b"1\r\n", half_close=False)
    assert status == 413
    assert emulator.faults.rules == []


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ("Content-Length: -1\r\n", 400),
        ("Content-Length: +5\r\n", 400),
        ("Content-Length: 1_0\r\n", 400),
        ("Content-Length: 99999999999\r\n", 400),
        (f"Content-Length: {MAX_BODY + 1}\r\n", 413),
        ("Content-Length: 5\r\nContent-Length: 6\r\n", 400),
        ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400),
        ("Transfer-Encoding: gzip\r\n", 501),
        ("Transfer-Encoding: gzip, chunked\r\n", 501),
    ],
)
def test_bad_framing_is_refused(emulator: Emulator, headers: str, status: int) -> None:
    assert _post(emulator, headers, half_close=False) == status
    assert emulator.faults.rules == []


def test_a_body_shorter_than_its_length_is_refused(emulator: Emulator) -> None:
    assert _post(emulator, "Content-Length: 100\r\n", FAULT[:10]) == 400
    assert _post(emulator, "Transfer-Encoding: chunked\r\n", b"100\r\n" + FAULT[:10]) == 400
    assert _post(emulator, f"Content-Length: {len(FAULT)}\r\n", FAULT) == 201


@pytest.mark.parametrize(
    "body",
    [
        b"1" * 5000 + b"\r\n",  # a chunk-size line longer than 4096 bytes
        b"3\r\nabcdef\r\n0\r\n\r\n",  # a chunk longer than its size
        b"0\r\n" + b"X-Trailer: 1\r\n" * 40 + b"\r\n",  # too many trailers
        b"5",  # the stream ends inside a chunk-size line
    ],
)
def test_malformed_chunks_are_refused(emulator: Emulator, body: bytes) -> None:
    assert _post(emulator, "Transfer-Encoding: chunked\r\n", body) == 400
