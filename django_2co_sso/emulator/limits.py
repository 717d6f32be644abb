"""How long and how many: the bounds that keep slow or numerous clients from holding the
emulator's threads.

* At most :attr:`Limits.max_connections` connections are served at once (one thread each); one
  more is answered ``503 Service Unavailable`` with ``Retry-After: 1`` and closed at once.
* A connection waiting for its next request is closed after :attr:`Limits.idle_timeout`
  seconds (the TLS handshake counts as waiting).
* Once the first byte of a request has arrived, the whole request (line, headers, body) must
  arrive within :attr:`Limits.request_timeout` seconds, however the bytes trickle in: a client
  that sends one byte a second (slowloris) is cut off at that deadline, where a per-read
  timeout would wait forever. The answer must be taken within the same time.

A request's own handling (an injected ``delay`` fault included) is not limited.
"""

from __future__ import annotations

import dataclasses
import io
import socket
import time
from typing import Final

DEFAULT_MAX_CONNECTIONS: Final = 256


@dataclasses.dataclass(frozen=True)
class Limits:
    """The bounds of one server; see the module docstring. Raises :class:`ValueError` for a
    value that is not positive."""

    max_connections: int = DEFAULT_MAX_CONNECTIONS
    idle_timeout: float = 60.0
    request_timeout: float = 10.0

    def __post_init__(self) -> None:
        if isinstance(self.max_connections, bool) or not (
            isinstance(self.max_connections, int) and self.max_connections >= 1
        ):
            raise ValueError("max_connections must be a positive integer")
        for name in ("idle_timeout", "request_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (isinstance(value, int | float) and value > 0):
                raise ValueError(f"{name} must be a positive number of seconds")


_BUSY_TEXT: Final = b"The emulator is serving too many connections; retry in a moment.\n"
#: What an over-limit connection is told before it is closed.
BUSY_ANSWER: Final = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 1\r\n"
    b"Connection: close\r\n"
    b"Content-Length: " + str(len(_BUSY_TEXT)).encode() + b"\r\n\r\n" + _BUSY_TEXT
)


class DeadlineReader(io.RawIOBase):
    """The raw reading side of a client socket, with the idle and request deadlines.

    Call :meth:`next_request` before reading each request: the reader then waits up to
    ``idle_timeout`` for its first byte and, from that byte on, reads until the request
    deadline; past it, reads raise :class:`TimeoutError` (which ends the connection).
    """

    def __init__(self, sock: socket.socket, limits: Limits) -> None:
        super().__init__()
        self._sock = sock
        self._limits = limits
        self._deadline: float | None = None

    def readable(self) -> bool:
        """Always: this is a reader."""
        return True

    def next_request(self) -> None:
        """Start waiting for a new request (the idle timeout applies until its first byte)."""
        self._deadline = None

    def write_timeout(self) -> float:
        """Seconds the answer may take to be sent."""
        return self._limits.request_timeout

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Read into ``buffer`` before the current deadline; raise :class:`TimeoutError`."""
        if self._deadline is None:
            timeout = self._limits.idle_timeout
        else:
            timeout = self._deadline - time.monotonic()
            if timeout <= 0:
                raise TimeoutError("the request took longer than its deadline")
        self._sock.settimeout(timeout)
        count = self._sock.recv_into(buffer)
        if count and self._deadline is None:
            self._deadline = time.monotonic() + self._limits.request_timeout
        return count
