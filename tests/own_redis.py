"""A redis-server of the test's own, on a free 127.0.0.1 port, that the test may stop.

The shared Redis of the machine is never stopped: tests that need a cache going away start
this one (``redis-server`` from the system; skipped when it is not installed).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


class OwnRedis:
    """A running redis-server; :meth:`stop` ends it for good."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("needs redis-server")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self._answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                pytest.fail("redis-server did not start")
            time.sleep(0.02)

    def _answers(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection,
        ):
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
        return False

    def stop(self) -> None:
        """Stop the server and wait until its port refuses connections."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
                self.process.kill()
                self.process.wait(timeout=10)

    def cache_settings(self) -> dict[str, str]:
        """A ``CACHES`` entry for this server."""
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": self.url}


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    """A redis-server of this test's own, stopped at the end at the latest."""
    server = OwnRedis(tmp_path)
    try:
        yield server
    finally:
        server.stop()
