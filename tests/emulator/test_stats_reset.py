"""A request still being answered when the emulator is reset is not counted afterwards."""

from __future__ import annotations

import threading
import time

import requests

from django_2co_sso.emulator import Emulator


def test_delayed_call_that_outlives_a_reset_is_not_counted() -> None:
    with Emulator() as emulator:
        emulator.inject("login", delay=0.5)
        worker = threading.Thread(
            target=lambda: requests.post(
                f"{emulator.base_url}/rpc/6.0/",
                json={"jsonrpc": "2.0", "id": 1, "method": "login", "params": ["A", "B", "C"]},
                timeout=5,
            )
        )
        worker.start()
        time.sleep(0.2)  # the call is in flight, sleeping in its injected delay
        emulator.reset()
        worker.join()
        assert emulator.calls.count("login") == 0
        requests.post(
            f"{emulator.base_url}/rpc/6.0/",
            json={"jsonrpc": "2.0", "id": 2, "method": "login", "params": ["A", "B", "C"]},
            timeout=5,
        )
        assert emulator.calls.count("login") == 1
