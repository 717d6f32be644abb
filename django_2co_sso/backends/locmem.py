"""An in-memory backend for your own tests: no network, every call recorded.

Put it in your test settings::

    TWOCHECKOUT_SSO = {"BACKEND": "django_2co_sso.backends.locmem.LocmemBackend", ...}

Each successful call appends a :class:`SentCall` to the module-level :data:`outbox`
(like ``django.core.mail.outbox``) and returns a deterministic fake URL on
``https://secure.2checkout.com``. Arguments are validated exactly as by the real
backends. :func:`fail_with` makes every following call raise the given error until
:func:`reset` (or ``fail_with(None)``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from typing import Any
from urllib.parse import urlencode

from ..exceptions import APIError, TwoCheckoutError
from .base import BaseBackend, CartSSO, CustomerSSO, PartnerSSO, SubscriptionSSO

__all__ = ["LocmemBackend", "SentCall", "fail_with", "outbox", "reset"]

FAKE_HOST = "https://secure.2checkout.com"


@dataclasses.dataclass(frozen=True)
class SentCall:
    """One recorded call: the API method name and its validated request."""

    method: str
    request: Any


#: Every call the LocmemBackend answered, oldest first.
outbox: list[SentCall] = []
_failure: list[TwoCheckoutError] = []
_tokens: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def fail_with(error: TwoCheckoutError | None) -> None:
    """Make every following call raise ``error`` (None: succeed again)."""
    with _lock:
        _failure.clear()
        if error is not None:
            _failure.append(error)


def reset() -> None:
    """Empty the outbox, forget issued tokens and stop failing."""
    with _lock:
        outbox.clear()
        _failure.clear()
        _tokens.clear()


def _token(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()


class LocmemBackend(BaseBackend):
    """Answers from memory; see the module docstring."""

    protocol = "locmem"

    def _record(self, method: str, request: Any) -> None:
        with _lock:
            if _failure:
                raise _failure[0]
            outbox.append(SentCall(method, request))

    def _subscription_sso(self, request: SubscriptionSSO) -> str:
        self._record("getSingleSignOn", request)
        token = _token(request)
        query = urlencode({"logintoken": token, "subscription": request.subscription_reference})
        return f"{FAKE_HOST}/myaccount/{request.page or ''}{'/' if request.page else ''}?{query}"

    def _customer_sso(self, request: CustomerSSO) -> str:
        self._record("getSingleSignOnByCustomer", request)
        query = urlencode({"logintoken": _token(request)})
        return f"{FAKE_HOST}/myaccount/{request.page or ''}{'/' if request.page else ''}?{query}"

    def _cart_sso(self, request: CartSSO) -> str:
        self._record("getSingleSignOnInCart", request)
        token = _token(request)
        with _lock:
            key = (
                "CustomerReference"
                if request.reference_type == "2checkout"
                else ("ExternalCustomerReference")
            )
            _tokens[token] = {key: request.customer_reference}
        separator = "&" if "?" in request.cart_url else "?"
        return f"{request.cart_url}{separator}logintoken={token}"

    def _partner_sso(self, request: PartnerSSO) -> str:
        self._record("getPartnerSingleSignOn", request)
        token = _token(request)[:32]
        return f"{FAKE_HOST}/cpanel/index.php?logintoken={token}"

    def _customer_by_token(self, token: str) -> dict[str, Any]:
        self._record("getCustomerInformationBySSOToken", token)
        with _lock:
            customer = _tokens.get(token)
        if customer is None:
            raise APIError(
                "Unknown SSO token.",
                code="INVALID_TOKEN",
                method="getCustomerInformationBySSOToken",
            )
        return dict(customer)

    def _check_credentials(self) -> None:
        self._record("login", None)
