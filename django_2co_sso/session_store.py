"""The 2Checkout sessionID, shared by every process through the Django cache.

A sessionID lives 10 minutes from login. :class:`SessionStore` keeps it in the cache
(so every worker and host behind the same Redis reuses it) for ``lifetime`` seconds,
under a key built from the merchant code, API URL and protocol, never the secret.

Concurrent callers that find no session log in once, not once each: the first takes a
lock with ``cache.add`` (atomic on Redis, Memcached, the database and local-memory
caches), the others wait for the session it stores.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable

from django.core.cache import BaseCache, caches

_POLL_INTERVAL = 0.01
#: Seconds a process reuses the sessionID it last saw without reading the cache again.
LOCAL_TTL = 30.0
#: How long 2Checkout keeps a sessionID after login (seconds).
UPSTREAM_LIFETIME = 600


class SessionStore:
    """Get, create once, and drop the shared sessionID of one merchant account.

    ``login`` is called to make a new sessionID; it may raise, in which case the lock is
    released and the error propagates to the caller that held it.
    """

    def __init__(
        self,
        *,
        cache_alias: str,
        key_prefix: str,
        merchant_code: str,
        api_url: str,
        protocol: str,
        lifetime: int,
        lock_timeout: float,
    ) -> None:
        scope = hashlib.sha256(f"{merchant_code}\n{api_url}\n{protocol}".encode()).hexdigest()[:24]
        self._cache_alias = cache_alias
        self.key = f"{key_prefix}:session:{scope}"
        self.lock_key = f"{key_prefix}:session-lock:{scope}"
        self.lifetime = lifetime
        self.lock_timeout = lock_timeout
        self._local_ttl = max(0.0, min(LOCAL_TTL, lifetime, UPSTREAM_LIFETIME - lifetime - 1))
        self._local: tuple[str, float] | None = None

    def __repr__(self) -> str:
        return f"<SessionStore key={self.key!r}>"

    @property
    def cache(self) -> BaseCache:
        """The cache in use, looked up now (tests may swap caches)."""
        return caches[self._cache_alias]

    def get(self) -> str | None:
        """The shared sessionID, or None when there is none."""
        value = self.cache.get(self.key)
        return value if isinstance(value, str) and value else None

    def _remember(self, session_id: str) -> str:
        if self._local_ttl:
            self._local = (session_id, time.monotonic() + self._local_ttl)
        return session_id

    def obtain(self, login: Callable[[], str]) -> str:
        """The shared sessionID, logging in through ``login`` if there is none.

        Only one caller at a time logs in; the others wait up to ``lock_timeout`` for the
        session it stores, and then log in themselves if it never came. The sessionID this
        process last saw is reused without a cache read for ``LOCAL_TTL`` seconds.
        """
        local = self._local
        if local is not None and time.monotonic() < local[1]:
            return local[0]
        return self._remember(self._obtain(login))

    def _obtain(self, login: Callable[[], str]) -> str:
        session_id = self.get()
        if session_id:
            return session_id
        deadline = time.monotonic() + self.lock_timeout
        while True:
            owner = uuid.uuid4().hex
            if self.cache.add(self.lock_key, owner, timeout=max(1, round(self.lock_timeout))):
                try:
                    session_id = self.get()  # another process may have finished meanwhile
                    if session_id:
                        return session_id
                    session_id = login()
                    self.cache.set(self.key, session_id, timeout=self.lifetime)
                    return session_id
                finally:
                    if self.cache.get(self.lock_key) == owner:
                        self.cache.delete(self.lock_key)
            time.sleep(_POLL_INTERVAL)
            session_id = self.get()
            if session_id:
                return session_id
            if time.monotonic() >= deadline:
                # The lock holder is stuck or failed without storing a session: log in here.
                session_id = login()
                self.cache.set(self.key, session_id, timeout=self.lifetime)
                return session_id

    def discard(self, session_id: str) -> None:
        """Forget ``session_id`` if it is still the shared one (not a newer one)."""
        self._local = None
        if self.get() == session_id:
            self.cache.delete(self.key)
