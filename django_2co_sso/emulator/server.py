"""The HTTP server: stdlib ``ThreadingHTTPServer``, HTTP/1.1 keep-alive, TCP_NODELAY.

One thread per connection (daemon threads), at most ``limits.max_connections`` at once, each
with an idle and a whole-request deadline (:mod:`.limits`). Every answer is written in a single
``write`` with a ``Content-Length`` and an ``X-Emulator-Service-Time: <ms>`` header.
``TCP_NODELAY`` is set on every accepted socket, so a loopback answer never waits for a delayed
ACK. Nothing is logged unless ``verbose`` is on, and then only method, path (never the query
string), status and service time: no secret, hash, sessionID or token ever reaches a log.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .body import BodyError, read_body
from .limits import BUSY_ANSWER, DeadlineReader, Limits
from .messages import DropConnection, Request, Response, text_response

logger = logging.getLogger("django_2co_sso.emulator")

Application = Callable[[Request], Response]
Recorder = Callable[[str, str, float], None]


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that sets ``TCP_NODELAY`` and can close live connections.

    ``app`` answers requests; ``recorder(protocol, operation, seconds)`` records API calls;
    ``limits`` bounds connections and their time (:class:`.limits.Limits`, default values when
    None).
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        app: Application,
        recorder: Recorder,
        *,
        verbose: bool = False,
        tls: ssl.SSLContext | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.limits = limits if limits is not None else Limits()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.recorder = recorder
        self.verbose = verbose
        self.tls = tls
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, EmulatorRequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client went away mid-answer (its timeout); report the rest."""
        error = sys.exc_info()[1]
        quiet = BrokenPipeError | ConnectionResetError | ssl.SSLError
        if isinstance(error, quiet) and not self.verbose:
            return
        super().handle_error(request, client_address)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection and turn Nagle's algorithm off on it."""
        sock, address = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is not None:  # the handshake runs in the connection's thread (setup)
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Serve (and count) a connection, or refuse it beyond ``limits.max_connections`` (a
        503, then closed)."""
        with self._connections_lock:
            busy = len(self._connections) >= self.limits.max_connections
            if not busy:
                self._connections.add(request)
        if busy and not isinstance(request, ssl.SSLSocket):
            with contextlib.suppress(OSError):
                request.setblocking(False)
                request.send(BUSY_ANSWER)
        return not busy

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down every open client connection (their threads then end)."""
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Turns HTTP requests into :class:`~.messages.Request` values for the emulator."""

    protocol_version = "HTTP/1.1"
    server_version = "2CheckoutEmulator/1.0"
    sys_version = ""
    server: EmulatorHTTPServer

    def setup(self) -> None:
        """Read through the deadlines of :mod:`.limits` and, over TLS, complete the handshake
        (within the idle timeout)."""
        super().setup()
        self.connection.settimeout(self.server.limits.idle_timeout)
        self.rfile.close()
        self._reader = DeadlineReader(self.connection, self.server.limits)
        self.rfile = io.BufferedReader(self._reader)
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def handle_one_request(self) -> None:
        """Read and answer one request, within its deadline."""
        self._reader.next_request()
        super().handle_one_request()

    def do_GET(self) -> None:
        """Handle GET."""
        self._dispatch()

    def do_POST(self) -> None:
        """Handle POST."""
        self._dispatch()

    def do_DELETE(self) -> None:
        """Handle DELETE."""
        self._dispatch()

    def do_PUT(self) -> None:
        """Handle PUT (answered 404/405 by the application)."""
        self._dispatch()

    def _dispatch(self) -> None:
        start = time.perf_counter()
        try:
            body = read_body(self.rfile, self.headers)
        except BodyError as exc:
            self.close_connection = True
            self._write(text_response(f"Bad request body: {exc}.", exc.status), start)
            return
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path or "/",
            query_string=parts.query,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
            client_ip=str(self.client_address[0]),
        )
        try:
            response = self.server.app(request)
        except DropConnection:
            self._record(request, start)
            self.close_connection = True
            self._log(request, "dropped", start)
            return
        except Exception:
            logger.exception("2Checkout emulator: internal error handling %s", request.path)
            response = text_response("Internal emulator error.", 500)
        self._record(request, start)
        self._write(response, start)
        self._log(request, str(response.status), start)

    def _record(self, request: Request, start: float) -> None:
        if request.protocol and request.operation:
            self.server.recorder(request.protocol, request.operation, time.perf_counter() - start)

    def _write(self, response: Response, start: float) -> None:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Unknown"
        elapsed_ms = (time.perf_counter() - start) * 1000.0
        lines = [
            f"HTTP/1.1 {response.status} {reason}",
            f"Server: {self.server_version}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
            f"X-Emulator-Service-Time: {elapsed_ms:.3f}",
        ]
        lines += [f"{name}: {value}" for name, value in response.headers.items()]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.connection.settimeout(self._reader.write_timeout())
        self.wfile.write(head + response.body)

    def _log(self, request: Request, outcome: str, start: float) -> None:
        if self.server.verbose:
            elapsed_ms = (time.perf_counter() - start) * 1000.0
            # The path only: query strings carry tokens.
            logger.info("%s %s -> %s (%.3f ms)", request.method, request.path, outcome, elapsed_ms)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence http.server's own logging (its messages may contain the request line)."""

    def log_error(self, format: str, *args: Any) -> None:
        """Log protocol errors without their details (which may quote the request line)."""
        if self.server.verbose:
            logger.info("malformed HTTP request from %s", self.client_address[0])
