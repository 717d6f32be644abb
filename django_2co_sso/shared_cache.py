"""One way to tell that the Django cache holding the shared state is unreachable.

The circuit breaker, the shared sessionID, the login lock and the rate limit live in the
cache named by ``CACHE_ALIAS``. Django's cache clients do not agree on what they raise
when their server is down (redis-py raises ``redis.exceptions.ConnectionError``,
pymemcache ``MemcacheError`` or ``OSError``, the database cache ``DatabaseError``), so
every cache access on the SSO path goes through :func:`guarded`, which turns any of those
into :class:`~django_2co_sso.exceptions.CacheUnavailableError`. The views answer that with
the "try again later" page (status 503), never a 500.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError

from .exceptions import CacheUnavailableError

__all__ = ["failure_types", "guarded"]


@functools.cache
def failure_types() -> tuple[type[BaseException], ...]:
    """The exception classes that mean "the cache server could not be used"."""
    types: list[type[BaseException]] = [OSError, DatabaseError]
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis is installed with the test extra
        pass
    else:
        types.append(RedisError)
    try:
        from pymemcache.exceptions import MemcacheError  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:  # pragma: no cover - pymemcache is not a test dependency
        types.append(MemcacheError)
    return tuple(types)


@contextmanager
def guarded(alias: str, what: str) -> Iterator[None]:
    """Run a block of cache calls; a cache failure becomes :class:`CacheUnavailableError`.

    ``what`` says what the block needed the cache for (``"circuit breaker"``, ...); the
    message names it, the cache alias and the exception class, never a key or a value.
    """
    try:
        yield
    except failure_types() as error:
        name = type(error).__name__
        raise CacheUnavailableError(
            f"The cache {alias!r} is unreachable ({what}: {name}).", cause=name
        ) from None
