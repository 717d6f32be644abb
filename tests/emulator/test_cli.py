"""The command line: ``python -m django_2co_sso.emulator``, ``manage.py twocheckout_emulator``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.emulator.wire import Wire, login_hash, utc_date

ROOT = Path(__file__).resolve().parents[2]


def _start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+) \(merchant code (\S+)\)", line)
    if match is None:
        process.kill()
        pytest.fail(f"unexpected start-up output {line!r}: {process.stderr.read()}")  # type: ignore[union-attr]
    return process, match.group(1)


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return stderr


@pytest.fixture
def seed_file(tmp_path: Path) -> Path:
    path = tmp_path / "seed.json"
    path.write_text(
        '{"Customers": [{"CustomerReference": "1", "Email": "cli@example.com"}],'
        ' "Subscriptions": [{"SubscriptionReference": "CLI1", "CustomerReference": "1"}]}',
        encoding="utf-8",
    )
    return path


def test_python_module(seed_file: Path) -> None:
    process, base = _start(
        [
            "-m",
            "django_2co_sso.emulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data",
            str(seed_file),
            "--merchant",
            "CLICODE",
            "--secret",
            "cli-secret",
        ]
    )
    try:
        wire = Wire(base)
        date = utc_date()
        answer = wire.soap(
            "login", "CLICODE", date, login_hash("CLICODE", date, secret="cli-secret"), "sha256"
        )
        assert answer.status == 200
        url = wire.soap("getSingleSignOn", answer.value, "CLI1", None, 10, None, None).value
        assert url.startswith(base)
        assert "cli@example.com" in wire.get(url).text
    finally:
        stderr = _stop(process)
    assert process.returncode in (0, -signal.SIGTERM)
    assert "cli-secret" not in stderr


def test_management_command() -> None:
    process, base = _start(
        [
            "-m",
            "django",
            "twocheckout_emulator",
            "--port",
            "0",
            "--merchant",
            "MGMT",
        ]
    )
    try:
        assert requests.get(f"{base}/__emulator__/state", timeout=5).json()["merchant_code"] == (
            "MGMT"
        )
    finally:
        _stop(process)


def test_bad_seed_exits_with_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"Customers": [{}]}', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "django_2co_sso.emulator", "--port", "0", "--data", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "CustomerReference is required" in result.stderr
