"""The backend: one pipeline that every 2Checkout call goes through, whatever the protocol.

:meth:`BaseBackend.call` runs an operation of the table
(:mod:`django_2co_sso.backends.operations`) through these steps, in this order, in one
place:

1. **validate**: the operation's request type checks every argument before any network
   call (:mod:`django_2co_sso.validation`);
2. **circuit breaker**: fail fast while it is open (:mod:`django_2co_sso.circuit`); count
   transport failures, forget them after a success;
3. **session** (protocols with a login: SOAP, JSON-RPC): the sessionID shared through the
   Django cache, a login when there is none (one at a time, see
   :mod:`django_2co_sso.session_store`), and one new login plus one repeat when
   2Checkout says the session expired. When the repeat in a brand-new session fails with
   the same session error code, that code is not about the session for this operation (a
   ``FORBIDDEN`` the account always gets, say): for ``CIRCUIT_BREAKER_COOLDOWN`` seconds
   this process answers it without logging in again;
4. **send**: ``transport.send(operation, request, session_id)``, for each step of the
   operation (``setPartner`` before ``getPartnerSingleSignOn``);
5. **log**: one INFO line per upstream call (protocol, method, outcome, duration; never a
   secret);
6. **answer check**: an SSO URL must be on ``ALLOWED_SSO_HOSTS`` (else
   :class:`~django_2co_sso.exceptions.DisallowedRedirectError`, not logged here: the caller
   decides, see :mod:`django_2co_sso.failures`), an object must be a dict, a list a list of
   dicts.

A backend class only names its transport (:mod:`~django_2co_sso.backends.transport`):
``SoapBackend``, ``JsonRpcBackend``, ``RestBackend`` (whose Channel Manager calls go over
JSON-RPC, through this same pipeline) and the in-memory ``LocmemBackend``. Backends know
nothing of models, views or requests: they work without a database.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar, cast
from urllib.parse import urlsplit

from .. import validation as v
from ..circuit import CircuitBreaker
from ..conf import SSOConfig
from ..exceptions import (
    AuthenticationError,
    BadResponseError,
    DisallowedRedirectError,
    SessionExpiredError,
    TransportError,
    TwoCheckoutError,
)
from ..redaction import redact
from ..session_store import SessionStore
from ..signing import algo_argument, login_hash, utc_date
from .operations import (
    CART_SSO,
    CUSTOMER_BY_TOKEN,
    CUSTOMER_SSO,
    CUSTOMER_SUBSCRIPTIONS,
    LOGIN,
    OPERATIONS,
    PARTNER_SSO,
    SUBSCRIPTION_SSO,
    Answer,
    CartSSO,
    CustomerSSO,
    Login,
    Operation,
    PartnerSSO,
    SubscriptionSSO,
)
from .transport import AUTHENTICATION_CODES, Transport

__all__ = [
    "AUTHENTICATION_CODES",
    "BaseBackend",
    "CartSSO",
    "Channel",
    "CustomerSSO",
    "PartnerSSO",
    "SubscriptionSSO",
]

logger = logging.getLogger("django_2co_sso")


def _arguments(names: dict[str, Any]) -> dict[str, Any]:
    """A public method's arguments (its ``locals()`` at entry) for :meth:`BaseBackend.call`."""
    return {name: value for name, value in names.items() if name != "self"}


@dataclasses.dataclass(eq=False)
class Channel:
    """A transport with what the pipeline keeps for it: its session store and login."""

    transport: Transport
    #: The shared sessionID store, or None for a protocol without sessions.
    sessions: SessionStore | None
    #: Logs in over this transport and returns a new sessionID (set by the backend).
    login: Callable[[], str] = dataclasses.field(init=False, repr=False)


