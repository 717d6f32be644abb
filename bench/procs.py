"""Child processes of the benchmark: the emulator, gunicorn, in-process helpers.

Every process is started in its own process group and registered here; :func:`stop_all`
(called on normal exit, on errors, on Ctrl-C and on SIGTERM) ends each of them by its own
id: SIGTERM to its group, then SIGKILL after a grace period. Nothing is ever killed by name.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
#: Where databases, logs and profiles go (``BENCH_WORK_DIR`` to move it, as the smoke test does).
WORK = Path(os.environ.get("BENCH_WORK_DIR") or ROOT / "bench" / ".work").resolve()

_children: list[subprocess.Popen[Any]] = []


def _register(process: subprocess.Popen[Any]) -> subprocess.Popen[Any]:
    _children.append(process)
    return process


def stop(process: subprocess.Popen[Any], grace: float = 5.0) -> None:
    """End ``process`` (and its group) by id: SIGTERM, then SIGKILL after ``grace``."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=grace)
    if process in _children:
        _children.remove(process)


def stop_all() -> None:
    """Stop every child still registered (newest first)."""
    for process in reversed(list(_children)):
        try:
            stop(process)
        except Exception as error:  # keep stopping the others
            print(f"bench: could not stop pid {process.pid}: {error}", file=sys.stderr)


def _on_signal(signum: int, frame: object) -> None:
    stop_all()
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    """Stop all children at exit and on SIGTERM/SIGINT/SIGHUP."""
    atexit.register(stop_all)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _on_signal)


def _wait_for_line(path: Path, pattern: str, process: subprocess.Popen[Any], timeout: float) -> str:
    """The first match of ``pattern`` in the file ``path`` (written by ``process``)."""
    deadline = time.monotonic() + timeout
    regex = re.compile(pattern)
    while time.monotonic() < deadline:
        if path.exists():
            match = regex.search(path.read_text(errors="replace"))
            if match:
                return match.group(1)
        if process.poll() is not None:
            raise RuntimeError(
                f"process {process.args!r} exited with {process.returncode}:\n"
                + (path.read_text(errors="replace")[-3000:] if path.exists() else "")
            )
        time.sleep(0.02)
    raise RuntimeError(f"timed out waiting for {pattern!r} in {path}")


def _spawn_module(module: str, args: list[str], log: Path) -> subprocess.Popen[Any]:
    """``python -m module ARGS`` in its own process group, output to ``log``, registered."""
    return _register(
        subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", module, *args],
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            start_new_session=True,
        )
    )


class Emulator:
    """``python -m django_2co_sso.emulator`` on a free loopback port, in its own process.

    ``args`` are more options (``--tls-cert``, ``--reference-wsdl``); ``ca`` is the bundle
    that verifies its certificate when it serves https.
    """

    def __init__(self, args: list[str] | None = None, ca: str | None = None) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        self.log = WORK / "emulator.log"
        self.control_token = secrets.token_hex(16)
        self.process = _spawn_module(
            "django_2co_sso.emulator",
            [
                *("--host", "127.0.0.1", "--port", "0"),
                f"--control-token={self.control_token}",
                *(args or []),
            ],
            self.log,
        )
        self.base_url = _wait_for_line(
            self.log, r"listening on (https?://\S+)", self.process, timeout=30
        )
        self.port = int(self.base_url.rsplit(":", 1)[1])
        self.verify: str | bool = ca or True
        self.http = requests.Session()
        self.http.headers["X-Emulator-Token"] = self.control_token

    def calls(self) -> dict[str, Any]:
        """The emulator's counters and service times (``GET /__emulator__/calls``)."""
        response = self.http.get(
            self.base_url + "/__emulator__/calls", timeout=10, verify=self.verify
        )
        response.raise_for_status()
        return dict(response.json())

    def reset_counters(self) -> None:
        """Zero the counters only (sessions stay valid)."""
        self.http.delete(
            self.base_url + "/__emulator__/calls", timeout=10, verify=self.verify
        ).raise_for_status()

    def reset(self) -> None:
        """Everything back to the seed (sessions and tokens forgotten)."""
        self.http.post(
            self.base_url + "/__emulator__/reset", timeout=10, verify=self.verify
        ).raise_for_status()

    def stop(self) -> None:
        self.http.close()
        stop(self.process)


