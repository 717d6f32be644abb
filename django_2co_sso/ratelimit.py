"""A per-user limit on minting SSO links, counted in the Django cache.

``TWOCHECKOUT_SSO["RATE_LIMIT"]`` is ``"COUNT/PERIOD"`` with PERIOD ``s``, ``m``, ``h`` or
``d`` (optionally with a number: ``"100/5m"``), or None for no limit. The count is kept
in the cache named by ``CACHE_ALIAS`` in fixed windows (``cache.add`` then
``cache.incr``), so it holds across processes and hosts when that cache is shared (Redis,
Memcached). Views check it before any call to 2Checkout.

When that cache is unreachable the check raises
:class:`~django_2co_sso.exceptions.CacheUnavailableError`; the views then answer with the
"try again later" page (503) without calling 2Checkout, since the circuit breaker and the
shared session need the same cache.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time

from django.core.cache import caches

from .conf import SSOConfig
from .exceptions import ConfigurationError
from .shared_cache import guarded

__all__ = ["RateLimit", "check_rate_limit", "parse_rate"]

_RATE_RE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*\Z")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclasses.dataclass(frozen=True)
class RateLimit:
    """``count`` links per ``period`` seconds."""

    count: int
    period: int


@dataclasses.dataclass(frozen=True)
class RateLimitResult:
    """The outcome of one check: whether the call may go on, and when to retry if not."""

    allowed: bool
    retry_after: int = 0


def parse_rate(value: str | None) -> RateLimit | None:
    """``"30/m"`` -> ``RateLimit(30, 60)``; None -> None; anything else: ConfigurationError."""
    if value is None:
        return None
    match = _RATE_RE.match(value)
    if not match or int(match.group(1)) < 1 or match.group(2) == "0":
        raise ConfigurationError(
            f"TWOCHECKOUT_SSO['RATE_LIMIT'] {value!r} is not like '30/m' "
            "(COUNT/PERIOD with PERIOD s, m, h or d), or None."
        )
    multiplier = int(match.group(2) or 1)
    return RateLimit(count=int(match.group(1)), period=multiplier * _UNITS[match.group(3)])


def check_rate_limit(config: SSOConfig, user_key: str) -> RateLimitResult:
    """Count one link for ``user_key``; refuse it when the window's count is exceeded.

    Fixed windows aligned on multiples of the period: ``retry_after`` is the number of
    seconds until the current window ends (at least 1). Raises
    :class:`~django_2co_sso.exceptions.CacheUnavailableError` when the cache is unreachable.
    """
    rate = parse_rate(config.rate_limit)
    if rate is None:
        return RateLimitResult(allowed=True)
    now = time.time()
    window = int(now // rate.period)
    key = f"{config.cache_key_prefix}:ratelimit:{user_key}:{rate.period}:{window}"
    cache = caches[config.cache_alias]
    with guarded(config.cache_alias, "rate limit"):
        cache.add(key, 0, timeout=rate.period + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=rate.period + 1)
            used = 1
    if used <= rate.count:
        return RateLimitResult(allowed=True)
    retry_after = max(1, math.ceil((window + 1) * rate.period - now))
    return RateLimitResult(allowed=False, retry_after=retry_after)
