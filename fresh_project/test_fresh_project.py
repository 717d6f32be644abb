"""What a newcomer does, from the README alone: wheel, fresh project, Quickstart, a click.

1. builds the wheel from this checkout;
2. creates a fresh virtualenv and installs the wheel the way the README's install line says
   (its extras included), dependencies from PyPI or pip's cache;
3. runs ``django-admin startproject`` in a temporary directory;
4. appends the README's Quickstart blocks (``# settings.py``, ``# urls.py``) to the generated
   files, exactly as written;
5. starts the emulator from the installed package, checks that the settings block it prints
   is the one the README quotes, and appends that block (with the port it got);
6. ``migrate``, ``check``, ``twocheckout_check``; the README's ``CustomerLink`` /
   ``Subscription`` snippet in ``manage.py shell``;
7. renders the README's template snippet for the linked user, follows every URL it holds
   (GET for the link, POST for the button) and expects a ``302`` into the emulator, whose
   landing page then says the user is signed in;
8. ``check --deploy``: nothing from this app with ``DEBUG`` on, and with ``DEBUG`` off exactly
   the two warnings an emulator URL deserves (W001 plain http, W002 not 2Checkout).

The blocks are read from README.md, so the README cannot drift from what works. Redis comes
from ``FRESH_PROJECT_REDIS_URL`` (default ``redis://127.0.0.1:6379/14``), as the Quickstart's
cache needs one. Run with ``make fresh-project`` (a minute or two; not part of ``make test``).
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.commands import run_ok

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
REDIS_URL = os.environ.get("FRESH_PROJECT_REDIS_URL", "redis://127.0.0.1:6379/14")
PROJECT = "mysite"
#: The Quickstart section holding the settings.py and urls.py blocks.
SETTINGS_SECTION = "2. Settings and URLs"
#: Seconds any one step may take (pip installs from PyPI are the slowest).
STEP_TIMEOUT = 300


# -- the README, read as a newcomer reads it ------------------------------------------------


def _section(title: str) -> str:
    """The README's text under heading ``title``, up to the next heading of its level or above.

    Headings are found by a CommonMark parser, so ``# settings.py`` in a code block is not one.
    """
    text = README.read_text()
    lines = text.splitlines(keepends=True)
    headings = [
        (int(token.tag[1]), token.map[0], tokens[index + 1].content)
        for tokens in [MarkdownIt("commonmark").parse(text)]
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.map
    ]
    for position, (level, start, name) in enumerate(headings):
        if name == title:
            end = next(
                (line for lvl, line, _ in headings[position + 1 :] if lvl <= level), len(lines)
            )
            return "".join(lines[start + 1 : end])
    raise AssertionError(f"README: no section {title!r}")


def _fences(language: str, section: str | None = None) -> list[str]:
    """The contents of every ```language block of the README (or of one section), in order."""
    pattern = rf"^```{re.escape(language)}\n(.*?)^```$"
    text = README.read_text() if section is None else _section(section)
    return re.findall(pattern, text, re.M | re.S)


def _block(language: str, first_line: str, section: str) -> str:
    """The one ```language block of ``section`` whose first line is ``first_line``."""
    found = [b for b in _fences(language, section) if b.splitlines()[0] == first_line]
    assert len(found) == 1, f"README: expected one {language} block starting {first_line!r}"
    return found[0]


def _emulator_block() -> str:
    found = [
        block
        for block in _fences("python", "Try it against the emulator")
        if block.startswith("TWOCHECKOUT_SSO = {")
    ]
    assert len(found) == 1, "README: expected one emulator settings block"
    return found[0].strip()


def _install_arguments() -> list[str]:
    """The arguments of the README's ``pip install '…whl[extras]'`` line."""
    lines = [
        line
        for block in _fences("sh", "1. Install")
        for line in block.splitlines()
        if line.startswith("python -m pip install ") and ".whl" in line
    ]
    assert len(lines) == 1, "README: expected one line installing the wheel"
    arguments = shlex.split(lines[0].split("#")[0])[len(["python", "-m", "pip", "install"]) :]
    assert len(arguments) == 1
    return arguments


# -- processes --------------------------------------------------------------------------------


def _run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """stdout and stderr of a command that must succeed (system checks write to stderr)."""
    result = run_ok(*args, cwd=cwd, env=env, timeout=STEP_TIMEOUT)
    return result.stdout + result.stderr


def _read_until(process: subprocess.Popen[bytes], end: str, timeout: float) -> str:
    """The process's stdout up to and including the line ``end``; bounded in time."""
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(descriptor, selectors.EVENT_READ)
    received = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
            break
        chunk = os.read(descriptor, 65536)
        if not chunk:
            break
        received += chunk
        text = received.decode()
        if f"\n{end}\n" in text:
            return text
    raise AssertionError(f"the emulator did not print {end!r} in {timeout} s:\n{received!r}")


# -- the scenario -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fresh")


@pytest.fixture(scope="module")
def python(work: Path) -> Path:
    """A fresh virtualenv with the wheel installed as the README says."""
    dist = work / "dist"
    _run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT)
    [wheel] = dist.glob("django_2co_sso-*.whl")
    [argument] = _install_arguments()
    readme_wheel, extras = re.fullmatch(r"(.*\.whl)(\[[\w,-]+\])", argument).groups()  # type: ignore[union-attr]
    assert Path(readme_wheel).name == wheel.name, "README names another wheel than the build"
    assert extras == "[redis]"
    venv.create(work / "venv", with_pip=True)
    python = work / "venv" / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", f"{wheel}{extras}")
    return python


