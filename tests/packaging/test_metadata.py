"""pyproject.toml follows the ecosystem's conventions (no build needed, so it runs fast).

Users install extras, developers install dependency groups (PEP 735); the project URLs that
PyPI shows are there; a Python version is a classifier only when the tox matrix runs it.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_only_extras_that_users_install() -> None:
    assert set(PROJECT["project"]["optional-dependencies"]) == {"redis"}
    assert any(
        requirement.startswith("redis")
        for requirement in PROJECT["project"]["optional-dependencies"]["redis"]
    )


def test_development_tools_are_dependency_groups() -> None:
    groups = PROJECT["dependency-groups"]
    assert {"test", "lint", "docs", "e2e", "example", "bench", "dev"} <= set(groups)
    assert {"include-group": "test"} in groups["dev"]
    assert {"include-group": "lint"} in groups["dev"]


def test_project_urls() -> None:
    assert set(PROJECT["project"]["urls"]) == {"Documentation", "Changelog", "Source", "Issues"}
    assert all(url.startswith("https://") for url in PROJECT["project"]["urls"].values())


def test_python_classifiers_are_the_versions_the_matrix_runs() -> None:
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini")
    matrix = {f"3.{minor}" for minor in re.findall(r"^py3(\d+)-", tox["tox"]["envlist"], re.M)}
    classified = {
        classifier.rsplit(" :: ", 1)[1]
        for classifier in PROJECT["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", classifier)
    }
    assert classified == matrix
    assert PROJECT["project"]["requires-python"] == f">={min(matrix, key=lambda v: int(v[2:]))}"


def test_readthedocs_builds_the_docs_group_with_warnings_as_errors() -> None:
    config = (ROOT / ".readthedocs.yaml").read_text()
    assert "--group docs" in config
    assert "configuration: docs/conf.py" in config
    assert "fail_on_warning: true" in config
