"""What the HTTP-based transports share: a pooled ``requests`` session and error mapping.

:class:`HttpTransport` is the base of the JSON-RPC and REST transports: the protocol's
endpoint under ``API_URL``, one pooled session and the ``(CONNECT_TIMEOUT, TIMEOUT)`` of
every request.

Every request of a session made by :func:`new_session` (SOAP calls and the WSDL download
through zeep, JSON-RPC, REST) gets two guarantees here, whatever the protocol:

* **No redirect is followed.** A 3xx answer raises
  :class:`~django_2co_sso.exceptions.BadResponseError` naming the status before anything is
  sent to the ``Location``: the login envelope, the JSON body with the hash and REST's
  ``X-Avangate-Authentication`` header never reach another origin.
* **A deadline per request.** With ``deadline`` seconds, the request (connecting, sending,
  the status line, headers and the whole body) ends within that time however slowly the
  bytes come: each socket read and write waits at most the time left, and when none is left
  the request fails as a timeout. A TLS handshake is bounded as a whole by the connect
  timeout, which is capped at the deadline (CPython's ``ssl`` applies a socket's timeout to
  the whole handshake, not to each read). (Name resolution is not covered: it does not use
  the socket's timeout.)
"""

from __future__ import annotations

import contextvars
import io
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.wait import wait_for_read

from .. import __version__
from ..conf import SSOConfig
from ..exceptions import APIConnectionError, APITimeoutError, BadResponseError
from ..redaction import install_url_log_filters
from .transport import Transport

USER_AGENT = f"django-2co-sso/{__version__}"


def new_session(
    pool_size: int = 10, *, ca_bundle: str | None = None, deadline: float | None = None
) -> requests.Session:
    """A keep-alive session with a connection pool, sending JSON by default.

    Redirects are never followed (a 3xx is a :class:`BadResponseError`); with ``deadline``
    (the ``TIMEOUT`` setting) no request lasts longer than that many seconds, see the module
    docstring.

    ``ca_bundle`` (the ``CA_BUNDLE`` setting) is the PEM file that verifies the server's
    certificate, for every request of the session (it wins over ``REQUESTS_CA_BUNDLE``,
    which would override a session's ``verify``); None keeps requests' default (the
    environment's bundle or certifi). Verification is never turned off.
    Also makes sure urllib3's DEBUG lines (request URLs) have their tokens masked.
    """
    install_url_log_filters()
    session = _DeadlineSession(deadline)
    adapter = _Adapter(ca_bundle, pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    return session


#: When the request running in this context must be over (``time.monotonic()``), or None.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "django_2co_sso_http_deadline", default=None
)


class DeadlineExceeded(TimeoutError):
    """The request's deadline passed (raised by a socket read or write, mapped to a timeout)."""


