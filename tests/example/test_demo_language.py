"""The demo shop speaks the visitor's language: every page of its own, not half of them.

Runs the example project as ``make demo`` does (its own settings, ``migrate``, ``seed_demo``)
on a temporary SQLite file, then renders its pages with ``Accept-Language: de`` through
Django's test client in that process, and looks for the English it used to leave behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "example_project"

PAGES_SCRIPT = """
import json
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
pages = {}
anonymous = Client(HTTP_ACCEPT_LANGUAGE="de")
pages["home"] = anonymous.get("/").content.decode()
pages["login"] = anonymous.get("/login/").content.decode()
for username in ("alice", "carol"):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(get_user_model().objects.get(username=username))
    pages["home " + username] = client.get("/").content.decode()
    pages["billing " + username] = client.get("/billing/").content.decode()
print("PAGES " + json.dumps(pages))
"""

#: English the demo's own templates showed under Accept-Language: de.
ENGLISH = [
    "My billing",
    "Log out",
    "Log in",
    "What to try",
    "Subscriptions",
    ">Manage<",
    "No subscriptions",
    "Open my 2Checkout account",
    "Back to the shop",
    "Username",
    "Password",
    "Demo logins are printed",
    "Plain links work too",
    "Welcome",
]


def _manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "manage.py"), *args],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    database = tmp_path_factory.mktemp("demo") / "db.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "demo_site.settings",
    }
    _manage("migrate", "--noinput", "-v", "0", env=env)
    _manage("seed_demo", env=env)
    output = _manage("shell", "-c", PAGES_SCRIPT, env=env)
    result: dict[str, str] = json.loads(output.split("PAGES ", 1)[1])
    return result


def test_every_demo_page_is_german_under_accept_language_de(pages: dict[str, str]) -> None:
    for name, html in pages.items():
        assert '<html lang="de">' in html, name
        leftovers = [phrase for phrase in ENGLISH if phrase in html]
        assert leftovers == [], f"{name}: English left: {leftovers}"


def test_the_german_is_there(pages: dict[str, str]) -> None:
    assert "Meine Abrechnung" in pages["billing alice"]
    assert "Abonnements" in pages["billing alice"]
    assert "Karte aktualisieren" in pages["billing alice"]  # the app's own button label
    assert "Sie haben noch kein Abrechnungskonto" in pages["billing carol"]
    assert "Zum Ausprobieren" in pages["home"]
    assert "Benutzername" in pages["login"]
