#!/usr/bin/env python3
"""Run the django-2co-sso demo: migrate, seed, start the 2Checkout emulator and the site.

Usage (``make demo`` does this with the project's virtualenv)::

    PORT=8000 EMULATOR_PORT=8765 python example_project/run_demo.py

Steps: ``migrate`` the SQLite database (``example_project/db.sqlite3``, or ``DATABASE_URL``),
``seed_demo`` (users, customers, subscriptions, partners from ``emulator_seed.json``), start
the emulator with that same seed on ``127.0.0.1:EMULATOR_PORT`` (posting IPN/LCN to the
shop's listeners, retries 60 times faster than 2Checkout's), check the credentials with
``twocheckout_check``, start ``runserver 127.0.0.1:PORT --noreload``, print the URL, the
logins and the emulator's control token (``EMULATOR_CONTROL_TOKEN``, else a random one), and
wait. Ctrl-C (or SIGTERM) stops both processes; if either one exits, the other is
stopped too and the exit status is non-zero.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

HERE = Path(__file__).resolve().parent
SEED = HERE / "emulator_seed.json"
STARTUP_TIMEOUT = 60.0


def log(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def port_from_env(name: str, default: int) -> int:
    value = os.environ.get(name) or str(default)
    try:
        port = int(value)
    except ValueError:
        sys.exit(f"[demo] {name}={value!r} is not a port number.")
    if not 1 <= port <= 65535:
        sys.exit(f"[demo] {name}={port} is not a port number.")
    return port


def ensure_free(port: int, name: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sys.exit(
                f"[demo] Port {port} on 127.0.0.1 is in use. Free it or choose another one, "
                f"e.g. `{name}={port + 1} make demo`."
            )


def wait_until_up(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode} while starting.")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a local http URL
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer at {url} within {STARTUP_TIMEOUT:.0f} s.")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    port = port_from_env("PORT", 8000)
    emulator_port = port_from_env("EMULATOR_PORT", 8765)
    if port == emulator_port:
        sys.exit("[demo] PORT and EMULATOR_PORT must differ.")
    ensure_free(port, "PORT")
    ensure_free(emulator_port, "EMULATOR_PORT")

    env = {
        **os.environ,
        "EMULATOR_PORT": str(emulator_port),
        "DJANGO_SETTINGS_MODULE": "demo_site.settings",
        "PYTHONUNBUFFERED": "1",
    }
    python = sys.executable
    manage = [python, str(HERE / "manage.py")]

    def run(*args: str) -> None:
        subprocess.run([*manage, *args], env=env, cwd=HERE, check=True)  # noqa: S603

    log("Migrating the database ...")
    run("migrate", "--noinput", "-v", "0")
    log("Seeding the demo data ...")
    run("seed_demo")

    merchant = env.get("TWOCHECKOUT_MERCHANT_CODE", "EMULATOR")
    secret = env.get("TWOCHECKOUT_SECRET_KEY", "emulator-secret-key")
    # The emulator's /__emulator__/ control API needs this token (X-Emulator-Token header).
    control_token = env.get("EMULATOR_CONTROL_TOKEN") or secrets.token_hex(16)
    processes: list[subprocess.Popen[bytes]] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Ctrl-C, also when started from a shell that ignores SIGINT for background jobs.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        log(f"Starting the 2Checkout emulator on 127.0.0.1:{emulator_port} ...")
        emulator = subprocess.Popen(  # noqa: S603
            [
                python,
                "-m",
                "django_2co_sso.emulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(emulator_port),
                "--data",
                str(SEED),
                "--merchant",
                merchant,
                "--secret",
                secret,
                f"--control-token={control_token}",  # "=": a token may start with "-"
                # The purchase loop: the cart's signature, the shop's listeners, the way back.
                "--buy-link-secret",
                env.get("TWOCHECKOUT_BUY_LINK_SECRET", "emulator-buy-link-secret"),
                "--ipn-url",
                f"http://127.0.0.1:{port}/2checkout/ipn/",
                "--lcn-url",
                f"http://127.0.0.1:{port}/2checkout/lcn/",
                "--shop-url",
                f"http://127.0.0.1:{port}/billing/",
                # Retries of unacknowledged notifications after seconds, not minutes.
                "--retry-speedup",
                "60",
            ],
            env=env,
            cwd=HERE,
        )
        processes.append(emulator)
        wait_until_up(f"http://127.0.0.1:{emulator_port}/", emulator, "The emulator")
        log("Checking the 2Checkout credentials ...")
        run("twocheckout_check")

        log(f"Starting the Django development server on 127.0.0.1:{port} ...")
        server = subprocess.Popen(  # noqa: S603
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, cwd=HERE
        )
        processes.append(server)
        wait_until_up(f"http://127.0.0.1:{port}/", server, "The Django server")

        sys.path.insert(0, str(HERE))
        from shop.demo_data import logins

        lines = [
            "",
            "=" * 64,
            f"  Demo shop:     http://127.0.0.1:{port}/",
            f"  Admin:         http://127.0.0.1:{port}/admin/",
            f"  2Checkout:     http://127.0.0.1:{emulator_port}/ (emulator, {merchant})",
            f"  Control token: {control_token} (X-Emulator-Token for /__emulator__/)",
            f"  Operator:      http://127.0.0.1:{emulator_port}/__emulator__/operator"
            f"?token={control_token}",
            "  Logins:",
            *(f"    {x.username:<6} / {x.password:<16} {x.role}" for x in logins()),
            "  Press Ctrl-C to stop both servers.",
            "=" * 64,
            "",
        ]
        print("\n".join(lines), flush=True)

        while True:
            for process, what in ((emulator, "The emulator"), (server, "The Django server")):
                if process.poll() is not None:
                    log(f"{what} exited with status {process.returncode}; stopping.")
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        log("Stopping ...")
        return 0
    except (RuntimeError, subprocess.CalledProcessError) as error:
        log(f"Failed: {error}")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # let the children shut down in peace
        stop(processes)
        log("Stopped.")


if __name__ == "__main__":
    sys.exit(main())
