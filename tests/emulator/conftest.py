"""Fixtures for the emulator tests: a reset emulator and a raw-HTTP helper (no Django)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from django_2co_sso.emulator import Emulator
from tests.emulator.wire import Wire


@pytest.fixture
def emu(twocheckout_emulator_server: Emulator) -> Iterator[Emulator]:
    """The session's emulator, reset before and after the test (no Django settings)."""
    twocheckout_emulator_server.reset()
    yield twocheckout_emulator_server
    twocheckout_emulator_server.reset()


@pytest.fixture
def wire(emu: Emulator) -> Iterator[Wire]:
    """Raw HTTP to the emulator."""
    helper = Wire(emu.base_url, emu.control_token)
    yield helper
    helper.http.close()
