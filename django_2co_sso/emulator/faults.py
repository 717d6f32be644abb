"""Fault injection: make chosen calls slow, fail, answer garbage or drop the connection.

A :class:`FaultRule` targets one operation name (``login``, ``getSingleSignOn``,
``getSingleSignOnByCustomer``, ``getSingleSignOnInCart``, ``getCustomerInformationBySSOToken``,
``setPartner``, ``getPartnerSingleSignOn``; REST requests map to the same names) or ``"*"`` for
all, optionally one protocol (``soap``, ``rpc``, ``rest``), for ``times`` calls (None: until
cleared). When a call matches the oldest live rule, in this order:

1. ``delay``: sleep that many seconds;
2. ``expire_session``: expire every current session, then handle the call normally (so it fails
   with ``SESSION_EXPIRED`` if it presents one) unless a terminal effect follows;
3. at most one terminal effect: ``drop`` (close the connection, no response), ``http_status``
   (that status with ``body``, default a small HTML page), ``malformed`` (200 with a garbage
   body) or ``error_code`` (+ ``error_message``: a proper SOAP fault / JSON-RPC error / REST
   error of that code).

A rule with only ``delay`` and/or ``expire_session`` lets the call proceed afterwards.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading
from collections.abc import Mapping
from typing import Any, Final

#: Operation names a rule may target (plus ``"*"``).
OPERATIONS: Final = (
    "login",
    "getSingleSignOn",
    "getSingleSignOnByCustomer",
    "getSingleSignOnInCart",
    "getCustomerInformationBySSOToken",
    "setPartner",
    "getPartnerSingleSignOn",
    "getCustomerSubscriptions",
)
#: Protocol names a rule may be limited to.
PROTOCOLS: Final = ("soap", "rpc", "rest")
_PROTOCOL_ALIASES: Final = {"jsonrpc": "rpc", "json-rpc": "rpc"}
_ERROR_CODE_RE: Final = re.compile(r"[A-Za-z0-9_]{1,64}")

_ids = itertools.count(1)

#: The keys of a fault rule in control-endpoint JSON (the fields of :class:`FaultRule` that a
#: caller sets; ``id``, ``remaining`` and ``hits`` are the emulator's own).
RULE_KEYS: Final = (
    "operation",
    "protocol",
    "times",
    "delay",
    "expire_session",
    "drop",
    "http_status",
    "body",
    "malformed",
    "error_code",
    "error_message",
)


@dataclasses.dataclass
class FaultRule:
    """One injected fault; see the module docstring. ``remaining`` None = unlimited."""

    operation: str = "*"
    protocol: str | None = None
    times: int | None = None
    delay: float = 0.0
    expire_session: bool = False
    drop: bool = False
    http_status: int | None = None
    body: str | None = None
    malformed: bool = False
    error_code: str | None = None
    error_message: str | None = None
    id: int = dataclasses.field(default_factory=lambda: next(_ids))
    remaining: int | None = None
    hits: int = 0

    def __post_init__(self) -> None:
        self.validate()
        self.remaining = self.times

    def validate(self) -> None:
        """Raise :class:`ValueError` unless the rule is well formed (types included: a rule
        from JSON is checked as strictly as one built in Python)."""
        for name in ("expire_session", "drop", "malformed"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false")
        for name in ("operation", "protocol", "body", "error_code", "error_message"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{name} must be a string")
        if self.error_code is not None and not _ERROR_CODE_RE.fullmatch(self.error_code):
            raise ValueError("error_code must be 1 to 64 letters, digits or _")
        for name in ("times", "http_status"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{name} must be an integer")
        if isinstance(self.delay, bool):
            raise ValueError("delay must be between 0 and 3600 seconds")
        if self.operation != "*" and self.operation not in OPERATIONS:
            raise ValueError(f"unknown operation {self.operation!r}; use one of {OPERATIONS}")
        if self.protocol is not None:
            self.protocol = _PROTOCOL_ALIASES.get(self.protocol, self.protocol)
            if self.protocol not in PROTOCOLS:
                raise ValueError(f"unknown protocol {self.protocol!r}; use one of {PROTOCOLS}")
        if self.times is not None and (not isinstance(self.times, int) or self.times < 1):
            raise ValueError("times must be a positive integer or None")
        if not isinstance(self.delay, int | float) or not 0 <= self.delay <= 3600:
            raise ValueError("delay must be between 0 and 3600 seconds")
        if self.http_status is not None and not 100 <= self.http_status <= 599:
            raise ValueError("http_status must be an HTTP status code")
        terminal = [
            self.drop,
            self.http_status is not None,
            self.malformed,
            self.error_code is not None,
        ]
        if sum(terminal) > 1:
            raise ValueError("use at most one of drop, http_status, malformed, error_code")
        if not any(terminal) and not self.delay and not self.expire_session:
            raise ValueError(
                "a fault needs an effect: delay, expire_session, drop, "
                "http_status, malformed or error_code"
            )

    def matches(self, operation: str, protocol: str) -> bool:
        """Whether the rule applies to a call of ``operation`` over ``protocol``."""
        return (self.operation in ("*", operation)) and self.protocol in (None, protocol)

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON-ready data (what the control endpoint lists)."""
        return dataclasses.asdict(self)


def rule_from_mapping(data: Mapping[str, Any]) -> FaultRule:
    """Build a :class:`FaultRule` from control-endpoint JSON; raise :class:`ValueError`."""
    unknown = set(data) - set(RULE_KEYS)
    if unknown:
        raise ValueError(f"unknown fault keys {sorted(unknown)}")
    try:
        return FaultRule(**dict(data))
    except TypeError as exc:
        raise ValueError(str(exc)) from None


class FaultInjector:
    """The live fault rules; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> FaultRule:
        """Add ``rule`` (after those already there) and return it."""
        with self._lock:
            self._rules.append(rule)
        return rule

    def take(self, operation: str, protocol: str) -> FaultRule | None:
        """Return the oldest live rule matching the call and count one use of it, or None."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(operation, protocol):
                    rule.hits += 1
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._rules.remove(rule)
                    return rule
        return None

    def remove(self, rule_id: int) -> bool:
        """Remove the rule with ``rule_id``; return whether it existed."""
        with self._lock:
            for rule in self._rules:
                if rule.id == rule_id:
                    self._rules.remove(rule)
                    return True
        return False

    @property
    def rules(self) -> list[FaultRule]:
        """The live rules, oldest first."""
        with self._lock:
            return list(self._rules)

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()
