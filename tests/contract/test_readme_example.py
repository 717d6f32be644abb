"""The README's emulator example, run as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.emulator
README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_emulator_example_runs(twocheckout_emulator: Any, settings: Any) -> None:
    match = re.search(
        r"```python\n(from django_2co_sso import get_backend\n+def test_.*?)```",
        README.read_text(),
        re.S,
    )
    assert match, "the README's emulator example is missing"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), "README.md", "exec"), namespace)  # noqa: S102
    namespace["test_update_card_link"](twocheckout_emulator, settings)
