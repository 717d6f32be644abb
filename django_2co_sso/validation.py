"""Input rules applied before any call to 2Checkout.

Each ``validate_*`` function returns the normalised value or raises a subclass of
:class:`~django_2co_sso.exceptions.InvalidInputError` (also a ``ValueError``) whose
message says what is wrong. Messages quote the offending value only when it cannot be
a credential (pages, languages, lengths), never tokens.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email as django_validate_email

from .exceptions import (
    InvalidEmailError,
    InvalidIPAddressError,
    InvalidLanguageError,
    InvalidPageError,
    InvalidReferenceError,
    InvalidTokenError,
    InvalidURLError,
    InvalidValidityTimeError,
)

#: myAccount pages of getSingleSignOn (``accessPage``); None means the home page.
SUBSCRIPTION_PAGES = (
    "view_order",
    "my_license",
    "change_card",
    "my_products",
    "payment_methods",
    "user_data",
    "order_lookup",
    "faq",
)

#: myAccount pages of getSingleSignOnByCustomer (``page``); None means the home page.
CUSTOMER_PAGES = (
    "my_subscription",
    "my_products",
    "user_data",
    "order_lookup",
    "faq",
    "payment_methods",
)

#: Customer reference kinds accepted by the public API.
REFERENCE_TYPES = ("external", "2checkout")

MAX_REFERENCE_LENGTH = 100
MAX_URL_LENGTH = 2048
_REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@+\-]*\Z")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_\-]{16,128}\Z")

#: ISO 639-1 two-letter language codes.
ISO_639_1 = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr
    ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw
    ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
    ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
    ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
    yo za zh zu
    """.split()
)

_LOOPBACK_NAMES = frozenset({"localhost"})


def validate_page(page: str | None, allowed: Iterable[str], *, field: str = "page") -> str | None:
    """``page`` if it is one of ``allowed`` (or None for the home page)."""
    if page is None:
        return None
    choices = tuple(allowed)
    if not isinstance(page, str) or page not in choices:
        shown = page if isinstance(page, str) and len(page) <= 40 else type(page).__name__
        raise InvalidPageError(
            f"{field} {shown!r} is not one of: {', '.join(choices)} (or None for the home page).",
            field=field,
        )
    return page


def validate_reference(value: object, *, field: str) -> str:
    """A non-empty reference of at most 100 letters, digits and ``_ . : @ + -``."""
    if not isinstance(value, str):
        raise InvalidReferenceError(
            f"{field} must be a string, not {type(value).__name__}.", field=field
        )
    if not value:
        raise InvalidReferenceError(f"{field} must not be empty.", field=field)
    if len(value) > MAX_REFERENCE_LENGTH:
        raise InvalidReferenceError(
            f"{field} is {len(value)} characters long; the most is {MAX_REFERENCE_LENGTH}.",
            field=field,
        )
    if not _REFERENCE_RE.match(value):
        raise InvalidReferenceError(
            f"{field} may contain only ASCII letters, digits and _ . : @ + - "
            "and must start with a letter or digit.",
            field=field,
        )
    return value


def validate_reference_type(value: object) -> str:
    """``"external"`` or ``"2checkout"``."""
    if value not in REFERENCE_TYPES:
        raise InvalidReferenceError(
            'reference_type must be "external" or "2checkout".', field="reference_type"
        )
    return str(value)


def validate_validity_time(value: object, *, default: int, maximum: int) -> int:
    """A positive whole number of seconds, at most ``maximum``; None gives ``default``."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValidityTimeError(
            f"validity_time must be a whole number of seconds, not {type(value).__name__}.",
            field="validity_time",
        )
    if not 1 <= value <= maximum:
        raise InvalidValidityTimeError(
            f"validity_time must be between 1 and {maximum} seconds, not {value}.",
            field="validity_time",
        )
    return value


def validate_ip(value: object) -> str:
    """A valid IPv4 or IPv6 address in canonical form, or ``""`` for none (None too)."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise InvalidIPAddressError(
            f"validation_ip must be a string, not {type(value).__name__}.", field="validation_ip"
        )
    if "%" in value or value.strip() != value:
        raise InvalidIPAddressError(
            "validation_ip must be a plain IPv4 or IPv6 address.", field="validation_ip"
        )
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise InvalidIPAddressError(
            "validation_ip is not a valid IPv4 or IPv6 address.", field="validation_ip"
        ) from None


def validate_language(value: object) -> str | None:
    """A lowercase ISO 639-1 code (``"en"``), or None to send none."""
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in ISO_639_1:
        shown = value if isinstance(value, str) and len(value) <= 20 else type(value).__name__
        raise InvalidLanguageError(
            f"language {shown!r} is not an ISO 639-1 code such as 'en' or 'de'.", field="language"
        )
    return value.lower()


