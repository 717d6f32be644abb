"""The one exception hierarchy of django-2co-sso.

Everything this package raises on purpose derives from :class:`TwoCheckoutError`::

    TwoCheckoutError
    ├── ConfigurationError            (also django ImproperlyConfigured)
    ├── InvalidInputError             (also ValueError; raised before any network call)
    │   ├── InvalidPageError
    │   ├── InvalidReferenceError
    │   ├── InvalidValidityTimeError
    │   ├── InvalidIPAddressError
    │   ├── InvalidLanguageError
    │   ├── InvalidEmailError
    │   ├── InvalidURLError           (cart URLs, partner access pages)
    │   ├── InvalidTokenError
    │   └── InvalidNotificationError  (an IPN/LCN POST refused: unsigned, tampered, garbled)
    ├── UpstreamError                 (2Checkout could not give us a link)
    │   ├── APIError                  (2Checkout answered with an error code)
    │   │   ├── AuthenticationError   (AUTHENTICATION_FAILED / FORBIDDEN at login)
    │   │   └── SessionExpiredError   (expired or unknown sessionID)
    │   ├── TransportError            (no usable answer)
    │   │   ├── APITimeoutError
    │   │   ├── APIConnectionError
    │   │   └── BadResponseError      (HTTP 5xx, malformed body)
    │   └── ServiceUnavailableError   (circuit breaker open: failing fast)
    ├── DisallowedRedirectError       (2Checkout returned a URL on a host we do not allow)
    ├── CacheUnavailableError         (the Django cache holding the shared state is unreachable)
    └── AuditLogError                 (a link was minted but its audit row could not be written)

Contract: no message or repr of these exceptions ever contains the secret key, a
login hash, a sessionID or an SSO URL/token. Upstream messages are scrubbed of the
values the client knows to be secret before they are stored here.
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

#: What an error code may look like once it is stored: upstream codes are reduced to this
#: alphabet and length before they reach the audit log, a log line or a command's output.
_CODE_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_CODE_STRIP_RE = re.compile(r"[^A-Za-z0-9_.-]+")
#: Longest upstream error text kept in an :class:`APIError`.
MAX_MESSAGE_LENGTH = 500


def safe_code(code: object, default: str = "UNKNOWN") -> str:
    """``code`` as a short identifier: letters, digits, ``_``, ``.``, ``-``; at most 64.

    Anything else (a hostile upstream's markup, control characters, a page of text) is
    removed; what is left is cut to 64 characters, and an empty result is ``default``.
    """
    text = str(code).strip()
    if _CODE_RE.fullmatch(text):
        return text
    cleaned = _CODE_STRIP_RE.sub("_", text).strip("_")[:64]
    return cleaned or default


def printable(text: object, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """``text`` without control characters (newlines become spaces), at most ``limit`` long."""
    return "".join(c if c.isprintable() else " " for c in str(text))[:limit]


__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuditLogError",
    "AuthenticationError",
    "BadResponseError",
    "CacheUnavailableError",
    "ConfigurationError",
    "DisallowedRedirectError",
    "InvalidEmailError",
    "InvalidIPAddressError",
    "InvalidInputError",
    "InvalidLanguageError",
    "InvalidNotificationError",
    "InvalidPageError",
    "InvalidReferenceError",
    "InvalidTokenError",
    "InvalidURLError",
    "InvalidValidityTimeError",
    "ServiceUnavailableError",
    "SessionExpiredError",
    "TransportError",
    "TwoCheckoutError",
    "UpstreamError",
]


class TwoCheckoutError(Exception):
    """Base class of every error raised by django-2co-sso."""

    #: A short, stable identifier of the failure, suitable for the audit log.
    code: str = "ERROR"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ConfigurationError(TwoCheckoutError, ImproperlyConfigured):
    """The ``TWOCHECKOUT_SSO`` setting is missing, invalid or names something unknown."""

    code = "CONFIGURATION"


class InvalidInputError(TwoCheckoutError, ValueError):
    """An argument was rejected before any network call; ``field`` names it."""

    code = "INVALID_INPUT"

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class InvalidPageError(InvalidInputError):
    """A page name that the method does not accept."""

    code = "INVALID_PAGE"


class InvalidReferenceError(InvalidInputError):
    """An empty, too long or oddly formed customer, subscription or partner reference."""

    code = "INVALID_REFERENCE"


class InvalidValidityTimeError(InvalidInputError):
    """A validity time that is not a positive integer within the configured maximum."""

    code = "INVALID_VALIDITY_TIME"


class InvalidIPAddressError(InvalidInputError):
    """A validation IP that is neither empty nor a valid IPv4/IPv6 address."""

    code = "INVALID_IP"


class InvalidLanguageError(InvalidInputError):
    """A language that is not an ISO 639-1 code."""

    code = "INVALID_LANGUAGE"


class InvalidEmailError(InvalidInputError):
    """An e-mail address that does not validate."""

    code = "INVALID_EMAIL"


class InvalidURLError(InvalidInputError):
    """A cart URL or partner page URL that is not https on an allowed host."""

    code = "INVALID_URL"


class InvalidTokenError(InvalidInputError):
    """An SSO token that is empty or not of the expected shape."""

    code = "INVALID_TOKEN"


class InvalidNotificationError(InvalidInputError):
    """A POST to a notification listener that is refused before anything is stored.

    ``code`` says why (``NOTIFICATION_TOO_LARGE``, ``NOTIFICATION_MALFORMED``,
    ``NOTIFICATION_UNSIGNED``, ``NOTIFICATION_WEAK_SIGNATURE``, ``NOTIFICATION_BAD_SIGNATURE``)
    and ``status`` is the HTTP status the listener answers. Messages never quote a field
    value, a signature or a key.
    """

    code = "NOTIFICATION_MALFORMED"

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message, field="body")
        self.code = code
        self.status = status


class UpstreamError(TwoCheckoutError):
    """2Checkout could not give us what we asked for; show the shopper "try again later"."""

    code = "UPSTREAM_ERROR"


class APIError(UpstreamError):
    """2Checkout answered with an error.

    ``code`` is 2Checkout's error code (``"INVALID_PARTNER"``, ``"10002"``, ...), ``message``
    its text with known secrets removed, ``method`` the API method that failed.
    """

    code = "API_ERROR"

    def __init__(self, message: str, *, code: str, method: str = "") -> None:
        # Both come from upstream: keep the code to a safe identifier and the text printable.
        super().__init__(printable(message), code=safe_code(code))
        self.method = safe_code(method, default="") if method else ""

    def __str__(self) -> str:
        where = f" in {self.method}" if self.method else ""
        return f"2Checkout error {self.code}{where}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, method={self.method!r}, "
            f"message={self.message!r})"
        )


class AuthenticationError(APIError):
    """Login was refused: wrong merchant code, secret key, hash algorithm or clock."""


class SessionExpiredError(APIError):
    """The sessionID is expired or unknown; the client logs in again once by itself."""


class TransportError(UpstreamError):
    """No usable answer came back from 2Checkout."""

    code = "TRANSPORT_ERROR"


class APITimeoutError(TransportError):
    """2Checkout did not answer within the configured timeout."""

    code = "TIMEOUT"


class APIConnectionError(TransportError):
    """The connection to 2Checkout could not be made or was dropped."""

    code = "CONNECTION_ERROR"


class BadResponseError(TransportError):
    """2Checkout answered with an HTTP error status or a body we cannot read.

    ``status`` is the HTTP status when there was one.
    """

    code = "BAD_RESPONSE"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ServiceUnavailableError(UpstreamError):
    """Recent calls failed, so the client fails fast until the cool-down ends."""

    code = "CIRCUIT_OPEN"


class DisallowedRedirectError(TwoCheckoutError):
    """2Checkout returned a URL whose scheme or host is not in ``ALLOWED_SSO_HOSTS``.

    The URL itself is never stored here; ``host`` is the offending host name.
    """

    code = "DISALLOWED_REDIRECT"

    def __init__(self, message: str, *, host: str) -> None:
        super().__init__(message)
        self.host = host


class CacheUnavailableError(TwoCheckoutError):
    """The Django cache named by ``CACHE_ALIAS`` could not be read or written.

    The circuit breaker, the shared sessionID and the rate limit live there, so no link is
    minted without it: the shopper sees the "try again later" page. ``cause`` names the
    exception class the cache client raised.
    """

    code = "CACHE_UNAVAILABLE"

    def __init__(self, message: str, *, cause: str = "") -> None:
        super().__init__(message)
        self.cause = cause


class AuditLogError(TwoCheckoutError):
    """A link was minted but its :class:`~django_2co_sso.models.SSOAuditLog` row could not
    be written, so the link is not handed out (every link handed out is audited).

    ``cause`` names the database exception class; the failure is logged at ERROR.
    """

    code = "AUDIT_WRITE_FAILED"

    def __init__(self, message: str, *, cause: str = "") -> None:
        super().__init__(message)
        self.cause = cause
