"""The pytest plugin's fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.cache import cache

from django_2co_sso.emulator import Emulator
from django_2co_sso.emulator.pytest_plugin import sso_settings_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dirty(twocheckout_emulator_server: Emulator) -> None:
    """Leave state behind, as a previous test would."""
    cache.set("twocheckout_sso:session", "stale-session-id")
    twocheckout_emulator_server.inject("login", drop=True)


def test_fixture_points_settings_at_the_emulator(
    dirty: None, twocheckout_emulator: Emulator
) -> None:
    sso = settings.TWOCHECKOUT_SSO
    assert sso["API_URL"] == twocheckout_emulator.base_url
    assert sso["API_URL"].startswith("http://127.0.0.1:")
    assert sso["MERCHANT_CODE"] == "EMULATOR"
    assert sso["SECRET_KEY"] == "emulator-secret-key"
    own = sso["API_URL"].removeprefix("http://")
    assert sso["ALLOWED_SSO_HOSTS"] == (".2checkout.com", ".avangate.com", own)
    assert sso["BACKEND"] == "django_2co_sso.backends.locmem.LocmemBackend"  # kept
    assert cache.get("twocheckout_sso:session") is None
    assert twocheckout_emulator.faults.rules == []
    assert requests.get(f"{sso['API_URL']}/soap/6.0/?wsdl", timeout=5).status_code == 200


def test_settings_restored_after_the_fixture() -> None:
    assert "API_URL" not in settings.TWOCHECKOUT_SSO
    assert settings.TWOCHECKOUT_SSO["MERCHANT_CODE"] == "TESTMERCH"


def test_sso_settings_for_keeps_custom_hosts(twocheckout_emulator_server: Emulator) -> None:
    result = sso_settings_for(twocheckout_emulator_server, {"ALLOWED_SSO_HOSTS": ["shop.test"]})
    own = twocheckout_emulator_server.base_url.removeprefix("http://")
    assert result["ALLOWED_SSO_HOSTS"] == ("shop.test", own)
    again = sso_settings_for(twocheckout_emulator_server, result)
    assert again["ALLOWED_SSO_HOSTS"] == ("shop.test", own)
    assert sso_settings_for(twocheckout_emulator_server, None)["API_URL"]


def test_server_fixture_without_django(tmp_path: Path) -> None:
    (tmp_path / "test_it.py").write_text(
        "import requests\n"
        "def test_it(twocheckout_emulator_server):\n"
        "    base = twocheckout_emulator_server.base_url\n"
        "    assert requests.get(base + '/__emulator__/state', timeout=5).status_code == 200\n"
        "    import sys\n"
        "    assert 'django.conf' not in sys.modules\n",
        encoding="utf-8",
    )
    # Only this plugin (autoload off keeps it fast; the entry point is used by this very run).
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "django_2co_sso.emulator.pytest_plugin",
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_it.py"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_fixture_delivers_one_at_a_time_on_shared_in_memory_sqlite(
    twocheckout_emulator: Emulator,
) -> None:
    # The test settings use SQLite in memory unless DATABASE_URL names another database.
    from django.db import connection

    expected = 1 if connection.vendor == "sqlite" and connection.is_in_memory_db() else 4
    assert twocheckout_emulator.notifier.workers == expected
