"""The emulator's movable clock.

Sessions and SSO tokens expire on this clock, so a test can jump forward in time with
:meth:`Clock.advance` instead of sleeping. The login ``date`` check does *not* use it: it compares
with the real wall clock, as 2Checkout does.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Final

#: Largest single move of the clock (seconds): ten years.
MAX_ADVANCE: Final = 10 * 365 * 86400.0


class Clock:
    """A monotonic clock in seconds that can be moved forward; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0

    def now(self) -> float:
        """Return the current emulator time in seconds (monotonic time plus the offset)."""
        return time.monotonic() + self._offset

    def wall_now(self) -> dt.datetime:
        """The real UTC time moved forward by the offset (dates of orders and notifications)."""
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self._offset)

    @property
    def offset(self) -> float:
        """Seconds the clock has been moved forward since the last :meth:`reset`."""
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (>= 0) and return the new total offset.

        Raises :class:`ValueError` for a negative or non-finite value (time never goes back) and
        for more than :data:`MAX_ADVANCE` at once (beyond that, float seconds lose the precision
        session and token lifetimes need).
        """
        seconds = float(seconds)
        if not seconds >= 0 or seconds == float("inf"):
            raise ValueError("the emulator clock only moves forward by a finite amount")
        if seconds > MAX_ADVANCE:
            raise ValueError(f"the emulator clock moves at most {MAX_ADVANCE:.0f} s at once")
        with self._lock:
            self._offset += seconds
            return self._offset

    def reset(self) -> None:
        """Put the clock back to real monotonic time (offset 0)."""
        with self._lock:
            self._offset = 0.0
