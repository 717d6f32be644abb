"""The built wheel and sdist are complete, and the wheel works in a clean virtualenv.

Builds both distributions with ``python -m build`` (the sdist first, the wheel from it, so
a file missing from the sdist also breaks the wheel), checks their file lists, then installs
the wheel into a fresh venv (dependencies from PyPI or pip's cache), generates a minimal
project and runs ``manage.py check``, ``migrate``, ``makemigrations --check`` and one
SOAP link against the emulator served from the installed package (its WSDL and seed).

Deselect with ``-m "not packaging"``; it needs pip to reach PyPI (or a warm pip cache).
"""

from __future__ import annotations

import os
import sys
import tarfile
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

from tests.commands import run_ok

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "django_2co_sso"

#: Files every distribution must carry (paths inside the package).
REQUIRED_PACKAGE_FILES = [
    "__init__.py",
    "py.typed",
    "apps.py",
    "urls.py",
    "migrations/__init__.py",
    "migrations/0001_initial.py",
    "templatetags/__init__.py",
    "templatetags/twocheckout_sso.py",
    "management/commands/twocheckout_check.py",
    "management/commands/twocheckout_emulator.py",
    "management/commands/twocheckout_sso_link.py",
    "emulator/wsdl/api-6.0.wsdl",
    "emulator/seed/default.json",
    "emulator/pytest_plugin.py",
    "backends/soap.py",
    "backends/jsonrpc.py",
    "backends/rest.py",
    "backends/locmem.py",
]


def _source_files(pattern: str) -> list[str]:
    """Package files in the source tree matching ``pattern``, relative to the package."""
    base = ROOT / PACKAGE
    return sorted(
        str(path.relative_to(base))
        for path in base.glob(pattern)
        if "__pycache__" not in path.parts
    )


def _expected_files() -> list[str]:
    templates = _source_files("templates/**/*.html")
    migrations = _source_files("migrations/*.py")
    assert templates, "no templates found in the source tree"
    return sorted({*REQUIRED_PACKAGE_FILES, *templates, *migrations})


def _run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    return run_ok(*args, cwd=cwd, env=env).stdout


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel built from it, in a temporary directory."""
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, ROOT)
    wheels = list(out.glob("*.whl"))
    sdists = list(out.glob("*.tar.gz"))
    assert len(wheels) == 1, wheels
    assert len(sdists) == 1, sdists
    return {"wheel": wheels[0], "sdist": sdists[0]}


def test_wheel_contains_package_data(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        names = set(wheel.namelist())
    missing = [f for f in _expected_files() if f"{PACKAGE}/{f}" not in names]
    assert not missing, f"missing from the wheel: {missing}"
    assert not [n for n in names if n.startswith("tests/")], "tests leaked into the wheel"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    dist_info = [n for n in names if ".dist-info/" in n]
    assert any(n.endswith("/licenses/LICENSE") for n in dist_info), dist_info
    entry_points = next(n for n in dist_info if n.endswith("entry_points.txt"))
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        assert "django_2co_sso.emulator.pytest_plugin" in wheel.read(entry_points).decode()


def test_sdist_contains_package_data(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    missing = [f for f in _expected_files() if f"{PACKAGE}/{f}" not in names]
    missing += [f for f in ("LICENSE", "README.md", "pyproject.toml") if f not in names]
    assert not missing, f"missing from the sdist: {missing}"


PROJECT_SETTINGS = """
SECRET_KEY = "packaging-test-only"
DEBUG = True
ALLOWED_HOSTS = ["localhost"]
USE_TZ = True
ROOT_URLCONF = "site_urls"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django_2co_sso",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
TWOCHECKOUT_SSO = {"BACKEND": "django_2co_sso.backends.locmem.LocmemBackend"}
"""

PROJECT_URLS = """
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("account/", include("django_2co_sso.urls")),
]
"""

MANAGE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""

# One SOAP link through the installed package: the emulator serves the packaged WSDL and seed.
SMOKE = """
import django_2co_sso, django_2co_sso.emulator as emu_pkg
from pathlib import Path
assert "site-packages" in django_2co_sso.__file__, django_2co_sso.__file__
import django
django.setup()
from django.template import engines
from django_2co_sso import get_backend
from django_2co_sso.emulator import Emulator

engines["django"].from_string("{% load twocheckout_sso %}")
with Emulator() as emulator:
    backend = get_backend(
        BACKEND="django_2co_sso.backends.soap.SoapBackend",
        API_URL=emulator.base_url,
        MERCHANT_CODE=emulator.merchant_code,
        SECRET_KEY=emulator.secret_key,
        ALLOWED_SSO_HOSTS=(emulator.base_url.removeprefix("http://"),),
    )
    url = backend.customer_sso_url("shop-customer-1", page="payment_methods")
    assert url.startswith(emulator.base_url), "unexpected link"
print("smoke ok")
"""


def test_wheel_installs_and_runs_in_a_clean_venv(dists: dict[str, Path], tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, clear=True)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    _run(python, "-m", "pip", "install", "--quiet", dists["wheel"], env=env)

    project = tmp_path / "site"
    project.mkdir()
    (project / "site_settings.py").write_text(textwrap.dedent(PROJECT_SETTINGS))
    (project / "site_urls.py").write_text(textwrap.dedent(PROJECT_URLS))
    (project / "manage.py").write_text(textwrap.dedent(MANAGE))
    (tmp_path / "smoke.py").write_text(textwrap.dedent(SMOKE))

    out = _run(python, "manage.py", "check", "--fail-level", "WARNING", cwd=project, env=env)
    assert "no issues" in out
    out = _run(python, "manage.py", "migrate", "--no-input", cwd=project, env=env)
    assert "django_2co_sso" in out
    _run(
        python,
        "manage.py",
        "makemigrations",
        "--check",
        "--dry-run",
        "django_2co_sso",
        cwd=project,
        env=env,
    )
    _run(python, "manage.py", "help", "twocheckout_sso_link", cwd=project, env=env)
    smoke_env = {**env, "DJANGO_SETTINGS_MODULE": "site_settings", "PYTHONPATH": str(project)}
    assert "smoke ok" in _run(python, "smoke.py", cwd=tmp_path, env=smoke_env)
