"""Who may talk to the emulator: the ``Host`` check and the control endpoint's access rules.

The emulator is a test tool that holds customer data and lets anyone who reaches
``/__emulator__/`` change its behaviour, so it defends itself against the two ways a web page
in the developer's browser could reach it:

* **DNS rebinding.** A page on ``attacker.example`` whose name is re-pointed at 127.0.0.1
  talks to the emulator same-origin, but its requests carry ``Host: attacker.example``.
  :class:`HostGuard` answers 400 to every request whose ``Host`` is not a loopback name
  (``localhost``, ``*.localhost``), an IP address literal (a rebinding page cannot use one), the
  host of ``public_url``, or one of the names allowed explicitly (``--allowed-host``; ``*``
  allows every name). A request without ``Host`` (HTTP/1.0 tools) is let through: browsers
  always send one.
* **Cross-origin requests** (a ``text/plain`` POST needs no CORS preflight). The control
  endpoint refuses (403) any request whose ``Origin`` is not the emulator's own or whose
  ``Sec-Fetch-Site`` says ``cross-site``/``same-site``, and any body that is not JSON (415).
  When a control token is configured (the command line always has one) every control request
  must also carry it in the ``X-Emulator-Token`` header (401 otherwise), which a cross-origin
  page cannot add without a preflight the emulator never grants. For the HTML operator page a
  browser opens ``/__emulator__/operator?token=TOKEN`` once: that answer sets the token as an
  ``HttpOnly``, ``SameSite=Strict`` cookie limited to ``/__emulator__``, which the page's own
  (same-origin, form-encoded) POSTs then carry.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import Collection, Iterable
from http.cookies import SimpleCookie
from typing import Final
from urllib.parse import urlsplit

from .messages import Request, Response, json_response, text_response

#: The header that carries the control token.
TOKEN_HEADER: Final = "X-Emulator-Token"  # noqa: S105 - a header name
#: What a control token may consist of (safe in a header, a cookie and a query string).
TOKEN_RE: Final = re.compile(r"[A-Za-z0-9._~+/=-]+")
#: The cookie that carries it for the operator page (set from ``?token=`` on a GET).
TOKEN_COOKIE: Final = "emulator_token"  # noqa: S105 - a cookie name
#: The query parameter a browser may bring the token in (GET only).
TOKEN_QUERY: Final = "token"  # noqa: S105 - a parameter name
#: Names that resolve to this machine without DNS (RFC 6761 reserves ``.localhost``).
LOOPBACK_NAMES: Final = ("localhost",)

_HOST_RE: Final = re.compile(
    r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9._-]+))(?::\d{1,5})?\Z"
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 without brackets) names this machine."""
    host = host.strip("[]").lower().rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str | None:
    """The host of a ``Host`` header value (lower case, no port, IPv6 without brackets), or
    None when the value is not a host with an optional port."""
    match = _HOST_RE.match(header.strip())
    if match is None:
        return None
    return (match.group("v6") or match.group("name") or "").lower().rstrip(".") or None


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class HostGuard:
    """Decides which ``Host`` headers the emulator answers (see the module docstring)."""

    def __init__(self, allowed_hosts: Iterable[str] = (), public_url: str | None = None) -> None:
        names = {name.strip().lower().rstrip(".") for name in allowed_hosts if name.strip()}
        if public_url:
            public_host = urlsplit(public_url).hostname
            if public_host:
                names.add(public_host.lower().rstrip("."))
        self.allow_any = "*" in names
        self.names = frozenset(names - {"*"})

    def allows(self, header: str | None) -> bool:
        """Whether a request with this ``Host`` header value may be answered."""
        if header is None:
            return True
        host = host_name(header)
        if host is None:
            return False
        return self.allow_any or host in self.names or is_loopback(host) or _is_ip_literal(host)

    def refusal(self, request: Request) -> Response | None:
        """A 400 answer for a request with a ``Host`` that is not allowed, else None."""
        if self.allows(request.header("host")):
            return None
        return text_response(
            "Host not allowed: the emulator answers loopback names and IP addresses only "
            "(start it with --allowed-host NAME to allow another name).",
            400,
        )


def _same_origin(origin: str, host_header: str | None) -> bool:
    if host_header is None:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host_header.lower()


def _cookie(request: Request, name: str) -> str | None:
    cookies = SimpleCookie()
    cookies.load(request.header("cookie") or "")  # skips what it cannot parse
    morsel = cookies.get(name)
    return morsel.value if morsel is not None else None


def _sent_token(request: Request) -> tuple[str, bool]:
    """The token the request presents and whether it came in the query string."""
    header = request.header(TOKEN_HEADER)
    if header is not None:
        return header, False
    cookie = _cookie(request, TOKEN_COOKIE)
    if cookie is not None:
        return cookie, False
    if request.method == "GET":
        query = request.query_value(TOKEN_QUERY)
        if query is not None:
            return query, True
    return "", False


def control_refusal(
    request: Request, token: str | None, *, form_paths: Collection[str] = ()
) -> Response | None:
    """Why a control request may not proceed (401, 403 or 415 answer), or None if it may.

    ``token`` is the configured control token (None: no token needed); it is accepted in the
    ``X-Emulator-Token`` header, the ``emulator_token`` cookie, or (GET only) the ``token``
    query parameter. Bodies must be JSON, or form-encoded for a path in ``form_paths`` (the
    operator page's forms).
    """
    origin = request.header("origin")
    fetch_site = (request.header("sec-fetch-site") or "").lower()
    if (origin is not None and not _same_origin(origin, request.header("host"))) or (
        fetch_site in ("cross-site", "same-site")
    ):
        return json_response({"error": "cross-origin requests to the control API are refused"}, 403)
    if token is not None:
        sent, _ = _sent_token(request)
        if not hmac.compare_digest(sent.encode("utf-8"), token.encode("utf-8")):
            response = json_response(
                {"error": f"send the control token (printed at start) in {TOKEN_HEADER}"}, 401
            )
            response.headers["WWW-Authenticate"] = TOKEN_HEADER
            return response
    if request.body.strip():
        content_type = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
        json_type = content_type in ("", "application/json") or content_type.endswith("+json")
        form = content_type == "application/x-www-form-urlencoded"
        if not json_type and not (form and request.path.rstrip("/") in form_paths):
            return json_response({"error": "the body must be application/json"}, 415)
    return None


def remember_token(request: Request, token: str | None, response: Response) -> Response:
    """Set the token cookie on ``response`` when ``request`` brought the right token in the
    query string (a browser opening the operator page); return ``response``."""
    if token is None:
        return response
    sent, from_query = _sent_token(request)
    if from_query and hmac.compare_digest(sent.encode("utf-8"), token.encode("utf-8")):
        response.headers["Set-Cookie"] = (
            f"{TOKEN_COOKIE}={token}; Path=/__emulator__; HttpOnly; SameSite=Strict"
        )
    return response
