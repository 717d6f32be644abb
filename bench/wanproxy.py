"""A TCP proxy on 127.0.0.1 that adds a wide-area round trip between a client and a server.

``python -m bench.wanproxy --upstream 127.0.0.1:PORT --rtt-ms 40`` prints
``wanproxy listening on 127.0.0.1:PORT`` and relays every connection to the upstream with
half the round-trip time added in each direction. The delay is pipelined as on a real link:
each chunk is timestamped when it arrives and a scheduler (``loop.call_at``) releases it at
arrival + RTT/2, so bytes in flight overlap and a burst of chunks costs one delay, not one per
chunk. A new connection pays the TCP handshake: nothing the client sends is released before
one RTT after the connection was accepted (the SYN, SYN-ACK the client would wait for), so a
TLS handshake on top costs its own round trips as it would on the Internet.

Bandwidth is not limited and no packet is lost: the figures it gives are a lower bound of
what the Internet costs. ``SIGUSR1`` closes every open connection at once, as a server that
closes idle keep-alive connections does (the client sees the close and reconnects).

:class:`DelayProxy` runs the same in a background thread of the calling process (tests).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence

#: First bytes of a TLS handshake record (a ClientHello on a new connection).
TLS_HANDSHAKE = b"\x16\x03"


class DelayProxy:
    """Relays 127.0.0.1 connections to ``upstream`` with ``rtt_ms`` added per round trip.

    ``connections`` counts accepted connections and ``tls_handshakes`` those whose first
    bytes from the client were a TLS handshake record.
    """

    def __init__(
        self, upstream: tuple[str, int], rtt_ms: float, listen: tuple[str, int] = ("127.0.0.1", 0)
    ) -> None:
        if rtt_ms < 0:
            raise ValueError("rtt_ms must not be negative")
        self.upstream = upstream
        self.rtt = rtt_ms / 1000.0
        self.listen = listen
        self.connections = 0
        self.tls_handshakes = 0
        self._transports: set[asyncio.WriteTransport] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    # -- running -------------------------------------------------------------------------------
    async def open(self) -> tuple[str, int]:
        """Start listening on the running loop; return the bound address."""
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_server(self._handle, *self.listen)
        host, port = self._server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    def start(self) -> tuple[str, int]:
        """Serve in a daemon thread with its own event loop; return the bound address."""
        ready: list[tuple[str, int]] = []
        started = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            ready.append(loop.run_until_complete(self.open()))
            started.set()
            loop.run_forever()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="wanproxy", daemon=True)
        self._thread.start()
        if not started.wait(10) or not ready:
            raise RuntimeError("the delay proxy did not start")
        return ready[0]

    def stop(self) -> None:
        """Close the listener and every connection; end the thread started by :meth:`start`."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def close() -> None:
            if self._server is not None:
                self._server.close()
            self._close_all()
            loop.stop()

        loop.call_soon_threadsafe(close)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def drop_connections(self) -> None:
        """Close every open connection now (thread-safe), as an idle-closing server does."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._close_all)

    def _close_all(self) -> None:
        for transport in list(self._transports):
            transport.close()
        self._transports.clear()

    # -- one connection ------------------------------------------------------------------------
    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        self.connections += 1
        try:
            upstream_r, upstream_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        pair = (client_w.transport, upstream_w.transport)
        self._transports.update(pair)
        try:
            await asyncio.gather(
                self._pipe(client_r, upstream_w, not_before=accepted + self.rtt, first=True),
                self._pipe(upstream_r, client_w, not_before=accepted),
            )
        finally:
            for transport in pair:
                self._transports.discard(transport)
                transport.close()

    async def _pipe(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        *,
        not_before: float,
        first: bool = False,
    ) -> None:
        """Copy ``source`` to ``sink``, each chunk released at arrival + RTT/2."""
        loop = asyncio.get_running_loop()
        half = self.rtt / 2
        last = 0.0
        done = loop.create_future()

        def release(data: bytes) -> None:
            if sink.transport.is_closing():
                return
            if data:
                sink.write(data)
            else:
                with contextlib.suppress(OSError, RuntimeError):
                    if sink.can_write_eof():
                        sink.write_eof()

        while True:
            try:
                data = await source.read(65536)
            except (ConnectionError, OSError):
                data = b""
            if first and data:
                first = False
                if data.startswith(TLS_HANDSHAKE):
                    self.tls_handshakes += 1
            # strictly increasing, so chunks due at the same instant keep their order
            when = max(loop.time(), not_before) + half
            when = last = max(when, last + 1e-6)
            loop.call_at(when, release, data)
            if not data:
                loop.call_at(when, lambda: done.done() or done.set_result(None))
                break
        await done


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m bench.wanproxy``: serve until SIGTERM or Ctrl-C; SIGUSR1 drops connections."""
    parser = argparse.ArgumentParser(prog="python -m bench.wanproxy", description=__doc__)
    parser.add_argument("--upstream", required=True, help="HOST:PORT to relay to")
    parser.add_argument("--rtt-ms", type=float, default=40.0, help="round-trip time added (ms)")
    options = parser.parse_args(argv)
    host, _, port = options.upstream.rpartition(":")
    proxy = DelayProxy((host, int(port)), options.rtt_ms)

    async def serve() -> None:
        bound = await proxy.open()
        loop = asyncio.get_running_loop()
        stopped = loop.create_future()
        loop.add_signal_handler(signal.SIGUSR1, proxy._close_all)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, lambda: stopped.done() or stopped.set_result(None))
        print(
            f"wanproxy listening on {bound[0]}:{bound[1]} (RTT {options.rtt_ms:g} ms)", flush=True
        )
        await stopped
        proxy._close_all()

    asyncio.run(serve())
    sys.exit(0)


if __name__ == "__main__":
    main()
