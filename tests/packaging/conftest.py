"""Registers the ``packaging`` marker (the suite runs with ``--strict-markers``)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "packaging: builds the sdist and wheel and installs the wheel in a clean venv "
        '(slow, needs PyPI or a warm pip cache; deselect with -m "not packaging")',
    )
