"""What the HTTP-based transports share: a pooled ``requests`` session and error mapping.

:class:`HttpTransport` is the base of the JSON-RPC and REST transports: the protocol's
endpoint under ``API_URL``, one pooled session and the ``(CONNECT_TIMEOUT, TIMEOUT)`` of
every request.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.util.wait import wait_for_read

from .. import __version__
from ..conf import SSOConfig
from ..exceptions import APIConnectionError, APITimeoutError, BadResponseError
from ..redaction import install_url_log_filters
from .transport import Transport

USER_AGENT = f"django-2co-sso/{__version__}"


def new_session(pool_size: int = 10, *, ca_bundle: str | None = None) -> requests.Session:
    """A keep-alive session with a connection pool, sending JSON by default.

    ``ca_bundle`` (the ``CA_BUNDLE`` setting) is the PEM file that verifies the server's
    certificate, for every request of the session (it wins over ``REQUESTS_CA_BUNDLE``,
    which would override a session's ``verify``); None keeps requests' default (the
    environment's bundle or certifi). Verification is never turned off.
    Also makes sure urllib3's DEBUG lines (request URLs) have their tokens masked.
    """
    install_url_log_filters()
    session = requests.Session()
    adapter = _Adapter(ca_bundle, pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    return session


class _Adapter(HTTPAdapter):
    """A pooled adapter that verifies certificates with ``ca_bundle`` when one is given."""

    def __init__(self, ca_bundle: str | None, **kwargs: Any) -> None:
        self.ca_bundle = ca_bundle
        super().__init__(**kwargs)

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
        _read_tickets(connection.sock, min(time.monotonic() - started, timeout))
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
        self.http = new_session(ca_bundle=config.ca_bundle)
        self.timeout = (config.connect_timeout, config.timeout)

    def warm_up(self) -> None:
        """Open the connection to the endpoint (TCP and TLS), so the first call reuses it."""
        preconnect(self.http, self.endpoint, self.config.connect_timeout)
