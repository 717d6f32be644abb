"""What a failure to mint a link means: classified once, here, for every caller.

:func:`classify` maps an exception to a :class:`Failure`: the outcome written to the audit
log, the level of the one log line, the page a shopper sees and the kind of failure.
:mod:`~django_2co_sso.services` (audit row and log line), the views (which page), the
admin action (the message to staff) and the management commands (the error printed) all
use it, so an exception is never treated one way in one place and another way elsewhere.

=============================  ==============  ========  ===========================
exception                      kind            level     shopper page
=============================  ==============  ========  ===========================
``InvalidPageError``           rejected        INFO      404
other ``InvalidInputError``    rejected        INFO      400
``DisallowedRedirectError``    disallowed      ERROR     502
``APIError``                   refused         WARNING   503
other ``UpstreamError``        unavailable     WARNING   503 (``Retry-After``)
``ConfigurationError``         misconfigured   ERROR     503
``CacheUnavailableError``      cache           ERROR     503
``AuditLogError``              audit           ERROR     503
other ``TwoCheckoutError``     internal        ERROR     503
any other exception (a bug)    internal        ERROR     503, with the traceback's text
=============================  ==============  ========  ===========================

The outcome is the exception's ``code`` (``INTERNAL_ERROR`` for an exception that is not a
:class:`~django_2co_sso.exceptions.TwoCheckoutError`). A misconfiguration is the
operator's problem, not an upstream failure: it is audited as ``CONFIGURATION``, never
counted by the circuit breaker, and logged at ERROR once.
"""

from __future__ import annotations

import dataclasses
import enum
import logging

from .exceptions import (
    APIError,
    AuditLogError,
    CacheUnavailableError,
    ConfigurationError,
    DisallowedRedirectError,
    InvalidInputError,
    InvalidPageError,
    TwoCheckoutError,
    UpstreamError,
)

__all__ = ["INTERNAL_ERROR", "Failure", "Kind", "Page", "classify"]

#: Outcome recorded for an exception that is not a TwoCheckoutError (a bug somewhere).
INTERNAL_ERROR = "INTERNAL_ERROR"


class Kind(enum.Enum):
    """What went wrong; the value is how the log line says it."""

    REJECTED = "rejected before any call"
    DISALLOWED = "refused, redirect host not allowed"
    REFUSED = "failed, 2Checkout refused"
    UNAVAILABLE = "failed, 2Checkout unavailable"
    MISCONFIGURED = "failed, TWOCHECKOUT_SSO is misconfigured"
    CACHE = "failed, the cache is unreachable"
    AUDIT = "withheld, its audit row could not be written"
    INTERNAL = "failed unexpectedly"


class Page(enum.IntEnum):
    """The page a shopper sees, by HTTP status."""

    BAD_REQUEST = 400
    NOT_FOUND = 404
    BAD_GATEWAY = 502
    UNAVAILABLE = 503


#: (exception class, kind, log level, page): the first row the exception is an instance of.
RULES: tuple[tuple[type[BaseException], Kind, int, Page], ...] = (
    (InvalidPageError, Kind.REJECTED, logging.INFO, Page.NOT_FOUND),
    (InvalidInputError, Kind.REJECTED, logging.INFO, Page.BAD_REQUEST),
    (DisallowedRedirectError, Kind.DISALLOWED, logging.ERROR, Page.BAD_GATEWAY),
    (APIError, Kind.REFUSED, logging.WARNING, Page.UNAVAILABLE),
    (UpstreamError, Kind.UNAVAILABLE, logging.WARNING, Page.UNAVAILABLE),
    (ConfigurationError, Kind.MISCONFIGURED, logging.ERROR, Page.UNAVAILABLE),
    (CacheUnavailableError, Kind.CACHE, logging.ERROR, Page.UNAVAILABLE),
    (AuditLogError, Kind.AUDIT, logging.ERROR, Page.UNAVAILABLE),
    (TwoCheckoutError, Kind.INTERNAL, logging.ERROR, Page.UNAVAILABLE),
)


@dataclasses.dataclass(frozen=True)
class Failure:
    """How one exception is handled; ``detail`` is secret-free text for the log line."""

    kind: Kind
    outcome: str
    level: int
    page: Page
    detail: str
    #: A bug (not a TwoCheckoutError): log it with the traceback's text.
    unexpected: bool = False


def _detail(kind: Kind, error: BaseException) -> str:
    if kind is Kind.REJECTED:
        return f"field={getattr(error, 'field', '')}"
    if kind is Kind.DISALLOWED:
        return f"host={str(getattr(error, 'host', ''))[:100]!r}"
    if kind in (Kind.MISCONFIGURED, Kind.INTERNAL) and isinstance(error, TwoCheckoutError):
        return error.message
    return f"error={type(error).__name__}"


def classify(error: BaseException) -> Failure:
    """The :class:`Failure` for ``error`` (see the module docstring's table)."""
    for error_class, kind, level, page in RULES:
        if isinstance(error, error_class):
            code = error.code if isinstance(error, TwoCheckoutError) else INTERNAL_ERROR
            return Failure(kind, code, level, page, _detail(kind, error))
    return Failure(
        Kind.INTERNAL,
        INTERNAL_ERROR,
        logging.ERROR,
        Page.UNAVAILABLE,
        _detail(Kind.INTERNAL, error),
        unexpected=True,
    )
