"""A hostile HTTP server on 127.0.0.1 for failure-path tests: it redirects, trickles,
hangs or answers whatever a test tells it to, and records every request it receives.

``answers`` maps a path prefix (longest match wins; ``""`` is the default) to a function
``(server, handler) -> None`` that writes the whole answer with ``handler.wfile``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

Answer = Callable[["RogueServer", BaseHTTPRequestHandler], None]


@dataclasses.dataclass
class Received:
    """One request as the rogue server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class RogueServer:
    """A threaded HTTP/1.1 server on a free 127.0.0.1 port."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {"": plain(200, b"{}", "application/json")}
        self.received: list[Received] = []
        self.stopping = threading.Event()
        rogue = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rogue.received.append(
                    Received(self.command, self.path, dict(self.headers.items()), body)
                )
                prefix = max((p for p in rogue.answers if self.path.startswith(p)), key=len)
                # The client may give up mid-answer: what a deadline is for.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    rogue.answers[prefix](rogue, self)

            do_GET = do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def plain(status: int, body: bytes, content_type: str = "text/plain") -> Answer:
    """Answer ``status`` with ``body`` at once."""

    def answer(server: RogueServer, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def redirect(status: int, location: str) -> Answer:
    """Answer ``status`` with ``Location: location`` (keeping the method for 307/308)."""

    def answer(server: RogueServer, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def trickle(body: bytes, every: float, content_type: str = "application/json") -> Answer:
    """Send the status and headers at once, then ``body`` one byte every ``every`` seconds."""

    def answer(server: RogueServer, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.flush()
        for byte in body:
            if server.stopping.wait(every):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    return answer


def trickle_headers(every: float, count: int = 200) -> Answer:
    """Send the status line, then one header byte every ``every`` seconds, for ever (almost)."""

    def answer(server: RogueServer, handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        handler.wfile.flush()
        for _ in range(count):
            if server.stopping.wait(every):
                return
            handler.wfile.write(b"a")
            handler.wfile.flush()

    return answer


def hang(server: RogueServer, handler: BaseHTTPRequestHandler) -> None:
    """Read the request and never answer (until the server stops)."""
    server.stopping.wait(60)


@pytest.fixture
def rogue() -> Iterator[RogueServer]:
    server = RogueServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def other_origin() -> Iterator[RogueServer]:
    """A second server: where a redirect points; it must receive nothing."""
    server = RogueServer()
    try:
        yield server
    finally:
        server.stop()


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll ``condition`` for at most ``seconds`` (bounded)."""
    ends = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > ends:
            return False
        time.sleep(0.01)
    return True