def _refuse_redirect(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A response hook: a 3xx is an error, raised before requests could follow it."""
    if 300 <= response.status_code < 400:
        response.close()
        raise BadResponseError(
            f"2Checkout answered with HTTP {response.status_code} (a redirect, not followed).",
            status=response.status_code,
        )


class _DeadlineSession(requests.Session):
    """A session that never follows redirects and gives every request ``deadline`` seconds."""

    def __init__(self, deadline: float | None) -> None:
        super().__init__()
        self.deadline = deadline
        self.max_redirects = 0
        self.hooks["response"].append(_refuse_redirect)

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send one request within the deadline, redirects refused."""
        kwargs["allow_redirects"] = False
        if self.deadline is None:
            return super().request(method, url, *args, **kwargs)
        ends = time.monotonic() + self.deadline
        kwargs["timeout"] = _capped(kwargs.get("timeout"), self.deadline)
        token = _deadline.set(ends)
        try:
            return super().request(method, url, *args, **kwargs)
        except requests.ConnectionError as error:
            if time.monotonic() >= ends:  # requests reports a body read timeout this way
                raise requests.ReadTimeout("deadline passed") from error
            raise
        finally:
            _deadline.reset(token)


def _capped(timeout: Any, deadline: float) -> Any:
    """``timeout`` (a number or a (connect, read) pair) with each part at most ``deadline``."""
    if timeout is None:
        return (deadline, deadline)
    if isinstance(timeout, tuple):
        return tuple(deadline if part is None else min(part, deadline) for part in timeout)
    return min(timeout, deadline)


class _DeadlineSocket:
    """A connected socket (plain or TLS) whose reads and writes end by the deadline.

    Before each blocking operation the socket's timeout becomes the smaller of the one
    urllib3 set and the time left; with no time left :class:`DeadlineExceeded` is raised.
    Everything else is the wrapped socket's.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._timeout = sock.gettimeout()

    @property
    def wrapped(self) -> socket.socket:
        """The socket itself (for what must see its real type, e.g. a TLS socket)."""
        return self._sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def settimeout(self, value: float | None) -> None:
        self._timeout = value
        self._sock.settimeout(value)

    def gettimeout(self) -> float | None:
        return self._timeout

    def _arm(self) -> None:
        ends = _deadline.get()
        if ends is None:
            self._sock.settimeout(self._timeout)
            return
        left = ends - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("The request's deadline passed.")
        self._sock.settimeout(left if self._timeout is None else min(self._timeout, left))

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, nbytes, flags)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._arm()
        return self._sock.recv(bufsize, flags)

    def send(self, data: Any, flags: int = 0) -> int:
        self._arm()
        return self._sock.send(data, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        view = memoryview(data).cast("B")
        while view:  # piecewise, so that a server reading slowly cannot outlast the deadline
            sent = self.send(view[:65536], flags)
            view = view[sent:]

    def makefile(self, mode: str = "rb", buffering: int | None = None, **kwargs: Any) -> Any:
        """A buffered reader whose reads go through :meth:`recv_into` (http.client's only use)."""
        if mode != "rb":  # pragma: no cover - http.client reads responses with "rb" only
            raise ValueError(f"unsupported mode {mode!r}")
        self._sock._io_refs += 1  # type: ignore[attr-defined]
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        return io.BufferedReader(raw, buffering or io.DEFAULT_BUFFER_SIZE)

    def _decref_socketios(self) -> None:
        self._sock._decref_socketios()  # type: ignore[attr-defined]


class _DeadlineHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        self.sock = _DeadlineSocket(self.sock)


class _DeadlineHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        self.sock = _DeadlineSocket(self.sock)


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


class _Adapter(HTTPAdapter):
    """A pooled adapter that verifies certificates with ``ca_bundle`` when one is given,
    and whose connections honour the request's deadline."""

    def __init__(self, ca_bundle: str | None, **kwargs: Any) -> None:
        self.ca_bundle = ca_bundle
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        """Send ``request``, verifying with ``ca_bundle`` when one is set."""
        if self.ca_bundle is not None:
            verify = self.ca_bundle
        return super().send(request, stream, timeout, verify, cert, proxies)


def preconnect(session: requests.Session, url: str, timeout: float) -> bool:
    """Open a pooled connection to ``url``'s host now (TCP and TLS handshakes), sending nothing.

    The next request through ``session`` then reuses it instead of paying the handshakes'
    round trips. Returns False, doing nothing, where that cannot be arranged (a proxy is
    configured, a non-pooling adapter such as a test mock, an older ``requests``) or a
    connection is already open. Raises :class:`APIConnectionError` when the host cannot be
    reached or its certificate is refused (no URL in the message).
    """
    adapter = session.get_adapter(url)
    environment = session.merge_environment_settings(url, {}, None, None, None)
    if (
        not isinstance(adapter, HTTPAdapter)
        or not hasattr(adapter, "get_connection_with_tls_context")
        or select_proxy(url, environment.get("proxies") or {})
    ):
        return False
    verify = environment.get("verify", True)
    if isinstance(adapter, _Adapter) and adapter.ca_bundle is not None:
        verify = adapter.ca_bundle
    request = requests.Request("GET", url).prepare()
    try:
        # the pool the next request will use: same host, same TLS settings (urllib3's pool
        # API, _get_conn/_put_conn, is private but has been stable since urllib3 1.x)
        pool: Any = adapter.get_connection_with_tls_context(request, verify)
        connection = pool._get_conn()
    except (urllib3.exceptions.HTTPError, OSError, ValueError):
        raise APIConnectionError("Could not reach 2Checkout (opening the connection).") from None
    try:
        if getattr(connection, "sock", None) is not None:
            return False
        connection.timeout = timeout
        started = time.monotonic()
        connection.connect()
        sock = connection.sock
        _read_tickets(getattr(sock, "wrapped", sock), min(time.monotonic() - started, timeout))
    except (urllib3.exceptions.HTTPError, OSError, ValueError):
        connection.close()
        raise APIConnectionError("Could not reach 2Checkout (opening the connection).") from None
    finally:
        pool._put_conn(connection)
    return True


def _read_tickets(sock: Any, wait: float) -> None:
    """Process the TLS 1.3 session tickets the server sends after the handshake.

    They arrive about one round trip after the handshake ends; left unread they make the
    idle connection look readable, and urllib3 would take it for closed by the server and
    discard it. ``wait`` (the handshake's own duration) bounds how long they are awaited.
    """
    if not isinstance(sock, ssl.SSLSocket):
        return
    deadline = time.monotonic() + wait
    previous = sock.gettimeout()
    try:
        while (remaining := deadline - time.monotonic()) > 0 and wait_for_read(sock, remaining):
            sock.setblocking(False)
            try:
                sock.recv(1)  # "" (closed) or data nobody asked for: either way unusable
                raise ConnectionError("unexpected data or close after the handshake")
            except ssl.SSLWantReadError:
                continue  # records processed, no application data
            finally:
                sock.settimeout(previous)
    finally:
        sock.settimeout(previous)


@contextmanager
def mapped_transport_errors(what: str) -> Iterator[None]:
    """Turn ``requests`` failures into :class:`APITimeoutError` / :class:`APIConnectionError`.

    ``what`` names the call in the message; no URL, header or body is included.
    """
    try:
        yield
    except requests.Timeout as error:
        kind = "connecting" if isinstance(error, requests.ConnectTimeout) else "waiting for"
        raise APITimeoutError(f"Timed out {kind} 2Checkout ({what}).") from None
    except requests.ConnectionError:
        raise APIConnectionError(f"Could not reach 2Checkout ({what}).") from None
    except requests.RequestException as error:
        raise APIConnectionError(
            f"HTTP request to 2Checkout failed ({what}): {type(error).__name__}."
        ) from None


def json_body(response: requests.Response, what: str) -> Any:
    """The decoded JSON body, or :class:`BadResponseError` naming the HTTP status.

    An HTTP 5xx without a JSON body (a proxy's error page) is a :class:`BadResponseError`
    with that status, whatever the body.
    """
    if response.status_code >= 500 and "json" not in response.headers.get("Content-Type", ""):
        raise BadResponseError(
            f"2Checkout answered {what} with HTTP {response.status_code}.",
            status=response.status_code,
        )
    try:
        return response.json()
    except ValueError:
        raise BadResponseError(
            f"2Checkout answered {what} with HTTP {response.status_code} and a body that is "
            "not JSON.",
            status=response.status_code,
        ) from None


class HttpTransport(Transport):
    """A transport over plain HTTP (``requests``): endpoint, pooled session, timeouts."""

    def __init__(self, config: SSOConfig) -> None:
        super().__init__(config)
        self.endpoint = config.endpoint(self.protocol)
        # No redirect followed, and TIMEOUT for each request in all (see the module docstring).
        self.http = new_session(ca_bundle=config.ca_bundle, deadline=config.timeout)
        self.timeout = (config.connect_timeout, config.timeout)

    def warm_up(self) -> None:
        """Open the connection to the endpoint (TCP and TLS), so the first call reuses it."""
        preconnect(self.http, self.endpoint, self.config.connect_timeout)
