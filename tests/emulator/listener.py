"""A test IPN/LCN listener on 127.0.0.1 (records each POST, answers what the test says), and a
shopper placing an order in the emulator's cart.

The read receipt is computed here by hand from the notes in ``shared/2checkout-api.md``
(independent of the emulator's :mod:`~django_2co_sso.emulator.signing`).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import requests

from tests.emulator.wire import SECRET

Fields = list[tuple[str, str]]


def lp(value: str) -> str:
    """Byte length (UTF-8) and value."""
    return f"{len(value.encode())}{value}"


def receipt(kind: str, fields: Fields, date: str = "20260101120000", algo: str = "sha256") -> str:
    """A valid read receipt for a notification, computed by hand."""
    first = {}
    for name, value in fields:
        first.setdefault(name, value)
    if kind == "ipn":
        signed = lp(first["IPN_PID[]"]) + lp(first["IPN_PNAME[]"]) + lp(first["IPN_DATE"])
    else:
        signed = lp(first["LICENSE_CODE"]) + lp(first["EXPIRATION_DATE"])
    signed += lp(date)
    digest = {"md5": hashlib.md5, "sha256": hashlib.sha256, "sha3-256": hashlib.sha3_256}[algo]
    value = hmac.new(SECRET.encode(), signed.encode(), digest).hexdigest()
    if algo == "md5":
        return f"<EPAYMENT>{date}|{value}</EPAYMENT>"
    return f'<sig algo="{algo}" date="{date}">{value}</sig>'


class Listener:
    """Records ``(path, fields)`` per POST; ``answer(path, fields) -> (status, body)``."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Fields]] = []
        self.event = threading.Condition()
        self.answer: Callable[[str, Fields], tuple[int, str]] = self.good

    @staticmethod
    def good(path: str, fields: Fields) -> tuple[int, str]:
        kind = "ipn" if "ipn" in path else "lcn"
        return 200, f"<html><body>{receipt(kind, fields)}</body></html>"

    def hold(self) -> threading.Event:
        """Answer (with a good receipt) only once the returned event is set (10 s at most)."""
        release = threading.Event()

        def held(path: str, fields: Fields) -> tuple[int, str]:
            release.wait(10)
            return self.good(path, fields)

        self.answer = held
        return release

    def of(self, kind: str) -> list[Fields]:
        with self.event:
            return [fields for path, fields in self.received if kind in path]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[str, Fields]]:
        """Wait until ``count`` POSTs arrived (bounded); return them."""
        with self.event:
            self.event.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free 127.0.0.1 port in a thread; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def running_listener() -> Iterator[tuple[Listener, str]]:
    """A listener on a free 127.0.0.1 port; yields it and its base URL."""
    listener = Listener()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            fields = parse_qsl(body, keep_blank_values=True)
            with listener.event:  # recorded on arrival, before the answer is made
                listener.received.append((self.path, fields))
                listener.event.notify_all()
            status, text = listener.answer(self.path, fields)
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve(Handler) as base:
        yield listener, base


def place_order(browser: requests.Session, link: str, **form: str) -> requests.Response:
    """Open the cart at buy ``link`` and press Place order as a browser would (the form's
    hidden ``link`` field and the shopper's details, overridable with ``form``)."""
    page = browser.get(link, timeout=10)
    assert page.status_code == 200, page.text
    hidden = re.search(r'name="link" value="([^"]*)"', page.text)
    assert hidden is not None
    data = {
        "link": html.unescape(hidden.group(1)),
        "first_name": "Zoë",
        "last_name": "Tester",
        "email": "zoe@example.com",
        "card": "4111 1111 1111 1111",
        **form,
    }
    return browser.post(link.split("/checkout/")[0] + "/checkout/place", data=data, timeout=10)
