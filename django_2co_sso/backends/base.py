"""The interface every 2Checkout backend implements, and what they all share.

A backend turns the five public calls into API requests. :class:`BaseBackend` does
everything that does not depend on the wire protocol:

* validates every argument before any network call (:mod:`django_2co_sso.validation`);
* checks that the URL 2Checkout returns is on an allowed host before returning it;
* logs one line per upstream call (method, outcome, duration; never a secret);
* fails fast while the circuit breaker is open (:mod:`django_2co_sso.circuit`).

:class:`SessionBackend` adds what SOAP and JSON-RPC share: the HMAC login, the sessionID
kept in the Django cache, and one re-login plus one repeat when the session expired.

Subclasses implement the ``_*_sso`` hooks (and, for session backends,
:meth:`SessionBackend._invoke`).
Backends know nothing of models, views or requests: they work without a database.
"""

from __future__ import annotations

import abc
import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from .. import validation as v
from ..circuit import CircuitBreaker
from ..conf import SSOConfig
from ..exceptions import (
    APIError,
    AuthenticationError,
    BadResponseError,
    DisallowedRedirectError,
    InvalidPageError,
    SessionExpiredError,
    TransportError,
    TwoCheckoutError,
)
from ..redaction import redact
from ..session_store import SessionStore
from ..signing import algo_argument, login_hash, utc_date

logger = logging.getLogger("django_2co_sso")

T = TypeVar("T")

#: Login error codes that mean the credentials were refused.
AUTHENTICATION_CODES = frozenset({"AUTHENTICATION_FAILED", "AUTHENTICATION_ERROR", "FORBIDDEN"})


@dataclasses.dataclass(frozen=True)
class SubscriptionSSO:
    """A validated getSingleSignOn request."""

    subscription_reference: str
    page: str | None
    email: str | None
    language: str | None
    validity_time: int
    validation_ip: str


@dataclasses.dataclass(frozen=True)
class CustomerSSO:
    """A validated getSingleSignOnByCustomer request (``customer_type`` is the wire value)."""

    customer_reference: str
    reference_type: str
    customer_type: str
    page: str | None
    subscription_reference: str | None
    language: str | None
    validity_time: int
    validation_ip: str

    @property
    def request(self) -> str | None:
        """The ``request`` parameter: ``Request[]=code=<ref>`` for my_subscription."""
        if self.subscription_reference is None:
            return None
        return f"Request[]=code={self.subscription_reference}"


@dataclasses.dataclass(frozen=True)
class CartSSO:
    """A validated getSingleSignOnInCart request."""

    customer_reference: str
    reference_type: str
    customer_type: str
    cart_url: str
    validity_time: int
    validation_ip: str


@dataclasses.dataclass(frozen=True)
class PartnerSSO:
    """A validated setPartner + getPartnerSingleSignOn request."""

    partner_code: str
    email: str
    access_page: str
    validity_time: int
    validation_ip: str


