"""Call counters and service times, per operation and protocol.

Every handled API call is recorded under its protocol (``soap``, ``rpc``, ``rest``) and operation
name, including calls that failed or hit an injected fault (a test counts retries this way).
Other recorded requests: the WSDL download (``soap``/``wsdl``) and the landing pages
(``landing``/``myaccount_page``, ``cart_page``, ``cpanel_page``). Control requests are not
recorded. The service time of a request runs from having read it to being ready to write the
answer (an injected delay included).
"""

from __future__ import annotations

import collections
import math
import threading
import time
from typing import Any

#: Service times kept per (protocol, operation) for percentiles.
SAMPLES_KEPT = 10_000


def _percentile(sorted_ms: list[float], fraction: float) -> float:
    if not sorted_ms:
        return 0.0
    index = max(0, math.ceil(fraction * len(sorted_ms)) - 1)
    return sorted_ms[index]


class _Series:
    __slots__ = ("count", "max_ms", "samples", "total_ms")

    def __init__(self) -> None:
        self.count = 0
        self.total_ms = 0.0
        self.max_ms = 0.0
        self.samples: collections.deque[float] = collections.deque(maxlen=SAMPLES_KEPT)

    def add(self, ms: float) -> None:
        self.count += 1
        self.total_ms += ms
        self.max_ms = max(self.max_ms, ms)
        self.samples.append(ms)

    def summary(self) -> dict[str, float | int]:
        ordered = sorted(self.samples)
        return {
            "count": self.count,
            "mean_ms": round(self.total_ms / self.count, 4) if self.count else 0.0,
            "p50_ms": round(_percentile(ordered, 0.50), 4),
            "p95_ms": round(_percentile(ordered, 0.95), 4),
            "p99_ms": round(_percentile(ordered, 0.99), 4),
            "max_ms": round(self.max_ms, 4),
        }


class CallStats:
    """Counts and service times of recorded requests; thread-safe.

    ``stats["login"]`` is the number of ``login`` calls over every protocol (0 if none).
    A request that started before the last :meth:`reset` is not recorded when it ends
    (a delayed answer whose client gave up must not count in the next test).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[tuple[str, str], _Series] = {}
        self._reset_at = time.perf_counter()

    def record(self, protocol: str, operation: str, seconds: float) -> None:
        """Record one request of ``operation`` over ``protocol`` that just took ``seconds``."""
        started = time.perf_counter() - seconds
        with self._lock:
            if started < self._reset_at:
                return
            series = self._series.get((protocol, operation))
            if series is None:
                series = self._series[(protocol, operation)] = _Series()
            series.add(seconds * 1000.0)

    def count(self, operation: str | None = None, protocol: str | None = None) -> int:
        """How many requests matched ``operation`` and ``protocol`` (None = any)."""
        with self._lock:
            return sum(
                s.count
                for (proto, op), s in self._series.items()
                if operation in (None, op) and protocol in (None, proto)
            )

    def __getitem__(self, operation: str) -> int:
        return self.count(operation)

    @property
    def total(self) -> int:
        """How many requests were recorded."""
        return self.count()

    def counts(self) -> dict[str, int]:
        """Requests per operation, all protocols together."""
        result: dict[str, int] = {}
        with self._lock:
            for (_proto, op), series in self._series.items():
                result[op] = result.get(op, 0) + series.count
        return result

    def counts_by_protocol(self) -> dict[str, dict[str, int]]:
        """Requests per protocol, then per operation."""
        result: dict[str, dict[str, int]] = {}
        with self._lock:
            for (proto, op), series in self._series.items():
                result.setdefault(proto, {})[op] = series.count
        return result

    def service_times_ms(
        self, operation: str | None = None, protocol: str | None = None
    ) -> list[float]:
        """The kept service times in milliseconds of the matching requests."""
        with self._lock:
            return [
                ms
                for (proto, op), s in self._series.items()
                if operation in (None, op) and protocol in (None, proto)
                for ms in s.samples
            ]

    def snapshot(self) -> dict[str, Any]:
        """Everything, as the ``GET /__emulator__/calls`` JSON: ``total``, ``operations``
        (per operation), ``protocols`` (per protocol, then operation) and ``service_time``
        (per ``"protocol:operation"``: count, mean, p50, p95, p99, max in ms)."""
        with self._lock:
            timing = {f"{proto}:{op}": s.summary() for (proto, op), s in self._series.items()}
        return {
            "total": self.total,
            "operations": self.counts(),
            "protocols": self.counts_by_protocol(),
            "service_time": timing,
        }

    def reset(self) -> None:
        """Forget everything, including requests still being answered."""
        with self._lock:
            self._series.clear()
            self._reset_at = time.perf_counter()
