"""PHP's SoapClient, the vendor's own client, against the emulator (skipped without php-soap)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from django_2co_sso.emulator import Emulator

SCRIPT = Path(__file__).with_name("php") / "sso_client.php"


def _php_with_soap() -> bool:
    php = shutil.which("php")
    if php is None:
        return False
    modules = subprocess.run([php, "-m"], capture_output=True, text=True, check=False).stdout
    return "soap" in modules.split()


@pytest.mark.skipif(not _php_with_soap(), reason="php-cli with php-soap is not installed")
def test_php_soapclient(emu: Emulator) -> None:
    result = subprocess.run(
        ["php", str(SCRIPT), emu.base_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["login"] == "32"
    assert lines["getSingleSignOn"].startswith(
        f"{emu.base_url}/myaccount/my_license/?subscription=4E2A1B9C70&logintoken="
    )
    assert lines["getSingleSignOnByCustomer"].startswith(f"{emu.base_url}/myaccount/my_license/")
    assert "/order/checkout.php?PRODS=1&logintoken=" in lines["getSingleSignOnInCart"]
    customer = json.loads(lines["getCustomerInformationBySSOToken"])
    assert customer["Email"] == "ada@example.com"
    assert customer["Enabled"] is True
    assert lines["setPartner"] == "true"
    assert "/cpanel/index.php?logintoken=" in lines["getPartnerSingleSignOn"]
    assert lines["fault"] == "AUTHENTICATION_FAILED"
