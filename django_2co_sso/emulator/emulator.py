"""The :class:`Emulator`: one emulated 2Checkout merchant account, its server and its controls.

Typical use::

    emulator = Emulator()                 # merchant EMULATOR, secret "emulator-secret-key"
    emulator.start()                      # 127.0.0.1, a free port, background thread
    emulator.base_url                     # "http://127.0.0.1:PORT" -> TWOCHECKOUT_SSO["API_URL"]
    emulator.inject("getSingleSignOn", error_code="INTERNAL_ERROR", times=1)
    emulator.clock.advance(601)           # every session is now expired
    emulator.calls["login"]               # how many login calls arrived
    emulator.reset()                      # faults, counters, sessions, tokens, clock, seed data
    emulator.stop()

Everything is thread-safe; one instance serves any number of concurrent requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from ssl import SSLContext
from threading import Thread
from types import TracebackType
from typing import Any

from . import cart, commerce_control, control, jsonrpc, myaccount, pages, rest, soap
from .auth import Authenticator
from .clock import Clock
from .commerce import Commerce
from .data import (
    Customer,
    Dataset,
    Partner,
    Subscription,
    customer_from_mapping,
    load_dataset,
    partner_from_mapping,
    subscription_from_mapping,
)
from .faults import FaultInjector, FaultRule
from .gate import CallGate
from .guard import TOKEN_HEADER, TOKEN_RE, HostGuard, control_refusal, remember_token
from .limits import Limits
from .messages import Request, Response, html_response, text_response
from .notifications import Notifier
from .server import EmulatorHTTPServer
from .service import Service
from .sessions import SessionStore
from .signing import DEFAULT_SIGNED_BUY_LINK_PARAMETERS
from .stats import CallStats
from .tokens import TokenStore

DEFAULT_MERCHANT_CODE = "EMULATOR"
DEFAULT_SECRET_KEY = "emulator-secret-key"  # noqa: S105 - the emulator's own fake account
DEFAULT_BUY_LINK_SECRET = "emulator-buy-link-secret"  # noqa: S105 - its fake Buy-Link Secret Word

SeedSource = Dataset | Mapping[str, Any] | str | Path | None


class Emulator:
    """A local 2Checkout API (SOAP, JSON-RPC, REST) plus landing pages, for one merchant.

    ``seed`` is a :class:`~.data.Dataset`, a seed dict, a JSON file path, or None for the
    packaged default seed. ``max_clock_skew`` bounds ``abs(login date - real UTC time)`` (seconds);
    ``session_lifetime`` is the sessionID lifetime (600 s); ``default_validity_time`` the token
    lifetime when a call gives none (10 s). ``public_url`` overrides the base URL put in answers
    (default: ``http://<bound host>:<port>``, with 127.0.0.1 for a wildcard bind). ``tls``
    (:func:`.tls.server_context`) serves https; ``reference_wsdl`` serves a WSDL the size of
    the real one (:mod:`.reference_wsdl`).

    Commerce (:mod:`.cart`, :mod:`.commerce`, :mod:`.notifications`, :mod:`.myaccount`):
    ``buy_link_secret`` verifies cart links over ``buy_link_signed_parameters``; ``ipn_urls``
    and ``lcn_urls`` are the listeners notifications go to (also settable later:
    :attr:`notifier`); ``retry_speedup`` divides the vendor's retry schedule; ``shop_url`` is
    where "Back to the shop" links lead.

    ``control_token``: when set, every request to ``/__emulator__/`` must carry it in the
    ``X-Emulator-Token`` header (None: no token, as in the pytest fixture by default).
    ``allowed_hosts``: ``Host`` names answered besides loopback names, IP addresses and the
    host of ``public_url`` (``"*"``: any); see :mod:`.guard`. ``limits`` bounds concurrent
    connections and how long a request may take to arrive (:class:`.limits.Limits`). Raises
    :class:`ValueError` for an empty merchant code or secret key, or a control token that is
    empty or has characters other than letters, digits and ``._~+/=-``.
    """

    def __init__(
        self,
        *,
        merchant_code: str = DEFAULT_MERCHANT_CODE,
        secret_key: str = DEFAULT_SECRET_KEY,
        seed: SeedSource = None,
        max_clock_skew: float = 900.0,
        session_lifetime: float = 600.0,
        default_validity_time: int = 10,
        public_url: str | None = None,
        verbose: bool = False,
        tls: SSLContext | None = None,
        reference_wsdl: bool = False,
        buy_link_secret: str = DEFAULT_BUY_LINK_SECRET,
        buy_link_signed_parameters: Iterable[str] = DEFAULT_SIGNED_BUY_LINK_PARAMETERS,
        ipn_urls: Iterable[str] = (),
        lcn_urls: Iterable[str] = (),
        retry_speedup: float = 1.0,
        shop_url: str | None = None,
        control_token: str | None = None,
        allowed_hosts: Iterable[str] = (),
        limits: Limits | None = None,
    ) -> None:
        if not merchant_code or not merchant_code.strip():
            raise ValueError("the merchant code must not be empty")
        if not secret_key:
            raise ValueError("the secret key must not be empty")
        if control_token is not None and not TOKEN_RE.fullmatch(control_token):
            raise ValueError(
                "the control token must be letters, digits and ._~+/=- only (omit it for none)"
            )
        self.merchant_code = merchant_code
        self.secret_key = secret_key
        self.verbose = verbose
        self.clock = Clock()
        self._seed = load_dataset(seed)
        self.data = self._seed.copy()
        self.sessions = SessionStore(self.clock, session_lifetime)
        self.tokens = TokenStore(self.clock)
        self.faults = FaultInjector()
        self.calls = CallStats()
        self.authenticator = Authenticator(merchant_code, secret_key, max_clock_skew)
        self.service = Service(
            data=self.data,
            authenticator=self.authenticator,
            sessions=self.sessions,
            tokens=self.tokens,
            base_url=lambda: self.base_url,
            default_validity_time=default_validity_time,
        )
        self.gate = CallGate(self.faults, self.sessions)
        self.buy_link_secret = buy_link_secret
        self.buy_link_signed_parameters = frozenset(buy_link_signed_parameters)
        self.shop_url = shop_url
        self.notifier = Notifier(
            self.clock, secret_key, ipn_urls=ipn_urls, lcn_urls=lcn_urls, speedup=retry_speedup
        )
        self.commerce = Commerce(self.data, self.notifier, self.clock)
        self.account_sessions = myaccount.AccountSessions(self.clock)
        self._wsdl = soap.Wsdl(reference=reference_wsdl)
        self._tls = tls
        self._public_url = public_url.rstrip("/") if public_url else None
        self.control_token = control_token
        self.limits = limits if limits is not None else Limits()
        self.host_guard = HostGuard(allowed_hosts, self._public_url)
        self._server: EmulatorHTTPServer | None = None
        self._thread: Thread | None = None

    def __repr__(self) -> str:
        where = self._public_url or (self.base_url if self._server else "not started")
        return f"<Emulator merchant_code={self.merchant_code!r} at {where}>"

    # -- lifecycle -------------------------------------------------------------------------------
    def bind(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Create the server socket (port 0 = a free port) and return the base URL."""
        if self._server is not None:
            raise RuntimeError("the emulator is already bound")
        self._server = EmulatorHTTPServer(
            (host, port),
            self.handle,
            self.calls.record,
            verbose=self.verbose,
            tls=self._tls,
            limits=self.limits,
        )
        return self.base_url

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Bind and serve in a background daemon thread; return the base URL."""
        base_url = self.bind(host, port)
        assert self._server is not None
        self._thread = Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="twocheckout-emulator",
            daemon=True,
        )
        self._thread.start()
        return base_url

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` (from another thread) or Ctrl-C."""
        if self._server is None:
            self.bind()
        assert self._server is not None
        self._server.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        """Stop serving, close the listening socket and every open connection."""
        self.notifier.stop()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://host:port`` (``https`` with TLS) of the running server, no trailing slash."""
        if self._public_url:
            return self._public_url
        if self._server is None:
            raise RuntimeError("the emulator is not started; call start() first")
        host, port = self._server.server_address[:2]
        host = str(host)
        if host in ("0.0.0.0", ""):  # noqa: S104 - mapping a wildcard bind to loopback
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{host}:{port}"

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return int(self._server.server_address[1])

    @property
    def control_headers(self) -> dict[str, str]:
        """The headers a control request needs (``X-Emulator-Token`` when a token is set)."""
        return {TOKEN_HEADER: self.control_token} if self.control_token else {}

    # -- controls ------------------------------------------------------------------------------
    def reset(self) -> None:
        """Clear faults, call counters, sessions, tokens (and the issued lists) and the clock
        offset, and restore the seed data."""
        self.faults.clear()
        self.calls.reset()
        self.sessions.clear()
        self.tokens.clear()
        self.clock.reset()
        self.data = self._seed.copy()
        self.service.data = self.data
        self.commerce.data = self.data
        self.commerce.clear()
        self.notifier.clear()
        self.account_sessions.clear()

    def inject(
        self,
        operation: str = "*",
        *,
        protocol: str | None = None,
        times: int | None = None,
        delay: float = 0.0,
        expire_session: bool = False,
        drop: bool = False,
        http_status: int | None = None,
        body: str | None = None,
        malformed: bool = False,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> FaultRule:
        """Add a fault for ``operation`` (``"*"`` = all) and return it; see :mod:`.faults`.

        ``protocol`` limits it to ``soap``, ``rpc`` or ``rest``; ``times`` to that many calls
        (None: until reset or :meth:`clear_faults`). Raises :class:`ValueError` if malformed.
        """
        rule = FaultRule(
            operation=operation,
            protocol=protocol,
            times=times,
            delay=delay,
            expire_session=expire_session,
            drop=drop,
            http_status=http_status,
            body=body,
            malformed=malformed,
            error_code=error_code,
            error_message=error_message,
        )
        return self.faults.add(rule)

    def set_listeners(
        self, ipn: Iterable[str] | None = None, lcn: Iterable[str] | None = None
    ) -> None:
        """Replace the IPN and/or LCN listener URLs (None keeps a kind's list); a reset
        restores the ones given at creation. Raises :class:`ValueError` for a non-http URL."""
        self.notifier.set_listeners(
            None if ipn is None else list(ipn), None if lcn is None else list(lcn)
        )

    def wait_for_notifications(self, timeout: float = 10.0) -> bool:
        """Wait (at most ``timeout`` seconds) until no notification is being sent or due now;
        return whether that happened. Retries not yet due are not waited for."""
        return self.notifier.wait_idle(timeout)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self.faults.clear()

    def expire_sessions(self) -> int:
        """Expire every current session now; return how many there were."""
        return self.sessions.expire_all()

    @property
    def issued_sessions(self) -> list[str]:
        """Every sessionID issued since the last reset."""
        return self.sessions.issued

    @property
    def issued_tokens(self) -> list[str]:
        """Every SSO token issued since the last reset."""
        return self.tokens.issued

    # -- data ------------------------------------------------------------------------------------
    def load_seed(self, seed: SeedSource) -> None:
        """Replace the seed (what :meth:`reset` restores) and reset. Raises
        :class:`ValueError` for an invalid seed, leaving everything unchanged."""
        self._seed = load_dataset(seed)
        self.reset()

    def add_customer(self, customer: Customer | Mapping[str, Any]) -> Customer:
        """Add a customer (a :class:`Customer` or a seed-format dict) until the next reset."""
        record = customer if isinstance(customer, Customer) else customer_from_mapping(customer)
        return self.data.add_customer(record)

    def add_subscription(self, subscription: Subscription | Mapping[str, Any]) -> Subscription:
        """Add a subscription (object or seed-format dict) until the next reset."""
        record = (
            subscription
            if isinstance(subscription, Subscription)
            else subscription_from_mapping(subscription)
        )
        return self.data.add_subscription(record)

    def add_partner(self, partner: Partner | Mapping[str, Any]) -> Partner:
        """Add a partner (object or seed-format dict) until the next reset."""
        record = partner if isinstance(partner, Partner) else partner_from_mapping(partner)
        return self.data.add_partner(record)

    def state(self) -> dict[str, Any]:
        """A JSON-ready summary (no secret key, sessionID or token)."""
        return {
            "base_url": self.base_url if (self._server or self._public_url) else None,
            "merchant_code": self.merchant_code,
            "clock_offset": self.clock.offset,
            "active_sessions": self.sessions.active_count(),
            "tokens": self.tokens.count(),
            "faults": [rule.to_dict() for rule in self.faults.rules],
            "listeners": self.notifier.listeners(),
            "orders": len(self.commerce.orders),
            "pending_notifications": self.notifier.pending(),
            "data": self.data.to_mapping(),
        }

    # -- HTTP ------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Route one HTTP request to the protocol, landing page or control endpoint."""
        refusal = self.host_guard.refusal(request)
        if refusal is not None:
            return refusal
        path, method = request.path, request.method
        trimmed = path.rstrip("/")
        if trimmed == "/soap/6.0":
            if method == "GET":
                return soap.handle_get(request, self._wsdl, self.base_url)
            if method == "POST":
                return soap.handle_post(request, self.service, self.gate)
            return text_response("Use POST (or GET ?wsdl).", 405)
        if trimmed == "/rpc/6.0":
            if method == "POST":
                return jsonrpc.handle_post(request, self.service, self.gate)
            return text_response("Use POST.", 405)
        if path.startswith(rest.PREFIX):
            return rest.handle(request, self.service, self.gate)
        if path.startswith(control.PREFIX):
            refusal = control_refusal(
                request, self.control_token, form_paths=(commerce_control.OPERATOR_PATH,)
            )
            if refusal is not None:
                return refusal
            return remember_token(request, self.control_token, control.handle(request, self))
        if trimmed == cart.PLACE_PATH and method == "POST":
            return cart.place(request, self)
        if trimmed == myaccount.ACTION_PATH:
            return myaccount.act(request, self)
        if method != "GET":
            return text_response("Not found.", 404)
        if path == "/order/checkout.php":
            return pages.cart(request, self.tokens, self.data)
        if trimmed == "/cpanel/index.php":
            return pages.cpanel(request, self.tokens, self.data)
        if trimmed == cart.BUY_PATH:
            return cart.buy(request, self)
        if myaccount.page_name(path) is not None:
            return myaccount.land(request, self)
        if path == "/":
            return html_response(
                "2Checkout API emulator",
                [
                    f"Merchant code {self.merchant_code}.",
                    "SOAP: /soap/6.0/ (WSDL: /soap/6.0/?wsdl). JSON-RPC: /rpc/6.0/. "
                    "REST: /rest/6.0/. Control: /__emulator__/state.",
                    "Cart: /checkout/buy (signed buy links). Operator page: "
                    "/__emulator__/operator. Notification deliveries: "
                    "/__emulator__/notifications.",
                ],
            )
        return html_response("404 Not Found", ["No such page."], status=404)