class BaseBackend:
    """One 2Checkout account reached over one protocol.

    Instances are built by :func:`django_2co_sso.get_backend` and shared by threads; they
    hold no per-request state. A subclass names its ``transport_class`` (and, for
    operations that protocol lacks, a ``fallback_transport_class``).
    """

    #: How operations are sent.
    transport_class: ClassVar[type[Transport]]
    #: How operations the main transport cannot send are sent (REST: partner calls).
    fallback_transport_class: ClassVar[type[Transport] | None] = None
    #: Customer pages this backend can reach (REST knows fewer than SOAP/JSON-RPC).
    customer_pages: ClassVar[tuple[str, ...]] = v.CUSTOMER_PAGES

    def __init__(self, config: SSOConfig) -> None:
        self.config = config
        self.channel = self._channel(self.transport_class)
        fallback = self.fallback_transport_class
        self.fallback = self._channel(fallback) if fallback is not None else None
        #: The main transport's sessionID store (None for a protocol without sessions).
        self.sessions = self.channel.sessions
        self.circuit = CircuitBreaker(
            cache_alias=config.cache_alias,
            key=f"{config.cache_key_prefix}:circuit:{self.protocol}:{config.merchant_code}",
            threshold=config.circuit_breaker_failures,
            cooldown=config.circuit_breaker_cooldown,
        )
        #: (operation, code) -> until when (monotonic) that session error code is taken
        #: as permanent for that operation: no new login for it.
        self._not_session_errors: dict[tuple[str, str], float] = {}

    def _channel(self, transport_class: type[Transport]) -> Channel:
        config = self.config
        transport = transport_class(config)
        sessions = None
        if transport.uses_session:
            sessions = SessionStore(
                cache_alias=config.cache_alias,
                key_prefix=config.cache_key_prefix,
                merchant_code=config.merchant_code,
                api_url=config.api_url,
                protocol=transport.protocol,
                lifetime=config.session_lifetime,
                lock_timeout=config.login_lock_timeout,
                login_timeout=config.timeout,  # a login's deadline: the lock outlives it
            )
        channel = Channel(transport, sessions)
        channel.login = functools.partial(self._login, channel)
        return channel

    @property
    def protocol(self) -> str:
        """Short protocol name used in logs and cache keys ("soap", "rpc", "rest", "locmem")."""
        return self.channel.transport.protocol

    def _secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a log line or an error message: the secret key
        and the current sessionIDs (read from the cache)."""
        values = [self.config.secret_key]
        for channel in (self.channel, self.fallback):
            current = channel.sessions.get() if channel and channel.sessions else None
            if current:
                values.append(current)
        return tuple(values)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} merchant={self.config.merchant_code!r} "
            f"api_url={self.config.api_url!r}>"
        )

    # -- the pipeline ----------------------------------------------------------------------

    def call(self, operation: str | Operation, /, **arguments: Any) -> Any:
        """Run one operation of the table with ``arguments``; return its checked answer.

        ``operation`` is an :class:`~django_2co_sso.backends.operations.Operation` or its
        name in :data:`~django_2co_sso.backends.operations.OPERATIONS`. Raises
        :class:`~django_2co_sso.exceptions.InvalidInputError` before any network call,
        :class:`~django_2co_sso.exceptions.UpstreamError` when 2Checkout gives no answer
        or an error, and :class:`~django_2co_sso.exceptions.DisallowedRedirectError` for
        an SSO URL on a host that is not allowed.
        """
        if isinstance(operation, str):
            operation = OPERATIONS[operation]
        request = operation.request.validated(self, **arguments)  # 1. validate
        self.circuit.before_call()  # 2. circuit breaker
        channel = self.channel
        if not channel.transport.can_send(operation) and self.fallback is not None:
            channel = self.fallback
        try:
            answer = self._in_session(channel, operation, request)  # 3.-5.
        except TransportError:
            self.circuit.record_failure()
            raise
        except AuthenticationError as refused:  # one login attempt per cool-down, not per click
            self.circuit.record_refusal(refused.code)
            raise
        self.circuit.record_success()
        return self._checked(operation, answer)  # 6. answer check

    def _in_session(self, channel: Channel, operation: Operation, request: Any) -> Any:
        """3. the session: one new login and one repeat when the sessionID expired."""
        sessions = channel.sessions
        if sessions is None:
            return self._steps(channel, operation, request, None)
        before_login = self.circuit.before_call  # waiters for a login re-check the breaker
        session_id = sessions.obtain(channel.login, before_login=before_login)
        try:
            return self._steps(channel, operation, request, session_id)
        except SessionExpiredError as expired:
            key = (operation.name, expired.code)
            if time.monotonic() < self._not_session_errors.get(key, 0.0):
                raise  # a fresh session got this code too, moments ago: no new login
            sessions.discard(session_id)
        fresh = sessions.obtain(channel.login, before_login=before_login)
        try:
            return self._steps(channel, operation, request, fresh)
        except SessionExpiredError as again:
            self._not_session_errors[(operation.name, again.code)] = (
                time.monotonic() + self.config.circuit_breaker_cooldown
            )
            raise

    def _steps(
        self, channel: Channel, operation: Operation, request: Any, session_id: str | None
    ) -> Any:
        """4. send the operation, after the steps it needs first, in one session."""
        for step in operation.before:
            self._send(channel, step, request, session_id)
        return self._send(channel, operation, request, session_id)

    def _send(
        self, channel: Channel, operation: Operation, request: Any, session_id: str | None
    ) -> Any:
        """4.-5. one upstream call and its log line (method, outcome, duration)."""
        started = time.perf_counter()
        outcome = "ok"
        try:
            return channel.transport.send(operation, request, session_id)
        except TwoCheckoutError as error:
            outcome = error.code
            raise
        except Exception as error:
            outcome = type(error).__name__
            raise
        finally:
            logger.info(
                "2checkout call protocol=%s method=%s outcome=%s duration_ms=%.1f",
                channel.transport.protocol,
                operation.name,
                outcome,
                (time.perf_counter() - started) * 1000,
            )

    def _login(self, channel: Channel) -> str:
        """Log in with the HMAC of merchant code and UTC date; return the new sessionID."""
        session_id = self._send(channel, LOGIN, self._login_request(), None)
        if not isinstance(session_id, str) or not session_id:
            raise BadResponseError("2Checkout login answered without a sessionID.")
        return session_id

    def _login_request(self) -> Login:
        config = self.config
        date = utc_date()
        return Login(
            merchant_code=config.merchant_code,
            date=date,
            hash=login_hash(config.merchant_code, date, config.secret_key, config.hash_algorithm),
            algo=algo_argument(config.hash_algorithm),
        )

    def _checked(self, operation: Operation, answer: Any) -> Any:
        """6. the answer check for the operation's kind of answer."""
        kind = operation.answer
        if kind is Answer.URL:
            return self._checked_url(answer)
        if kind is Answer.OBJECT and not isinstance(answer, dict):
            raise BadResponseError(f"2Checkout answered {operation.name} without an object.")
        if kind is Answer.OBJECTS:
            answer = _unwrapped_list(answer)
            if not (isinstance(answer, list) and all(isinstance(item, dict) for item in answer)):
                raise BadResponseError(f"2Checkout answered {operation.name} without a list.")
        return answer

    def _checked_url(self, url: object) -> str:
        """``url`` if it is a string on an allowed host, else an error (URL not included)."""
        if isinstance(url, dict):
            url = url.get("url") or url.get("Url") or url.get("URL")
        if not isinstance(url, str) or not url:
            raise BadResponseError("2Checkout answered without a URL.")
        problem = v.url_host_problem(url, self.config.allowed_sso_hosts)
        if problem:
            try:
                host = urlsplit(url).hostname or ""
            except ValueError:
                host = ""
            raise DisallowedRedirectError(
                f"2Checkout returned a URL that is not allowed: {redact(problem)}.",
                host=host[:100],
            )
        return url

    # -- public API ------------------------------------------------------------------------

    def subscription_sso_url(
        self,
        subscription_reference: str,
        *,
        page: str | None = None,
        email: str | None = None,
        language: str | None = None,
        validity_time: int | None = None,
        validation_ip: str | None = None,
    ) -> str:
        """A myAccount URL for one subscription (getSingleSignOn).

        ``page`` is one of :data:`~django_2co_sso.validation.SUBSCRIPTION_PAGES` or None for
        the myAccount home page. The URL is valid for ``validity_time`` seconds (default
        ``DEFAULT_VALIDITY_TIME``) and, when ``validation_ip`` is given, only from that IP.
        SOAP and JSON-RPC have no language parameter for this call: there ``language`` is
        validated but not sent. Redirect to the URL at once; never store it.
        """
        return cast(str, self.call(SUBSCRIPTION_SSO, **_arguments(locals())))

    def customer_sso_url(
        self,
        customer_reference: str,
        *,
        reference_type: str = "external",
        page: str | None = None,
        subscription_reference: str | None = None,
        language: str | None = None,
        validity_time: int | None = None,
        validation_ip: str | None = None,
    ) -> str:
        """A myAccount URL for a customer (getSingleSignOnByCustomer).

        ``reference_type`` says whether ``customer_reference`` is your own
        ("external") or 2Checkout's ("2checkout"). ``page`` is one of
        :attr:`customer_pages` or None for the home page; ``my_subscription`` needs
        ``subscription_reference``, and only it accepts one.
        """
        return cast(str, self.call(CUSTOMER_SSO, **_arguments(locals())))

    def cart_sso_url(
        self,
        customer_reference: str,
        *,
        cart_url: str,
        reference_type: str = "external",
        validity_time: int | None = None,
        validation_ip: str | None = None,
    ) -> str:
        """A pre-filled cart URL for a returning customer (getSingleSignOnInCart).

        ``cart_url`` must be an https URL on one of ``ALLOWED_SSO_HOSTS``.
        """
        return cast(str, self.call(CART_SSO, **_arguments(locals())))

    def partner_sso_url(
        self,
        partner_code: str,
        *,
        email: str,
        access_page: str,
        validity_time: int | None = None,
        validation_ip: str | None = "",
    ) -> str:
        """A single-use Partner Control Panel URL (setPartner, then getPartnerSingleSignOn).

        ``access_page`` is the Channel Manager page to open: an https URL on an allowed
        host. ``validation_ip`` may be empty (never sent as null).
        """
        return cast(str, self.call(PARTNER_SSO, **_arguments(locals())))

    def customer_by_sso_token(self, token: str) -> dict[str, Any]:
        """The customer a cart SSO token was issued for (getCustomerInformationBySSOToken).

        Returns 2Checkout's customer fields (``CustomerReference``,
        ``ExternalCustomerReference``, ``Email``, ...) as a plain dict.
        """
        return cast(dict[str, Any], self.call(CUSTOMER_BY_TOKEN, **_arguments(locals())))

    def customer_subscriptions(
        self,
        *,
        twocheckout_reference: str | None = None,
        external_reference: str | None = None,
    ) -> list[dict[str, Any]]:
        """A customer's subscriptions (getCustomerSubscriptions; REST ``GET /subscriptions/``).

        Name the customer by 2Checkout's reference, your external reference, or both (they
        must then belong to the same customer). Returns 2Checkout's subscription objects as
        dicts (``SubscriptionReference``, ``Status``, ``ExpirationDate``, ``ProductCode`` or
        ``Product``, ...; unknown fields kept); over REST every page is read (at most
        :data:`~django_2co_sso.backends.rest.MAX_PAGES`).
        """
        return cast(list[dict[str, Any]], self.call(CUSTOMER_SUBSCRIPTIONS, **_arguments(locals())))

    def check_credentials(self) -> None:
        """Make one authenticated call; raise :class:`AuthenticationError` if refused.

        That call is ``login``; REST, which has none, sends one signed request instead.
        """
        self.circuit.before_call(honour_refusal=False)  # an explicit check always asks
        try:
            self._send(self.channel, LOGIN, self._login_request(), None)
        except TransportError:
            self.circuit.record_failure()
            raise
        except AuthenticationError as refused:
            self.circuit.record_refusal(refused.code)
            raise
        self.circuit.reset()  # accepted: forget an earlier refusal or failures

    def warm_up(self) -> None:
        """Do now what the first link would otherwise pay for: connect the cache client.

        The transport adds its own (SOAP loads and parses the WSDL). Makes no API call.
        """
        self.circuit.is_open()
        self.channel.transport.warm_up()


def _unwrapped_list(answer: Any) -> Any:
    """A list answer as a list: None is empty, a wrapper object holding one list is that list.

    SOAP may give ``{"item": [...]}`` for an array type, REST ``{"Items": [...], ...}``.
    """
    if answer is None:
        return []
    if isinstance(answer, dict):
        lists = [value for value in answer.values() if isinstance(value, list)]
        if len(lists) == 1:
            return lists[0]
        if not answer or all(value is None for value in answer.values()):
            return []
    return answer
