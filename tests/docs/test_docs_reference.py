"""The documentation stays complete: every setting, exception and error code is in it.

The settings reference is generated from ``DEFAULTS`` by ``docs/_ext/twocheckout_settings.py``;
these tests fail when a key has no explanatory comment (the page would have a hole) or when the
page stops using the generator. The error reference is written by hand; the tests fail when an
exception class or an error code of the emulator is missing from it.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from django_2co_sso import exceptions
from django_2co_sso.conf import DEFAULTS
from django_2co_sso.emulator import errors as emulator_errors

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _extension() -> ModuleType:
    path = DOCS / "_ext" / "twocheckout_settings.py"
    spec = importlib.util.spec_from_file_location("twocheckout_settings_under_test", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_settings_page_uses_the_generated_tables() -> None:
    assert re.search(r"^\.\. twocheckout-settings::\s*$", _page("settings.rst"), re.M)


def test_every_setting_has_a_row_with_its_default_and_meaning() -> None:
    rows = _extension().settings_rows()
    assert [row.key for row in rows] == list(DEFAULTS)
    undocumented = [row.key for row in rows if len(row.meaning) < 10]
    assert not undocumented, f"DEFAULTS keys without an explanatory comment: {undocumented}"
    for row in rows:
        assert row.default == DEFAULTS[row.key]


def test_generated_rst_lists_every_key() -> None:
    text = "\n".join(_extension().settings_rst())
    missing = [key for key in DEFAULTS if f".. confval:: {key}\n" not in text]
    assert not missing


@pytest.mark.parametrize("name", exceptions.__all__)
def test_every_exception_is_in_the_error_reference(name: str) -> None:
    assert f"django_2co_sso.exceptions.{name}`" in _page("errors.rst")


def _emulator_codes() -> set[str]:
    codes: set[str] = set()
    for family, _number, _status in emulator_errors._FAMILIES:
        codes |= family
    return codes | {"INTERNAL_ERROR"}


def test_every_emulator_error_code_is_in_the_error_reference() -> None:
    page = _page("errors.rst")
    missing = sorted(code for code in _emulator_codes() if f"``{code}``" not in page)
    assert not missing, f"error codes missing from docs/errors.rst: {missing}"


def test_error_reference_covers_every_status_the_views_answer() -> None:
    page = _page("errors.rst")
    for status in ("400", "404", "429", "502", "503"):
        assert re.search(rf"^\s+\* - {status}$", page, re.M), status


def test_every_page_is_in_the_toctree() -> None:
    index = _page("index.rst")
    pages = sorted(p.stem for p in DOCS.glob("*.rst") if p.stem != "index")
    pages += sorted(p.stem for p in DOCS.glob("*.md"))
    missing = [page for page in pages if not re.search(rf"^\s+{page}$", index, re.M)]
    assert not missing
