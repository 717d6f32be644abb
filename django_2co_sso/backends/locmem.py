"""An in-memory backend for your own tests: no network, every call recorded.

Put it in your test settings::

    TWOCHECKOUT_SSO = {"BACKEND": "django_2co_sso.backends.locmem.LocmemBackend", ...}

It runs the same pipeline as the real backends (validation, circuit breaker, log line,
the check of the returned URL against ``ALLOWED_SSO_HOSTS``); only the transport is in
memory. Each operation sent appends a :class:`SentCall` to the module-level :data:`outbox`
(like ``django.core.mail.outbox``; a partner link sends ``setPartner`` then
``getPartnerSingleSignOn``) and gets a deterministic fake answer: URLs on
``https://secure.2checkout.com``. :func:`fail_with` makes every following call raise the
given error until :func:`reset` (or ``fail_with(None)``). ``customer_subscriptions`` answers
what :func:`add_subscription` stored for the customer (an empty list otherwise).
:func:`reset` also closes the
circuit breaker of every LocmemBackend of the process, so failures injected in one test
never make the next one fail fast; the backend keeps no session.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.cache import InvalidCacheBackendError

from ..circuit import CircuitBreaker
from ..conf import SSOConfig
from ..exceptions import APIError, TwoCheckoutError
from .base import BaseBackend
from .operations import (
    LOGIN,
    Answer,
    CartSSO,
    CustomerSSO,
    CustomerSubscriptions,
    Operation,
    PartnerSSO,
    SubscriptionSSO,
    TokenRequest,
)
from .transport import Transport

__all__ = ["LocmemBackend", "SentCall", "add_subscription", "fail_with", "outbox", "reset"]

FAKE_HOST = "https://secure.2checkout.com"


@dataclasses.dataclass(frozen=True)
class SentCall:
    """One recorded call: the API method name and its validated request (None for login)."""

    method: str
    request: Any


#: Every call the LocmemBackend answered, oldest first.
outbox: list[SentCall] = []
_failure: list[TwoCheckoutError] = []
_tokens: dict[str, dict[str, Any]] = {}
_subscriptions: list[dict[str, Any]] = []
_circuits: dict[tuple[str, str], CircuitBreaker] = {}
_lock = threading.Lock()


def fail_with(error: TwoCheckoutError | None) -> None:
    """Make every following call raise ``error`` (None: succeed again)."""
    with _lock:
        _failure.clear()
        if error is not None:
            _failure.append(error)


def add_subscription(
    subscription_reference: str,
    *,
    twocheckout_reference: str | None = None,
    external_reference: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Make ``customer_subscriptions`` report a subscription for the customer named.

    ``fields`` are 2Checkout's (``Status="ACTIVE"``, ``ExpirationDate="2027-01-01"``,
    ``ProductCode=…``, ``ProductName=…``); returns the object as it will be answered.
    """
    item = {
        "SubscriptionReference": subscription_reference,
        "AvangateCustomerReference": twocheckout_reference,
        "ExternalCustomerReference": external_reference,
        **fields,
    }
    with _lock:
        _subscriptions.append(item)
    return dict(item)


def reset() -> None:
    """Empty the outbox, forget issued tokens and subscriptions, stop failing, close breakers."""
    with _lock:
        outbox.clear()
        _failure.clear()
        _tokens.clear()
        _subscriptions.clear()
        circuits = list(_circuits.values())
    for circuit in circuits:
        with contextlib.suppress(InvalidCacheBackendError):  # a test's cache alias is gone
            circuit.reset()


def _token(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()


def _myaccount(page: str | None, query: dict[str, str]) -> str:
    return f"{FAKE_HOST}/myaccount/{page or ''}{'/' if page else ''}?{urlencode(query)}"


def _subscription_url(request: SubscriptionSSO) -> str:
    return _myaccount(
        request.page,
        {"logintoken": _token(request), "subscription": request.subscription_reference},
    )


def _customer_url(request: CustomerSSO) -> str:
    return _myaccount(request.page, {"logintoken": _token(request)})


def _cart_url(request: CartSSO) -> str:
    token = _token(request)
    key = (
        "CustomerReference"
        if request.reference_type == "2checkout"
        else "ExternalCustomerReference"
    )
    with _lock:
        _tokens[token] = {key: request.customer_reference}
    separator = "&" if "?" in request.cart_url else "?"
    return f"{request.cart_url}{separator}logintoken={token}"


def _partner_url(request: PartnerSSO) -> str:
    return f"{FAKE_HOST}/cpanel/index.php?logintoken={_token(request)[:32]}"


def _customer(request: TokenRequest) -> dict[str, Any]:
    with _lock:
        customer = _tokens.get(request.token)
    if customer is None:
        raise APIError(
            "Unknown SSO token.", code="INVALID_TOKEN", method="getCustomerInformationBySSOToken"
        )
    return dict(customer)


def _customer_subscriptions(request: CustomerSubscriptions) -> list[dict[str, Any]]:
    """The subscriptions :func:`add_subscription` stored for the customer named."""
    wanted = [
        (key, str(value))
        for key, value in (
            ("AvangateCustomerReference", request.twocheckout_reference),
            ("ExternalCustomerReference", request.external_reference),
        )
        if value is not None
    ]
    with _lock:
        return [
            dict(item)
            for item in _subscriptions
            if any(str(item.get(key)) == value for key, value in wanted)
        ]


#: Fake answers by operation name; other operations get :func:`_default_answer`.
ANSWERS: dict[str, Callable[[Any], Any]] = {
    "getSingleSignOn": _subscription_url,
    "getSingleSignOnByCustomer": _customer_url,
    "getSingleSignOnInCart": _cart_url,
    "getPartnerSingleSignOn": _partner_url,
    "getCustomerInformationBySSOToken": _customer,
    "getCustomerSubscriptions": _customer_subscriptions,
}


def _default_answer(operation: Operation, request: Any) -> Any:
    """An answer of the operation's kind: a fake URL, an empty object or list, or True."""
    if operation.answer is Answer.URL:
        return f"{FAKE_HOST}/{operation.name}/?logintoken={_token(operation.name, request)}"
    if operation.answer is Answer.OBJECT:
        return {}
    if operation.answer is Answer.OBJECTS:
        return []
    return True


class MemoryTransport(Transport):
    """Records each operation in :data:`outbox` and answers from memory."""

    protocol = "locmem"

    def send(self, operation: Operation, request: Any, session_id: str | None) -> Any:
        with _lock:
            if _failure:
                raise _failure[0]
            outbox.append(SentCall(operation.name, None if operation is LOGIN else request))
        answer = ANSWERS.get(operation.name)
        if answer is not None:
            return answer(request)
        return _default_answer(operation, request)


class LocmemBackend(BaseBackend):
    """Answers from memory; see the module docstring."""

    transport_class = MemoryTransport

    def __init__(self, config: SSOConfig) -> None:
        super().__init__(config)
        with _lock:
            _circuits[(config.cache_alias, self.circuit.open_key)] = self.circuit
