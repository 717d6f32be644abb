"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from typing import Any

import pytest

#: The control token of the suite's emulator (see ``twocheckout_emulator_options``).
CONTROL_TOKEN = "suite-control-token"


@pytest.fixture(scope="session")
def twocheckout_emulator_options() -> dict[str, Any]:
    """Run the session's emulator with a control token, as the command line does, so every
    helper of the suite that calls ``/__emulator__/`` over HTTP is shown to send it."""
    return {"control_token": CONTROL_TOKEN}
