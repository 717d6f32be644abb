"""API sessions: what ``login`` returns and every SOAP/JSON-RPC call presents.

A sessionID is 32 random hex characters and lives ``lifetime`` seconds (default 600) from login
on the emulator clock, however often it is used (the notes leave "from login or from last use"
unconfirmed and recommend "from login"). An expired or unknown sessionID fails with
``SESSION_EXPIRED``. A session remembers the partner chosen with ``setPartner``.
"""

from __future__ import annotations

import collections
import dataclasses
import secrets
import threading

from .clock import Clock
from .errors import ApiError

#: How many issued sessionIDs :attr:`SessionStore.issued` remembers.
ISSUED_HISTORY = 100_000


@dataclasses.dataclass
class Session:
    """One login session; ``partner_code`` is set by ``setPartner``."""

    session_id: str
    expires_at: float
    partner_code: str | None = None


class SessionStore:
    """Issues and checks sessionIDs; thread-safe."""

    def __init__(self, clock: Clock, lifetime: float = 600.0) -> None:
        self._clock = clock
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._issued: collections.deque[str] = collections.deque(maxlen=ISSUED_HISTORY)

    def create(self) -> Session:
        """Start a session valid for :attr:`lifetime` seconds and return it."""
        session = Session(secrets.token_hex(16), self._clock.now() + self.lifetime)
        with self._lock:
            self._purge_locked()
            self._sessions[session.session_id] = session
            self._issued.append(session.session_id)
        return session

    def get(self, session_id: object) -> Session:
        """Return the live session ``session_id`` or raise ``SESSION_EXPIRED``."""
        if not isinstance(session_id, str) or not session_id:
            raise ApiError("SESSION_EXPIRED", "Session expired or invalid: sessionID is required.")
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None:
            raise ApiError("SESSION_EXPIRED", "Session expired or invalid: unknown sessionID.")
        if self._clock.now() >= session.expires_at:
            raise ApiError("SESSION_EXPIRED", "Session expired: log in again.")
        return session

    def expire_all(self) -> int:
        """Expire every current session (they stay known, reported as expired); return how many."""
        now = self._clock.now()
        with self._lock:
            for session in self._sessions.values():
                session.expires_at = min(session.expires_at, now)
            return len(self._sessions)

    def active_count(self) -> int:
        """How many sessions are still valid."""
        now = self._clock.now()
        with self._lock:
            return sum(1 for s in self._sessions.values() if s.expires_at > now)

    @property
    def issued(self) -> list[str]:
        """Every sessionID issued since the last :meth:`clear` (the last 100 000)."""
        with self._lock:
            return list(self._issued)

    def clear(self) -> None:
        """Forget every session and the issued list."""
        with self._lock:
            self._sessions.clear()
            self._issued.clear()

    def _purge_locked(self) -> None:
        # Keep expired sessions an hour so they still answer "expired", then drop them.
        if len(self._sessions) < 1024:
            return
        horizon = self._clock.now() - 3600.0
        for key in [k for k, s in self._sessions.items() if s.expires_at < horizon]:
            del self._sessions[key]
