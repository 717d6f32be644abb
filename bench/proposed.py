"""The client change proposed in ``bench/proposed-client-memo.diff``, applied in-process only.

The library reads the cache twice per redirect in steady state: the circuit breaker's open
flag (``CircuitBreaker.is_open``) and the shared sessionID (``SessionStore.obtain``). The
proposal remembers both in the process for a short time (the sessionID for
``min(30, SESSION_LIFETIME, 600 - SESSION_LIFETIME - 1)`` s, a "closed" breaker for 1 s), so
a redirect reads nothing from the cache. :func:`client_memo` patches the same behaviour in
around a block of calls, so ``bench.inprocess layers`` can time the client with and without
it. Once the library has the change, the two rows are the same and this can go.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

LOCAL_TTL = 30.0
CLOSED_RECHECK = 1.0


@contextlib.contextmanager
def client_memo() -> Iterator[None]:
    from django_2co_sso.circuit import CircuitBreaker
    from django_2co_sso.session_store import SessionStore

    obtain, discard, is_open = SessionStore.obtain, SessionStore.discard, CircuitBreaker.is_open

    def memo_obtain(self: Any, login: Any) -> str:
        local = self.__dict__.get("_bench_local")
        if local is not None and time.monotonic() < local[1]:
            return str(local[0])
        session_id = obtain(self, login)
        ttl = max(0.0, min(LOCAL_TTL, self.lifetime, 600 - self.lifetime - 1))
        if ttl:
            self._bench_local = (session_id, time.monotonic() + ttl)
        return str(session_id)

    def memo_discard(self: Any, session_id: str) -> None:
        self._bench_local = None
        discard(self, session_id)

    def memo_is_open(self: Any) -> bool:
        if self.threshold <= 0 or time.monotonic() < self.__dict__.get("_bench_closed", 0.0):
            return False
        if is_open(self):
            return True
        self._bench_closed = time.monotonic() + CLOSED_RECHECK
        return False

    SessionStore.obtain = memo_obtain  # type: ignore[method-assign]
    SessionStore.discard = memo_discard  # type: ignore[method-assign]
    CircuitBreaker.is_open = memo_is_open  # type: ignore[method-assign]
    try:
        yield
    finally:
        SessionStore.obtain = obtain  # type: ignore[method-assign]
        SessionStore.discard = discard  # type: ignore[method-assign]
        CircuitBreaker.is_open = is_open  # type: ignore[method-assign]
