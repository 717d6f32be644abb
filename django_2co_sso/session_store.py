"""The 2Checkout sessionID, shared by every process through the Django cache.

A sessionID lives 10 minutes from login. :class:`SessionStore` keeps it in the cache
(so every worker and host behind the same Redis reuses it) for ``lifetime`` seconds,
under a key built from the merchant code, API URL and protocol, never the secret.

Logging in happens once, not once per caller:

* **one login per process**: a thread takes the process's login lock before anything
  else; the other threads of the process wait for it, whatever happens to the login;
* **one login per cluster while the lock holds**: the thread then takes the shared lock
  with ``cache.add`` (atomic on Redis, Memcached, the database and local-memory caches).
  The lock lives ``max(lock_timeout, login_timeout)`` seconds (plus one), so it outlasts
  a login that hangs until its own deadline;
* **waiters re-check before anything**: while waiting, a caller looks again for the shared
  session, for the circuit breaker (``before_login``, which raises when it is open), and
  for the outcome of the login it waited for: when that login failed, the waiter fails
  with it (an :class:`~django_2co_sso.exceptions.AuthenticationError` stays one, anything
  else is a :class:`~django_2co_sso.exceptions.ServiceUnavailableError` with code
  ``LOGIN_UNAVAILABLE``) instead of logging in itself. A waiter that gets neither a session
  nor the lock within ``lock_timeout`` fails the same way; it never logs in without the lock.

Cache failures raise :class:`~django_2co_sso.exceptions.CacheUnavailableError`.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import BaseCache, caches

from .exceptions import AuthenticationError, ServiceUnavailableError, UpstreamError
from .shared_cache import guarded

_POLL_INTERVAL = 0.01
#: Seconds a process reuses the sessionID it last saw without reading the cache again.
LOCAL_TTL = 30.0
#: How long 2Checkout keeps a sessionID after login (seconds).
UPSTREAM_LIFETIME = 600
#: The code of the error a waiter raises when the login it waited for did not give a session.
LOGIN_UNAVAILABLE = "LOGIN_UNAVAILABLE"

_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(key: str) -> threading.Lock:
    """The one login lock of this process for the session under ``key``."""
    with _process_locks_guard:
        return _process_locks.setdefault(key, threading.Lock())


class SessionStore:
    """Get, create once, and drop the shared sessionID of one merchant account.

    ``login`` is called to make a new sessionID; it may raise, in which case the locks are
    released, the failure is left in the cache for the callers that were waiting, and the
    error propagates to the caller that held the lock. ``login_timeout`` is the longest a
    login can take (its call deadline); the shared lock lives at least that long.
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
        login_timeout: float = 0.0,
    ) -> None:
        scope = hashlib.sha256(f"{merchant_code}\n{api_url}\n{protocol}".encode()).hexdigest()[:24]
        self._cache_alias = cache_alias
        self.key = f"{key_prefix}:session:{scope}"
        self.lock_key = f"{key_prefix}:session-lock:{scope}"
        self.failure_key = f"{key_prefix}:session-login-failed:{scope}"
        self.lifetime = lifetime
        self.lock_timeout = lock_timeout
        self.lock_ttl = max(1, math.ceil(max(lock_timeout, login_timeout)) + 1)
        self._local_ttl = max(0.0, min(LOCAL_TTL, lifetime, UPSTREAM_LIFETIME - lifetime - 1))
        self._local: tuple[str, float] | None = None
        self._login_lock = _process_lock(self.key)

    def __repr__(self) -> str:
        return f"<SessionStore key={self.key!r}>"

    @property
    def cache(self) -> BaseCache:
        """The cache in use, looked up now (tests may swap caches)."""
        return caches[self._cache_alias]

    def _cache_call(self, call: Callable[[BaseCache], Any]) -> Any:
        with guarded(self._cache_alias, "shared session"):
            return call(self.cache)

    def get(self) -> str | None:
        """The shared sessionID, or None when there is none."""
        value = self._cache_call(lambda cache: cache.get(self.key))
        return value if isinstance(value, str) and value else None

    def _remember(self, session_id: str) -> str:
        if self._local_ttl:
            self._local = (session_id, time.monotonic() + self._local_ttl)
        return session_id

    def obtain(
        self, login: Callable[[], str], *, before_login: Callable[[], None] | None = None
    ) -> str:
        """The shared sessionID, logging in through ``login`` if there is none.

        ``before_login`` is called before a login and on every wait, and may raise to stop
        (the circuit breaker's ``before_call``). See the module docstring for who logs in.
        The sessionID this process last saw is reused without a cache read for
        ``LOCAL_TTL`` seconds.
        """
        local = self._local
        if local is not None and time.monotonic() < local[1]:
            return local[0]
        return self._remember(self._obtain(login, before_login or _nothing))

    def _obtain(self, login: Callable[[], str], before_login: Callable[[], None]) -> str:
        session_id = self.get()
        if session_id:
            return session_id
        started = time.time()
        deadline = time.monotonic() + self.lock_timeout
        while True:
            if self._login_lock.acquire(blocking=False):
                try:
                    session_id = self._login_with_shared_lock(login, before_login, started)
                finally:
                    self._login_lock.release()
                if session_id:
                    return session_id
            time.sleep(_POLL_INTERVAL)
            session_id = self.get()
            if session_id:
                return session_id
            self._raise_failure_since(started)
            before_login()
            if time.monotonic() >= deadline:
                raise ServiceUnavailableError(
                    "Another worker's login to 2Checkout did not give a session within "
                    "LOGIN_LOCK_TIMEOUT; not logging in a second time.",
                    code=LOGIN_UNAVAILABLE,
                )

    def _login_with_shared_lock(
        self, login: Callable[[], str], before_login: Callable[[], None], started: float
    ) -> str | None:
        """Log in if this caller gets the shared lock and still finds no session, else None."""
        owner = uuid.uuid4().hex
        if not self._cache_call(lambda cache: cache.add(self.lock_key, owner, self.lock_ttl)):
            return None
        try:
            session_id = self.get()  # another process may have finished meanwhile
            if session_id:
                return session_id
            self._raise_failure_since(started)
            before_login()
            try:
                session_id = login()
            except UpstreamError as error:
                failure = (isinstance(error, AuthenticationError), error.code, time.time())
                self._cache_call(lambda cache: cache.set(self.failure_key, failure, self.lock_ttl))
                raise
            self._cache_call(lambda cache: cache.set(self.key, session_id, self.lifetime))
            self._cache_call(lambda cache: cache.delete(self.failure_key))
            return session_id
        finally:
            self._cache_call(
                lambda cache: (
                    cache.delete(self.lock_key) if cache.get(self.lock_key) == owner else None
                )
            )

    def _raise_failure_since(self, started: float) -> None:
        """Raise the failure of a login that ended after ``started`` (wall clock), if any."""
        failure = self._cache_call(lambda cache: cache.get(self.failure_key))
        if not isinstance(failure, tuple) or len(failure) != 3 or failure[2] < started:
            return
        refused, code, _at = failure
        if refused:
            raise AuthenticationError(
                "2Checkout refused the login another caller made just now.",
                code=code,
                method="login",
            )
        raise ServiceUnavailableError(
            f"The login to 2Checkout that this call waited for failed ({code}).",
            code=LOGIN_UNAVAILABLE,
        )

    def discard(self, session_id: str) -> None:
        """Forget ``session_id`` if it is still the shared one (not a newer one)."""
        self._local = None
        if self.get() == session_id:
            self._cache_call(lambda cache: cache.delete(self.key))


def _nothing() -> None:
    """The default ``before_login``: nothing stops a login."""
