"""The command line: ``python -m django_2co_sso.emulator``, ``manage.py twocheckout_emulator``."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from django_2co_sso.emulator.cli import bind_warning
from tests.emulator.wire import Wire, login_hash, utc_date

ROOT = Path(__file__).resolve().parents[2]


def _start(args: list[str]) -> tuple[subprocess.Popen[str], str, str]:
    """Start the command line; return the process, its base URL and its start-up text."""
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
    lines: list[str] = []
    for _ in range(40):  # the start-up text is about 20 lines
        line = process.stdout.readline()
        lines.append(line)
        if not line or line.startswith("Press Ctrl-C"):
            break
    text = "".join(lines)
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+) \(merchant code (\S+)\)", text)
    if match is None or not text.endswith("Press Ctrl-C to stop.\n"):
        process.kill()
        pytest.fail(f"unexpected start-up output {text!r}: {process.stderr.read()}")  # type: ignore[union-attr]
    return process, match.group(1), text


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
    process, base, _ = _start(
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
    process, base, text = _start(
        [
            "-m",
            "django",
            "twocheckout_emulator",
            "--port",
            "0",
            "--merchant",
            "MGMT",
            "--control-token=-mgmt-token",  # with "=", a token may start with "-"
        ]
    )
    try:
        assert "Control token:  -mgmt-token" in text
        state = requests.get(
            f"{base}/__emulator__/state", headers={"X-Emulator-Token": "-mgmt-token"}, timeout=5
        )
        assert state.json()["merchant_code"] == "MGMT"
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


def _run(*args: str, module: str = "django_2co_sso.emulator") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run(
        [sys.executable, "-m", *module.split(), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_startup_text_has_everything_a_project_needs() -> None:
    process, base, text = _start(["-m", "django_2co_sso.emulator", "--port", "0"])
    try:
        token = re.search(r"Control token:  (\S+)", text)
        assert token is not None
        assert len(token.group(1)) >= 24  # generated at start
        assert "Merchant code:  EMULATOR" in text
        assert "Secret key:     emulator-secret-key" in text
        block = text[text.index("TWOCHECKOUT_SSO = {") : text.index("\n}\n") + 2]
        namespace: dict[str, object] = {}
        exec(block, namespace)  # noqa: S102 - the block is meant to be pasted into settings.py
        assert namespace["TWOCHECKOUT_SSO"] == {
            "API_URL": base,
            "MERCHANT_CODE": "EMULATOR",
            "SECRET_KEY": "emulator-secret-key",
            "ALLOWED_SSO_HOSTS": (base.removeprefix("http://"),),
        }
        # The control endpoint needs the printed token; the API and the pages do not.
        assert requests.get(f"{base}/__emulator__/state", timeout=5).status_code == 401
        with_token = requests.get(
            f"{base}/__emulator__/state",
            headers={"X-Emulator-Token": token.group(1)},
            timeout=5,
        )
        assert with_token.status_code == 200
        assert requests.get(f"{base}/soap/6.0/?wsdl", timeout=5).status_code == 200
    finally:
        _stop(process)


def test_the_settings_block_configures_the_app() -> None:
    from django.test import override_settings

    from django_2co_sso import conf, get_backend
    from django_2co_sso.emulator import Emulator
    from django_2co_sso.emulator.cli import settings_block

    with Emulator(control_token="t") as emulator:
        namespace: dict[str, object] = {}
        exec(settings_block(emulator), namespace)  # noqa: S102 - meant to be pasted
        with override_settings(TWOCHECKOUT_SSO=namespace["TWOCHECKOUT_SSO"]):
            assert conf.get_config().api_url == emulator.base_url
            url = get_backend().subscription_sso_url("4E2A1B9C70")
            assert url.startswith(f"{emulator.base_url}/myaccount/")


def test_help_shows_the_defaults() -> None:
    result = _run("--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for default in (
        "(default: 127.0.0.1)",
        "(default: 8765)",
        "(default: EMULATOR)",
        "(default: emulator-secret-key)",
        "(default: the packaged seed)",
        "(default: a random token, printed at start)",
        "(default: 900.0)",
        "(default: 256)",
        "(default: emulator-buy-link-secret)",
        "(default: 1.0)",
    ):
        assert default in text
    command = _run("twocheckout_emulator", "--help", module="django")
    assert "(default: 8765)" in " ".join(command.stdout.split())


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_bad_port_is_a_clear_error(port: str) -> None:
    result = _run("--port", port)
    assert result.returncode == 2
    assert f"argument --port: {port!r} is not a port number (0-65535)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for result in (
            _run("--port", str(port)),
            _run("twocheckout_emulator", "--port", str(port), module="django"),
        ):
            assert result.returncode == 1
            assert f"cannot listen on 127.0.0.1:{port}: port {port} is already in use" in (
                result.stderr
            )
            assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"Customers": [', "not valid JSON: Expecting value: line 1"),
        ("[]", "seed: must be a JSON object"),
        ('{"Customers": [{"Email": "x@example.com"}]}', "CustomerReference is required"),
        ('{"Customers": ' * 3000, "not"),
        (b"\xff\xfe{}", "not UTF-8 JSON"),
    ],
)
def test_a_broken_seed_file_is_named(tmp_path: Path, content: str | bytes, reason: str) -> None:
    path = tmp_path / "broken-seed.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = _run("--port", "0", "--data", str(path))
    assert result.returncode == 1
    assert f"error: seed file {str(path)!r}: " in result.stderr
    assert reason in result.stderr
    assert "Traceback" not in result.stderr
    missing = _run("--port", "0", "--data", str(tmp_path / "missing.json"))
    assert f"seed file {str(tmp_path / 'missing.json')!r}: No such file" in missing.stderr


@pytest.mark.parametrize("option", ["--merchant", "--secret", "--control-token"])
def test_empty_values_are_refused(option: str) -> None:
    result = _run("--port", "0", option, "")
    assert result.returncode == 2
    assert f"argument {option}: must not be empty" in result.stderr


def test_a_non_loopback_bind_warns() -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the warning comes before the bind fails,
    # so the test never listens beyond loopback.
    result = _run("--host", "192.0.2.1", "--port", "0")
    assert result.returncode == 1
    assert "WARNING: the emulator listens on 192.0.2.1, which other machines may reach" in (
        result.stderr
    )
    assert "cannot listen on 192.0.2.1:0" in result.stderr
    assert bind_warning("0.0.0.0")  # noqa: S104 - a value under test is not None
    assert bind_warning("::") is not None
    assert bind_warning("") is not None
    for loopback in ("127.0.0.1", "127.0.0.2", "::1", "localhost", "LOCALHOST"):
        assert bind_warning(loopback) is None


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_max_connections_must_be_positive(value: str) -> None:
    result = _run("--port", "0", "--max-connections", value)
    assert result.returncode == 2
    assert f"argument --max-connections: {value!r} is not a positive integer" in result.stderr


def test_max_connections_reaches_the_server() -> None:
    from django_2co_sso.emulator.cli import build

    emulator = build({"merchant": "M", "secret": "s", "max_connections": 7})
    assert emulator.limits.max_connections == 7
    assert build({"merchant": "M", "secret": "s"}).limits.max_connections == 256


def test_build_and_bind_errors_are_one_line(tmp_path: Path) -> None:
    from django_2co_sso.emulator import Emulator
    from django_2co_sso.emulator.cli import CommandLineError, bind, build

    missing = str(tmp_path / "missing.pem")
    with pytest.raises(CommandLineError, match=r"cannot load --tls-cert .*missing\.pem"):
        build({"merchant": "M", "secret": "s", "tls_cert": missing, "tls_key": missing})
    with pytest.raises(CommandLineError, match="control token must be"):
        build({"merchant": "M", "secret": "s", "control_token": "a b"})
    with pytest.raises(CommandLineError, match=r"cannot listen on 127\.0\.0\.1:70000"):
        bind(Emulator(), "127.0.0.1", 70000)