class BaseBackend(abc.ABC):
    """One 2Checkout account reached over one protocol.

    Instances are built by :func:`django_2co_sso.get_backend` and shared by threads; they
    hold no per-request state.
    """

    #: Short protocol name used in logs and cache keys ("soap", "rpc", "rest", "locmem").
    protocol: ClassVar[str] = ""
    #: Customer pages this backend can reach (REST knows fewer than SOAP/JSON-RPC).
    customer_pages: ClassVar[tuple[str, ...]] = v.CUSTOMER_PAGES

    def __init__(self, config: SSOConfig) -> None:
        self.config = config
        self.circuit = CircuitBreaker(
            cache_alias=config.cache_alias,
            key=f"{config.cache_key_prefix}:circuit:{self.protocol}:{config.merchant_code}",
            threshold=config.circuit_breaker_failures,
            cooldown=config.circuit_breaker_cooldown,
        )

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} merchant={self.config.merchant_code!r} "
            f"api_url={self.config.api_url!r}>"
        )

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
        request = SubscriptionSSO(
            subscription_reference=v.validate_reference(
                subscription_reference, field="subscription_reference"
            ),
            page=v.validate_page(page, v.SUBSCRIPTION_PAGES),
            email=v.validate_email(email, required=False),
            language=self._language(language),
            validity_time=self._validity(validity_time),
            validation_ip=v.validate_ip(validation_ip),
        )
        return self._checked_url(self._guarded(lambda: self._subscription_sso(request)))

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
        page = v.validate_page(page, self.customer_pages)
        if page == "my_subscription":
            subscription_reference = v.validate_reference(
                subscription_reference, field="subscription_reference"
            )
        elif subscription_reference is not None:
            raise InvalidPageError(
                "subscription_reference is only used with page='my_subscription'.",
                field="subscription_reference",
            )
        kind = v.validate_reference_type(reference_type)
        request = CustomerSSO(
            customer_reference=v.validate_reference(customer_reference, field="customer_reference"),
            reference_type=kind,
            customer_type=self._customer_type(kind),
            page=page,
            subscription_reference=subscription_reference,
            language=self._language(language),
            validity_time=self._validity(validity_time),
            validation_ip=v.validate_ip(validation_ip),
        )
        return self._checked_url(self._guarded(lambda: self._customer_sso(request)))

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
        kind = v.validate_reference_type(reference_type)
        request = CartSSO(
            customer_reference=v.validate_reference(customer_reference, field="customer_reference"),
            reference_type=kind,
            customer_type=self._customer_type(kind),
            cart_url=v.validate_allowed_url(
                cart_url, self.config.allowed_sso_hosts, field="cart_url"
            ),
            validity_time=self._validity(validity_time),
            validation_ip=v.validate_ip(validation_ip),
        )
        return self._checked_url(self._guarded(lambda: self._cart_sso(request)))

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
        request = PartnerSSO(
            partner_code=v.validate_reference(partner_code, field="partner_code"),
            email=str(v.validate_email(email, required=True)),
            access_page=v.validate_allowed_url(
                access_page, self.config.allowed_sso_hosts, field="access_page"
            ),
            validity_time=self._validity(validity_time),
            validation_ip=v.validate_ip(validation_ip),
        )
        return self._checked_url(self._guarded(lambda: self._partner_sso(request)))

    def customer_by_sso_token(self, token: str) -> dict[str, Any]:
        """The customer a cart SSO token was issued for (getCustomerInformationBySSOToken).

        Returns 2Checkout's customer fields (``CustomerReference``,
        ``ExternalCustomerReference``, ``Email``, ...) as a plain dict.
        """
        checked = v.validate_token(token)
        result = self._guarded(lambda: self._customer_by_token(checked))
        if not isinstance(result, dict):
            raise BadResponseError("2Checkout returned no customer object.")
        return result

    def warm_up(self) -> None:
        """Do now what the first link would otherwise pay for: connect the cache client.

        Subclasses add their own (SOAP loads and parses the WSDL). Makes no API call.
        """
        self.circuit.is_open()
        self._warm_up()

    def _warm_up(self) -> None:  # noqa: B027 - optional hook, empty on purpose
        """Protocol-specific preparation; none by default."""

    def check_credentials(self) -> None:
        """Make one authenticated call; raise :class:`AuthenticationError` if refused."""
        self._guarded(self._check_credentials)

    # -- hooks for subclasses --------------------------------------------------------------

    @abc.abstractmethod
    def _subscription_sso(self, request: SubscriptionSSO) -> Any:
        """Return 2Checkout's answer (the URL) for a getSingleSignOn request."""

    @abc.abstractmethod
    def _customer_sso(self, request: CustomerSSO) -> Any:
        """Return 2Checkout's answer (the URL) for a getSingleSignOnByCustomer request."""

    @abc.abstractmethod
    def _cart_sso(self, request: CartSSO) -> Any:
        """Return 2Checkout's answer (the URL) for a getSingleSignOnInCart request."""

    @abc.abstractmethod
    def _partner_sso(self, request: PartnerSSO) -> Any:
        """Return 2Checkout's answer (the URL) for setPartner + getPartnerSingleSignOn."""

    @abc.abstractmethod
    def _customer_by_token(self, token: str) -> Any:
        """Return the customer object (as a dict) for an SSO token."""

    @abc.abstractmethod
    def _check_credentials(self) -> None:
        """Make one authenticated call, raising on refusal."""

    # -- shared helpers --------------------------------------------------------------------

    def _validity(self, value: int | None) -> int:
        return v.validate_validity_time(
            value,
            default=self.config.default_validity_time,
            maximum=self.config.max_validity_time,
        )

    def _language(self, value: str | None) -> str | None:
        return v.validate_language(value if value is not None else self.config.default_language)

    def _customer_type(self, reference_type: str) -> str:
        if reference_type == "2checkout":
            return self.config.customer_type_2checkout
        return self.config.customer_type_external

    def _secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a log line or an error message."""
        return (self.config.secret_key,)

    def _guarded(self, call: Callable[[], T]) -> T:
        """Run ``call`` behind the circuit breaker, which counts transport failures."""
        self.circuit.before_call()
        try:
            result = call()
        except TransportError:
            self.circuit.record_failure()
            raise
        self.circuit.record_success()
        return result

    def _upstream(self, method: str, call: Callable[[], T]) -> T:
        """Run one upstream call, logging its method, outcome and duration."""
        started = time.perf_counter()
        outcome = "ok"
        try:
            return call()
        except TwoCheckoutError as error:
            outcome = error.code
            raise
        except Exception as error:
            outcome = type(error).__name__
            raise
        finally:
            logger.info(
                "2checkout call protocol=%s method=%s outcome=%s duration_ms=%.1f",
                self.protocol,
                method,
                outcome,
                (time.perf_counter() - started) * 1000,
            )

    def _api_error(self, method: str, code: object, message: object) -> APIError:
        """The exception for an error answer, classified by code, with secrets removed."""
        code_text = str(code).strip() or "UNKNOWN"
        if ":" in code_text and not code_text.startswith("http"):
            code_text = code_text.rsplit(":", 1)[-1]  # drop a SOAP namespace prefix
        text = redact(str(message or ""), self._secrets())[:500]
        if method == "login" and code_text.upper() in AUTHENTICATION_CODES:
            return AuthenticationError(text, code=code_text, method=method)
        if method != "login" and code_text in self.config.session_error_codes:
            return SessionExpiredError(text, code=code_text, method=method)
        return APIError(text, code=code_text, method=method)

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
            logger.error(
                "2checkout returned an SSO URL that is not allowed: host=%r (%s)",
                host[:100],
                redact(problem),
            )
            raise DisallowedRedirectError(
                f"2Checkout returned a URL that is not allowed: {redact(problem)}.",
                host=host[:100],
            )
        return url


class SessionBackend(BaseBackend):
    """A backend that logs in and sends the sessionID first in every call (SOAP, JSON-RPC)."""

    def __init__(self, config: SSOConfig) -> None:
        super().__init__(config)
        self.sessions = SessionStore(
            cache_alias=config.cache_alias,
            key_prefix=config.cache_key_prefix,
            merchant_code=config.merchant_code,
            api_url=config.api_url,
            protocol=self.protocol,
            lifetime=config.session_lifetime,
            lock_timeout=config.login_lock_timeout,
        )

    @abc.abstractmethod
    def _invoke(self, method: str, params: list[Any]) -> Any:
        """Send one call with positional ``params``; return its result or raise.

        Must raise :class:`APIError` (via :meth:`_api_error`) for error answers and a
        :class:`TransportError` subclass for timeouts, connection and body failures.
        """

    def _secrets(self) -> tuple[str, ...]:
        current = self.sessions.get()
        return (self.config.secret_key, current) if current else (self.config.secret_key,)

    def _login(self) -> str:
        """Log in with the HMAC of merchant code and UTC date; return the new sessionID."""
        config = self.config
        date = utc_date()
        digest = login_hash(config.merchant_code, date, config.secret_key, config.hash_algorithm)
        params: list[Any] = [config.merchant_code, date, digest]
        algo = algo_argument(config.hash_algorithm)
        if algo:
            params.append(algo)
        session_id = self._invoke("login", params)
        if not isinstance(session_id, str) or not session_id:
            raise BadResponseError("2Checkout login answered without a sessionID.")
        return session_id

    def _with_session(self, call: Callable[[str], T]) -> T:
        """Run ``call(sessionID)``; on an expired session log in again once and repeat once."""
        session_id = self.sessions.obtain(self._login)
        try:
            return call(session_id)
        except SessionExpiredError:
            self.sessions.discard(session_id)
            fresh = self.sessions.obtain(self._login)
            return call(fresh)

    def _session_call(self, method: str, *params: Any) -> Any:
        return self._with_session(lambda sid: self._invoke(method, [sid, *params]))

    def _check_credentials(self) -> None:
        self._login()

    def _subscription_sso(self, request: SubscriptionSSO) -> Any:
        return self._session_call(
            "getSingleSignOn",
            request.subscription_reference,
            request.email,
            request.validity_time,
            request.page,
            request.validation_ip or None,
        )

    def _customer_sso(self, request: CustomerSSO) -> Any:
        params: list[Any] = [
            request.customer_reference,
            request.customer_type,
            request.page,
            request.request,
            request.validity_time,
            request.validation_ip or None,
        ]
        if request.language:
            params.append(request.language)
        return self._session_call("getSingleSignOnByCustomer", *params)

    def _cart_sso(self, request: CartSSO) -> Any:
        return self._session_call(
            "getSingleSignOnInCart",
            request.customer_reference,
            request.customer_type,
            request.cart_url,
            request.validity_time,
            request.validation_ip or None,
        )

    def _partner_sso(self, request: PartnerSSO) -> Any:
        def both(session_id: str) -> Any:
            self._invoke("setPartner", [session_id, request.partner_code])
            return self._invoke(
                "getPartnerSingleSignOn",
                [
                    session_id,
                    request.email,
                    request.partner_code,
                    request.access_page,
                    request.validity_time,
                    request.validation_ip,  # never null for this method; "" allowed
                ],
            )

        return self._with_session(both)

    def _customer_by_token(self, token: str) -> Any:
        return self._session_call("getCustomerInformationBySSOToken", token)