@pytest.fixture(scope="module")
def emulator(python: Path, work: Path) -> Iterator[tuple[str, str]]:
    """The installed package's emulator on a free port: (base URL, its settings block)."""
    process = subprocess.Popen(
        [str(python), "-m", "django_2co_sso.emulator", "--port", "0"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        printed = _read_until(process, "}", timeout=60)
        base_url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", printed).group(1)  # type: ignore[union-attr]
        start = printed.index("TWOCHECKOUT_SSO = {")
        block = printed[start : printed.index("\n}\n", start) + 2]
        yield base_url, block
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def project(python: Path, work: Path, emulator: tuple[str, str]) -> tuple[Path, dict[str, str]]:
    """``startproject`` with the README's Quickstart and emulator block appended."""
    base_url, printed_block = emulator
    port = base_url.rsplit(":", 1)[1]
    readme_block = _emulator_block()
    assert printed_block == readme_block.replace(":8765", f":{port}"), (
        "the emulator prints another settings block than the README quotes:\n" + printed_block
    )
    directory = work / "project"
    directory.mkdir()
    _run(python.parent / "django-admin", "startproject", PROJECT, directory)
    settings = directory / PROJECT / "settings.py"
    urls = directory / PROJECT / "urls.py"
    settings.write_text(
        settings.read_text()
        + "\n"
        + _block("python", "# settings.py", SETTINGS_SECTION)
        + "\n"
        + readme_block.replace(":8765", f":{port}")
        + "\n"
    )
    urls.write_text(urls.read_text() + "\n" + _block("python", "# urls.py", SETTINGS_SECTION))
    (directory / PROJECT / "settings_production.py").write_text(
        "from .settings import *  # noqa: F403\n\nDEBUG = False\nALLOWED_HOSTS = ['shop.example']\n"
    )
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")},
        # the Quickstart reads these; the emulator block that follows replaces them
        "TWOCHECKOUT_MERCHANT_CODE": "EMULATOR",
        "TWOCHECKOUT_SECRET_KEY": "emulator-secret-key",
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": f"{PROJECT}.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return directory, env


def _manage(python: Path, project: tuple[Path, dict[str, str]], *args: str) -> str:
    directory, env = project
    return _run(python, "manage.py", *args, cwd=directory, env=env)


CLICK_SCRIPT = """
import json, re
from django.contrib.auth import get_user_model
from django.template import engines
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
user = get_user_model().objects.get(username="ada")
html = engines["django"].from_string({template!r}).render({{"user": user, "csrf_token": "x"}})
client = Client()
client.force_login(user)
answers = []
for url in re.findall(r'href="([^"]+)"', html):
    response = client.get(url)
    answers.append(["GET", url, response.status_code, response.get("Location", "")])
for url in re.findall(r'action="([^"]+)"', html):
    response = client.post(url)
    answers.append(["POST", url, response.status_code, response.get("Location", "")])
print("ANSWERS " + json.dumps(answers))
"""


def test_a_newcomer_gets_from_the_readme_to_a_working_button(
    python: Path, project: tuple[Path, dict[str, str]], emulator: tuple[str, str]
) -> None:
    base_url, _ = emulator
    _manage(python, project, "migrate", "--no-input")
    assert "System check identified no issues" in _manage(python, project, "check")
    assert "2Checkout credentials OK" in _manage(python, project, "twocheckout_check")

    step_3 = "3. Tell the app who the shopper is"
    snippet = _block("python", "# python manage.py shell", step_3)
    _manage(python, project, "shell", "--no-imports", "-c", snippet)
    [sync_line] = [
        line for block in _fences("sh", step_3) for line in block.splitlines() if line.strip()
    ]
    assert sync_line.startswith("python manage.py twocheckout_sync ")
    _manage(python, project, *shlex.split(sync_line)[2:])

    template = _block("django", "{% load twocheckout_sso %}", "4. A button in a template")
    output = _manage(python, project, "shell", "-c", CLICK_SCRIPT.format(template=template))
    answers = json.loads(output.split("ANSWERS ", 1)[1].splitlines()[0])
    # the snippet's subscription, and the one twocheckout_sync imported from the emulator
    assert [(method, url) for method, url, _, _ in answers] == [
        ("GET", "/account/billing/payment_methods/"),
        ("POST", "/account/subscriptions/4E2A1B9C70/change_card/"),
        ("POST", "/account/subscriptions/7F3C2D1E60/change_card/"),
    ]
    pages = ["payment_methods", "change_card", "change_card"]
    for (_method, _url, status, location), page in zip(answers, pages, strict=True):
        assert status == 302
        assert location.startswith(f"{base_url}/myaccount/{page}/")
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(location, timeout=10) as landing:
            assert landing.status == 200
            text = landing.read().decode()
        assert "Signed in as ada@example.com (customer 352365983)" in text
        assert f"on page {page}" in text


def test_check_deploy_shows_only_what_the_settings_deserve(
    python: Path, project: tuple[Path, dict[str, str]]
) -> None:
    debug = _manage(python, project, "check", "--deploy", "--fail-level", "CRITICAL")
    assert "django_2co_sso." not in debug
    production = _manage(
        python,
        project,
        "check",
        "--deploy",
        "--fail-level",
        "CRITICAL",
        f"--settings={PROJECT}.settings_production",
    )
    assert sorted(set(re.findall(r"django_2co_sso\.[EW]\d{3}", production))) == [
        "django_2co_sso.W001",
        "django_2co_sso.W002",
    ]
