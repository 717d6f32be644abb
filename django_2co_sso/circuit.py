"""A circuit breaker shared by every process through the Django cache.

After ``threshold`` transport failures (timeouts, refused or dropped connections, HTTP
5xx, unreadable bodies) within one cool-down window, calls fail at once with
:class:`~django_2co_sso.exceptions.ServiceUnavailableError` for ``cooldown`` seconds,
so shoppers stop waiting for timeouts; then calls go upstream again. ``threshold`` 0
turns the breaker off. A process that found the breaker closed trusts that for
``CLOSED_RECHECK`` seconds, so in steady state it costs one cache read per second per
process, not one per call; a breaker opened by another process is honoured here within
that second.

Refused credentials open the breaker at once (:meth:`CircuitBreaker.record_refusal`): for
the cool-down, calls fail with the same
:class:`~django_2co_sso.exceptions.AuthenticationError` code without asking 2Checkout, so a
wrong secret key costs one login attempt per cool-down, not one per click.
:meth:`CircuitBreaker.before_call` with ``honour_refusal=False`` (an explicit credentials
check) asks anyway.

The breaker needs the cache: :meth:`CircuitBreaker.is_open` raises
:class:`~django_2co_sso.exceptions.CacheUnavailableError` when it cannot be read, so no
call goes upstream without it. Recording an outcome after a call is best effort: when the
cache died during the call, the call's own result or error stands and one warning says
the outcome was not counted.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import BaseCache, caches

from .exceptions import AuthenticationError, CacheUnavailableError, ServiceUnavailableError
from .shared_cache import guarded

logger = logging.getLogger("django_2co_sso")

#: Seconds a process trusts a "closed" reading before reading the cache again.
CLOSED_RECHECK = 1.0


class CircuitBreaker:
    """Counts failures under ``key`` in the cache and opens for ``cooldown`` seconds."""

    def __init__(self, *, cache_alias: str, key: str, threshold: int, cooldown: float) -> None:
        self._cache_alias = cache_alias
        self.open_key = f"{key}:open"
        self.failures_key = f"{key}:failures"
        self.threshold = threshold
        self.cooldown = max(1, round(cooldown))
        self._failed_since_success = False
        self._closed_until = 0.0

    @property
    def cache(self) -> BaseCache:
        """The cache in use, looked up now."""
        return caches[self._cache_alias]

    def _state(self) -> object:
        """What the cache says: None (closed), True (open) or ``{"refused": code}``."""
        if self.threshold <= 0 or time.monotonic() < self._closed_until:
            return None
        with guarded(self._cache_alias, "circuit breaker"):
            state = self.cache.get(self.open_key)
        if state:
            return state
        self._closed_until = time.monotonic() + CLOSED_RECHECK
        return None

    def is_open(self) -> bool:
        """Whether calls are being refused right now (failures or refused credentials)."""
        return bool(self._state())

    def before_call(self, *, honour_refusal: bool = True) -> None:
        """Raise while the breaker is open: :class:`AuthenticationError` with the remembered
        code after refused credentials, else :class:`ServiceUnavailableError`.

        ``honour_refusal=False`` lets a call through after refused credentials (an explicit
        check of new credentials), but not after failures.
        """
        state = self._state()
        if isinstance(state, dict) and "refused" in state:
            if not honour_refusal:
                return
            raise AuthenticationError(
                "2Checkout refused the credentials less than CIRCUIT_BREAKER_COOLDOWN seconds "
                "ago; not asking again until then.",
                code=str(state["refused"]),
                method="login",
            )
        if state:
            raise ServiceUnavailableError(
                "2Checkout failed repeatedly; not calling it again until the cool-down ends."
            )

    def record_refusal(self, code: str) -> None:
        """Remember refused credentials for the cool-down (never raises).

        Logged at INFO: the refused call itself is already reported once by its caller.
        """
        if self.threshold <= 0:
            return
        self._closed_until = 0.0
        try:
            with guarded(self._cache_alias, "circuit breaker"):
                self.cache.set(self.open_key, {"refused": code}, timeout=self.cooldown)
        except CacheUnavailableError as error:
            logger.warning("2checkout circuit breaker: refusal not kept: %s", error.message)
            return
        logger.info(
            "2checkout refused the credentials (%s); not asking again for %ds", code, self.cooldown
        )

    def record_failure(self) -> None:
        """Count one failure; open the breaker when the threshold is reached.

        Never raises: a cache that cannot be written is reported with one warning.
        """
        if self.threshold <= 0:
            return
        self._failed_since_success = True
        self._closed_until = 0.0
        try:
            with guarded(self._cache_alias, "circuit breaker"):
                self._count_failure()
        except CacheUnavailableError as error:
            logger.warning("2checkout circuit breaker: failure not counted: %s", error.message)

    def _count_failure(self) -> None:
        cache = self.cache
        cache.add(self.failures_key, 0, timeout=self.cooldown)
        try:
            failures = cache.incr(self.failures_key)
        except ValueError:  # expired between add and incr
            cache.set(self.failures_key, 1, timeout=self.cooldown)
            failures = 1
        if failures >= self.threshold:
            cache.set(self.open_key, True, timeout=self.cooldown)
            cache.delete(self.failures_key)
            logger.warning(
                "2checkout circuit opened after %d failures; failing fast for %ds",
                failures,
                self.cooldown,
            )

    def record_success(self) -> None:
        """Forget counted failures once a call succeeds again (never raises, like
        :meth:`record_failure`)."""
        if self._failed_since_success:
            self._failed_since_success = False
            try:
                with guarded(self._cache_alias, "circuit breaker"):
                    self.cache.delete(self.failures_key)
            except CacheUnavailableError as error:
                logger.warning("2checkout circuit breaker: success not counted: %s", error.message)

    def reset(self) -> None:
        """Close the breaker and forget all failures."""
        self._failed_since_success = False
        self._closed_until = 0.0
        with guarded(self._cache_alias, "circuit breaker"):
            self.cache.delete_many([self.open_key, self.failures_key])
