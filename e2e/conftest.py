"""Fixtures for the browser end-to-end test: the demo (site + emulator) and Chromium.

The demo is ``example_project/run_demo.py`` (what ``make demo`` runs), started on two free
loopback ports with a throw-away SQLite database, and stopped at the end. The browser is
Debian's Chromium (``CHROMIUM``, default ``/usr/bin/chromium``) driven by Playwright; Playwright's
own browser download is not used. Screenshots of each step go to ``e2e/screenshots/``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT = 90.0


@dataclass(frozen=True)
class Demo:
    """The running demo: the shop's and the emulator's base URLs."""

    site: str
    emulator: str


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a loopback http URL
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the demo (it stops its emulator and server), then its own group if needed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this fixture created
            process.wait()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """``run_demo.py`` on free ports with a fresh database; yields the two base URLs."""
    work = tmp_path_factory.mktemp("demo")
    port, emulator_port = _free_port(), _free_port()
    while emulator_port == port:
        emulator_port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        PORT=str(port),
        EMULATOR_PORT=str(emulator_port),
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        PYTHONUNBUFFERED="1",
    )
    log_path = work / "demo.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            [sys.executable, str(ROOT / "example_project" / "run_demo.py")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    site = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not (b"Demo shop:" in log_path.read_bytes() and _answers(f"{site}/login/")):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the demo did not start:\n" + log_path.read_text(errors="replace")[-5000:]
                )
            time.sleep(0.3)
        yield Demo(site=site, emulator=f"http://127.0.0.1:{emulator_port}")
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, through Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs it (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page."""
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def screenshot() -> object:
    """``screenshot(page, "01-name")`` saves ``e2e/screenshots/01-name.png`` (full page)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page: object, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    return take
