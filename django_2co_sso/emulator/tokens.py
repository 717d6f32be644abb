"""Single sign-on tokens: issued by the SSO methods, consumed by the landing pages.

A shopper token (myAccount or cart) is 40 random hex characters, a partner token 32, as in the
URLs 2Checkout returns. A token is single-use, expires ``validity_time`` seconds after it was
issued on the emulator clock, and when it was bound to an IP it is accepted only from that peer
address. A rejected landing names the reason: ``unknown``, ``already used``, ``expired``,
``IP mismatch`` (checked in that order) or ``page mismatch`` (the URL's page is not the one the
token was issued for). A wrong-IP attempt does not use the token up.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import ipaddress
import secrets
import threading

from .clock import Clock

#: How many issued tokens :attr:`TokenStore.issued` remembers.
ISSUED_HISTORY = 1_000_000
#: Seconds an expired token is kept (so it answers "expired", not "unknown") before it is purged.
EXPIRED_GRACE = 3600.0


class TokenKind(enum.Enum):
    """Where a token may be used."""

    MYACCOUNT = "myaccount"
    CART = "cart"
    PARTNER = "partner"


@dataclasses.dataclass
class Token:
    """One SSO token and what it was issued for."""

    value: str
    kind: TokenKind
    expires_at: float
    validation_ip: str | None = None
    customer_reference: str | None = None
    subscription_reference: str | None = None
    page: str | None = None
    language: str | None = None
    url: str | None = None
    partner_code: str | None = None
    email: str | None = None
    used: bool = False


class TokenRejected(Exception):
    """A landing request presented a token that cannot be used; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def same_ip(expected: str, actual: str) -> bool:
    """Whether two textual IP addresses are the same address (IPv4-mapped IPv6 included)."""
    try:
        first, second = ipaddress.ip_address(expected), ipaddress.ip_address(actual)
    except ValueError:
        return False
    if isinstance(first, ipaddress.IPv6Address) and first.ipv4_mapped:
        first = first.ipv4_mapped
    if isinstance(second, ipaddress.IPv6Address) and second.ipv4_mapped:
        second = second.ipv4_mapped
    return first == second


class TokenStore:
    """Issues, looks up and consumes tokens; thread-safe."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, Token] = {}
        self._issued: collections.deque[str] = collections.deque(maxlen=ISSUED_HISTORY)
        self._since_purge = 0

    def issue(
        self,
        kind: TokenKind,
        validity_time: int,
        *,
        validation_ip: str | None = None,
        customer_reference: str | None = None,
        subscription_reference: str | None = None,
        page: str | None = None,
        language: str | None = None,
        url: str | None = None,
        partner_code: str | None = None,
        email: str | None = None,
    ) -> Token:
        """Create a token of ``kind`` valid ``validity_time`` seconds and return it.

        Empty strings are stored as None; a ``validation_ip`` of "" or None means not IP-bound.
        """
        value = secrets.token_hex(16 if kind is TokenKind.PARTNER else 20)
        token = Token(
            value=value,
            kind=kind,
            expires_at=self._clock.now() + validity_time,
            validation_ip=validation_ip or None,
            customer_reference=customer_reference or None,
            subscription_reference=subscription_reference or None,
            page=page or None,
            language=language or None,
            url=url or None,
            partner_code=partner_code or None,
            email=email or None,
        )
        with self._lock:
            self._maybe_purge_locked()
            self._tokens[value] = token
            self._issued.append(value)
        return token

    def peek(self, value: object) -> Token | None:
        """Return the token ``value`` whatever its state (used, expired), or None if unknown."""
        if not isinstance(value, str):
            return None
        with self._lock:
            return self._tokens.get(value)

    def consume(
        self, value: str | None, kind: TokenKind, client_ip: str, page: str | None
    ) -> Token:
        """Use token ``value`` for a ``kind`` landing from ``client_ip`` and return it.

        ``page`` (when not None) must equal the page the token was issued for. Raises
        :class:`TokenRejected` with the reason otherwise.
        """
        now = self._clock.now()
        with self._lock:
            token = self._tokens.get(value) if value else None
            if token is None or token.kind is not kind:
                raise TokenRejected("unknown")
            if token.used:
                raise TokenRejected("already used")
            if now >= token.expires_at:
                raise TokenRejected("expired")
            if token.validation_ip and not same_ip(token.validation_ip, client_ip):
                raise TokenRejected("IP mismatch")
            if page is not None and page != (token.page or ""):
                raise TokenRejected("page mismatch")
            token.used = True
            return token

    @property
    def issued(self) -> list[str]:
        """Every token issued since the last :meth:`clear` (the last million)."""
        with self._lock:
            return list(self._issued)

    def count(self) -> int:
        """How many tokens are held (used and expired ones included, until purged)."""
        with self._lock:
            return len(self._tokens)

    def clear(self) -> None:
        """Forget every token and the issued list."""
        with self._lock:
            self._tokens.clear()
            self._issued.clear()
            self._since_purge = 0

    def _maybe_purge_locked(self) -> None:
        self._since_purge += 1
        if self._since_purge < 10_000:
            return
        self._since_purge = 0
        horizon = self._clock.now() - EXPIRED_GRACE
        for key in [k for k, t in self._tokens.items() if t.expires_at < horizon]:
            del self._tokens[key]
