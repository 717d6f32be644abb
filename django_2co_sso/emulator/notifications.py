"""IPN and LCN delivery: signed form posts to the listeners, read receipts, retries, a log.

:meth:`Notifier.send` signs a notification (:mod:`.signing`) and queues one delivery per
listener URL of its kind; it returns at once (a shopper's request never waits). A background
thread posts each delivery (``application/x-www-form-urlencoded``, UTF-8, fields in order) and
checks the answer: HTTP 2xx carrying a valid read receipt ends it; anything else (another
status, no or a wrong receipt, a connection error or timeout) is retried on 2Checkout's
schedule: at once, twice within 5 minutes, 4 times 15 minutes apart, then hourly up to 2 days
after the first attempt (:data:`RETRY_OFFSETS`). ``speedup`` divides that schedule (60 turns
5 minutes into 5 seconds); due times are read on the emulator's :class:`~.clock.Clock`, so
``clock.advance()`` triggers retries in tests. At most :attr:`Notifier.workers` deliveries
are in flight at once (4; 1 sends them one after the other, oldest first). Every attempt is
recorded (:meth:`Notifier.log`): time, kind, URL, attempt number, HTTP status, whether the
receipt was valid, error text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

from .clock import Clock
from .signing import receipt_is_valid, sign_notification

KINDS: Final = ("ipn", "lcn")


def _schedule() -> tuple[float, ...]:
    offsets = [0.0, 150.0, 300.0]  # at once, twice within 5 minutes
    offsets += [300.0 + 900.0 * k for k in range(1, 5)]  # 4 times 15 minutes apart
    last = offsets[-1]
    while last + 3600.0 <= 2 * 86400.0:  # then hourly for up to 2 days
        last += 3600.0
        offsets.append(last)
    return tuple(offsets)


#: Seconds after the first attempt at which each attempt is made (uncompressed).
RETRY_OFFSETS: Final = _schedule()
#: Seconds one attempt may take before it counts as failed.
ATTEMPT_TIMEOUT: Final = 10.0
#: Most bytes of a listener's answer read (a receipt is short).
MAX_ANSWER: Final = 65536
#: How many attempts the log keeps.
LOG_SIZE: Final = 10_000


def check_listener_url(url: object) -> str:
    """Return ``url`` if it is an absolute http(s) URL, else raise :class:`ValueError`."""
    if not isinstance(url, str):
        raise ValueError("a listener URL must be a string")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an absolute http(s) listener URL: {url!r}")
    return url


@dataclasses.dataclass
class Delivery:
    """One notification on its way to one listener URL."""

    id: int
    kind: str
    url: str
    fields: list[tuple[str, str]]
    reference: str
    first_due: float
    attempts: int = 0
    done: bool = False
    given_up: bool = False
    in_flight: bool = False
    generation: int = 0

    def next_due(self, speedup: float) -> float | None:
        """Emulator time of the next attempt, or None when no attempt is left."""
        if self.done or self.attempts >= len(RETRY_OFFSETS):
            return None
        return self.first_due + RETRY_OFFSETS[self.attempts] / speedup


class Notifier:
    """Listeners, the delivery queue, its worker thread and the delivery log; thread-safe."""

    def __init__(
        self,
        clock: Clock,
        secret_key: str,
        *,
        ipn_urls: Iterable[str] = (),
        lcn_urls: Iterable[str] = (),
        speedup: float = 1.0,
        workers: int = 4,
        poll_interval: float = 0.02,
    ) -> None:
        if not speedup > 0:
            raise ValueError("the retry speed-up must be a positive number")
        self._clock = clock
        self._secret_key = secret_key
        self.speedup = float(speedup)
        #: How many deliveries may be in flight at once (1 = one after the other, in order);
        #: may be changed at any time.
        self.workers = workers
        self._poll = poll_interval
        self._initial = {
            "ipn": [check_listener_url(u) for u in ipn_urls],
            "lcn": [check_listener_url(u) for u in lcn_urls],
        }
        self._listeners = {kind: list(urls) for kind, urls in self._initial.items()}
        self._ids = itertools.count(1)
        self._lock = threading.Condition()
        self._queue: list[Delivery] = []
        self._log: list[dict[str, Any]] = []
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._stopping = False
        self._generation = 0  # bumped by clear(): attempts of older deliveries are not logged
        self._sending = 0  # attempts under way, those of cleared deliveries included

    # -- listeners -------------------------------------------------------------------------
    def listeners(self) -> dict[str, list[str]]:
        """The listener URLs per kind."""
        with self._lock:
            return {kind: list(urls) for kind, urls in self._listeners.items()}

    def set_listeners(
        self, ipn: Sequence[str] | None = None, lcn: Sequence[str] | None = None
    ) -> None:
        """Replace the IPN and/or LCN listener URLs (None keeps that kind's list)."""
        checked = {
            kind: [check_listener_url(u) for u in urls]
            for kind, urls in (("ipn", ipn), ("lcn", lcn))
            if urls is not None
        }
        with self._lock:
            self._listeners.update(checked)

    def add_listener(self, kind: str, url: str) -> None:
        """Add one listener URL of ``kind`` (``ipn`` or ``lcn``)."""
        if kind not in KINDS:
            raise ValueError("kind must be ipn or lcn")
        check_listener_url(url)
        with self._lock:
            if url not in self._listeners[kind]:
                self._listeners[kind].append(url)

    # -- sending ---------------------------------------------------------------------------
    def send(self, kind: str, fields: Sequence[tuple[str, str]], reference: str) -> list[int]:
        """Sign ``fields`` and queue one delivery per ``kind`` listener; return their ids."""
        signed = sign_notification(self._secret_key, fields)
        now = self._clock.now()
        with self._lock:
            deliveries = [
                Delivery(
                    next(self._ids),
                    kind,
                    url,
                    list(signed),
                    reference,
                    now,
                    generation=self._generation,
                )
                for url in self._listeners[kind]
            ]
            self._queue.extend(deliveries)
            self._ensure_worker_locked()
            self._lock.notify_all()
        return [d.id for d in deliveries]

    def log(self) -> list[dict[str, Any]]:
        """Every attempt so far, oldest first (JSON-ready; no signature values)."""
        with self._lock:
            return [dict(entry) for entry in self._log]

    def pending(self) -> int:
        """How many deliveries still wait for a valid receipt (and have attempts left)."""
        with self._lock:
            return sum(1 for d in self._queue if not d.done and not d.given_up)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no attempt is under way (also one of a delivery forgotten by
        :meth:`clear`) and none is due now; return whether that happened in time."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            with self._lock:
                while not deadline.is_set():
                    now = self._clock.now()
                    busy = self._sending > 0 or any(
                        (due := d.next_due(self.speedup)) is not None and due <= now
                        for d in self._queue
                        if not d.done and not d.given_up
                    )
                    if not busy:
                        return True
                    self._lock.wait(self._poll)
            return False
        finally:
            timer.cancel()

    def clear(self) -> None:
        """Forget queued deliveries and the log; restore the listeners given at creation."""
        with self._lock:
            self._generation += 1
            self._queue.clear()
            self._log.clear()
            self._listeners = {kind: list(urls) for kind, urls in self._initial.items()}

    def stop(self) -> None:
        """Stop the worker thread (queued deliveries stay queued)."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
            thread, self._thread = self._thread, None
            pool, self._pool = self._pool, None
        if thread is not None:
            thread.join(timeout=5)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            self._stopping = False
        self._generation = 0  # bumped by clear(): attempts of older deliveries are not logged
        self._sending = 0  # attempts under way, those of cleared deliveries included

    # -- worker ----------------------------------------------------------------------------
    def _ensure_worker_locked(self) -> None:
        if self._thread is None:
            self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="emulator-notify")
            self._thread = threading.Thread(target=self._run, name="emulator-notifier", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                now = self._clock.now()
                due: list[Delivery] = []
                free = max(1, self.workers) - sum(1 for d in self._queue if d.in_flight)
                for delivery in self._queue:
                    if delivery.done or delivery.given_up or delivery.in_flight:
                        continue
                    when = delivery.next_due(self.speedup)
                    if when is None:
                        delivery.given_up = True
                    elif when <= now and len(due) < free:
                        delivery.in_flight = True
                        self._sending += 1
                        due.append(delivery)
                self._queue = [d for d in self._queue if not (d.done or d.given_up)]
                pool = self._pool
                if not due:
                    self._lock.wait(self._poll)
                    continue
            assert pool is not None
            for delivery in due:
                try:
                    pool.submit(self._attempt, delivery)
                except RuntimeError:  # pragma: no cover - the pool shut down meanwhile
                    return

    def _attempt(self, delivery: Delivery) -> None:
        body = urlencode(delivery.fields, encoding="utf-8").encode("ascii")
        request = urllib.request.Request(  # noqa: S310 - check_listener_url allows http(s) only
            delivery.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "2CheckoutEmulator-Notifications/1.0",
            },
        )
        status: int | None = None
        valid = False
        # Only http(s) URLs get here (check_listener_url), so urlopen opens no file: URL.
        error: str | None = None
        try:
            with urllib.request.urlopen(request, timeout=ATTEMPT_TIMEOUT) as answer:  # noqa: S310
                status = int(answer.status)
                text = answer.read(MAX_ANSWER).decode("utf-8", "replace")
            valid = 200 <= status < 300 and receipt_is_valid(
                delivery.kind, self._secret_key, delivery.fields, text
            )
            if not valid:
                error = "no valid read receipt"
        except urllib.error.HTTPError as exc:
            status, error = exc.code, f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            error = type(exc).__name__
        with self._lock:
            delivery.attempts += 1
            delivery.in_flight = False
            self._sending -= 1
            delivery.done = valid
            if delivery.generation != self._generation:  # sent before a reset: forgotten
                self._lock.notify_all()
                return
            self._log.append(
                {
                    "delivery": delivery.id,
                    "kind": delivery.kind,
                    "reference": delivery.reference,
                    "url": delivery.url,
                    "attempt": delivery.attempts,
                    "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                    "clock": round(self._clock.now(), 3),
                    "status": status,
                    "receipt_valid": valid,
                    "error": error,
                    "next_attempt_in": _remaining(delivery, self.speedup, self._clock.now()),
                }
            )
            del self._log[:-LOG_SIZE]
            self._lock.notify_all()


def _remaining(delivery: Delivery, speedup: float, now: float) -> float | None:
    due = delivery.next_due(speedup)
    return None if due is None else round(max(0.0, due - now), 3)