class WanProxy:
    """``python -m bench.wanproxy`` in front of ``upstream_port``, adding ``rtt_ms``."""

    def __init__(self, upstream_port: int, rtt_ms: float) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        self.log = WORK / f"wanproxy-{rtt_ms:g}.log"
        self.rtt_ms = rtt_ms
        self.process = _spawn_module(
            "bench.wanproxy",
            ["--upstream", f"127.0.0.1:{upstream_port}", "--rtt-ms", str(rtt_ms)],
            self.log,
        )
        self.port = int(
            _wait_for_line(self.log, r"listening on 127\.0\.0\.1:(\d+)", self.process, timeout=30)
        )

    def drop_connections(self) -> None:
        """Close every connection through the proxy (SIGUSR1), as an idle timeout does."""
        os.kill(self.process.pid, signal.SIGUSR1)

    def stop(self) -> None:
        stop(self.process)


def pids_of_children(parent: int) -> list[int]:
    """Process ids whose parent is ``parent`` (gunicorn's workers)."""
    children = Path(f"/proc/{parent}/task/{parent}/children")
    if children.exists():
        return [int(pid) for pid in children.read_text().split()]
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


class Gunicorn:
    """The bench project (``bench.wsgi``) under gunicorn on a free loopback port."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        workers: int = 1,
        worker_class: str = "gthread",
        threads: int = 2,
        name: str = "gunicorn",
        config: str | None = None,
        app: str = "bench.wsgi:application",
    ) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        self.log = WORK / f"{name}.log"
        self.log.write_text("")
        self.started = time.perf_counter()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            "127.0.0.1:0",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--log-level",
            "info",
            "--error-logfile",
            str(self.log),
            "--graceful-timeout",
            "3",
            "--timeout",
            "60",
            "--keep-alive",
            "30",
            "--backlog",
            "256",
        ]
        if config:
            command += ["--config", config]
        self.process = _register(
            subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command,
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                cwd=ROOT,
                start_new_session=True,
            )
        )
        port = _wait_for_line(
            self.log, r"Listening at: http://127\.0\.0\.1:(\d+)", self.process, timeout=30
        )
        self.base_url = f"http://127.0.0.1:{port}"
        self.workers = workers

    def worker_pids(self, timeout: float = 30.0) -> list[int]:
        """The pids of all workers once they are all forked."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = pids_of_children(self.process.pid)
            if len(pids) >= self.workers:
                return pids
            time.sleep(0.02)
        raise RuntimeError("gunicorn workers did not start")

    def errors_logged(self) -> list[str]:
        """Lines of gunicorn's log that report errors or worker deaths."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [
            line
            for line in text.splitlines()
            if "[ERROR]" in line or "Traceback" in line or "WORKER TIMEOUT" in line
        ]

    def stop(self) -> None:
        stop(self.process)


def run_helper(args: list[str], env: Mapping[str, str], timeout: float = 300) -> Any:
    """Run ``python -m bench.inprocess ARGS`` and return the JSON it prints last."""
    process = _register(
        subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "bench.inprocess", *args],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            text=True,
            start_new_session=True,
        )
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        raise RuntimeError(f"bench.inprocess {args[0]} timed out") from None
    finally:
        if process in _children:
            _children.remove(process)
    if process.returncode != 0:
        raise RuntimeError(f"bench.inprocess {' '.join(args)} failed:\n{err[-4000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(
            f"bench.inprocess {args[0]} printed no JSON:\n{out[-2000:]}{err[-2000:]}"
        )
    return json.loads(lines[-1])