def validate_email(value: object, *, required: bool) -> str | None:
    """A valid e-mail address; None is allowed only when not ``required``."""
    if value is None or value == "":
        if required:
            raise InvalidEmailError("email is required.", field="email")
        return None
    if not isinstance(value, str):
        raise InvalidEmailError(
            f"email must be a string, not {type(value).__name__}.", field="email"
        )
    try:
        django_validate_email(value)
    except DjangoValidationError:
        raise InvalidEmailError("email is not a valid e-mail address.", field="email") from None
    return value


def validate_token(value: object) -> str:
    """An SSO token: 16 to 128 letters, digits, ``-`` or ``_``."""
    if not isinstance(value, str) or not _TOKEN_RE.match(value):
        raise InvalidTokenError(
            "token must be 16 to 128 letters, digits, '-' or '_'.", field="token"
        )
    return value


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_LABEL_RE = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)\Z")


def _is_host_name(host: str) -> bool:
    """Whether ``host`` is a DNS name of valid labels or an IP address."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return len(host) <= 253 and all(_LABEL_RE.match(label) for label in labels)


_DEFAULT_PORTS = {"https": 443, "http": 80}


def split_host_entry(entry: str) -> tuple[str, int | None]:
    """An ``ALLOWED_SSO_HOSTS`` entry as ``(host pattern, port or None)``.

    ``"store.example.com"`` -> ``("store.example.com", None)``; ``".example.com:8443"``
    -> ``(".example.com", 8443)``; ``"[::1]:8000"`` -> ``("::1", 8000)``; ``"::1"`` (an IPv6
    address without brackets) has no port. A port that is not a number 1-65535 is not a
    port: the whole entry is then the host pattern (and matches no host name).
    """
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
        return host, _port(port_text)
    if entry.count(":") == 1:
        host, port_text = entry.split(":")
        port = _port(port_text)
        return (host, port) if port is not None else (entry, None)
    return entry, None


def significant_port(scheme: str, port: int | None) -> int | None:
    """``port`` as :func:`host_allowed` wants it: None for none or the scheme's default."""
    return None if port is None or port == _DEFAULT_PORTS.get(scheme) else port


def _port(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def host_allowed(
    host: str, allowed_hosts: Iterable[str], port: int | None = None, *, scheme: str = "https"
) -> bool:
    """Whether ``host`` (on ``port``, None for the scheme's default) matches ``allowed_hosts``.

    An entry ``".example.com"`` matches ``example.com`` and its subdomains; any other
    entry must match exactly. Comparison is case-insensitive; there is no ``*``. An entry
    without a port matches the default port only; ``"host:8443"`` matches port 8443 only,
    and an entry naming the ``scheme``'s default port (``"host:443"``) is the same as one
    without a port.
    """
    host = host.lower().rstrip(".")
    for entry in allowed_hosts:
        pattern, entry_port = split_host_entry(entry)
        if significant_port(scheme, entry_port) != port:
            continue
        if pattern.startswith("."):
            if host == pattern[1:] or host.endswith(pattern):
                return True
        elif host == pattern:
            return True
    return False


def url_host_problem(url: str, allowed_hosts: Iterable[str]) -> str | None:
    """Why ``url`` may not be followed, or None when it may.

    A URL may be followed when it is absolute, ``https`` (plain ``http`` only for a
    loopback host), has no user-info, only ASCII, no whitespace or backslashes, and its
    host and port are allowed by ``allowed_hosts`` (a port other than the scheme's default
    only when an entry names it: ``"store.example.com:8443"``).
    """
    if len(url) > MAX_URL_LENGTH:
        return f"it is longer than {MAX_URL_LENGTH} characters"
    if not url.isascii() or any(c.isspace() or c == "\\" or ord(c) < 32 for c in url):
        return "it contains non-ASCII characters, whitespace or backslashes"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port  # raises ValueError on a port out of range
    except ValueError:
        return "it is not a well-formed URL"
    if parts.scheme not in ("https", "http") or not parts.netloc or not host:
        return "it is not an absolute http(s) URL"
    if port == 0 or not _is_host_name(host):
        return "its host or port is not valid"
    if "@" in parts.netloc:
        return "it contains user information"
    if parts.scheme == "http" and not is_loopback_host(host):
        return "it is not https"
    port = significant_port(parts.scheme, port)
    if not host_allowed(host, allowed_hosts, port, scheme=parts.scheme):
        where = f"{host!r} on port {port}" if port is not None else repr(host)
        return f"its host {where} is not in ALLOWED_SSO_HOSTS"
    return None


def validate_allowed_url(value: object, allowed_hosts: Iterable[str], *, field: str) -> str:
    """An https URL on one of ``allowed_hosts`` (see :func:`url_host_problem`)."""
    if not isinstance(value, str) or not value:
        raise InvalidURLError(f"{field} must be a non-empty URL.", field=field)
    problem = url_host_problem(value, allowed_hosts)
    if problem:
        raise InvalidURLError(f"{field} is not allowed: {problem}.", field=field)
    return value
