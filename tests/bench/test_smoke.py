"""The benchmark harness runs end to end with tiny counts and writes its tables.

No timing is asserted (the machine is shared): only that every figure is produced and that
the counted figures hold (one upstream call per redirect, one login for the cluster).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the harness reads /proc"),
]


def test_quick_run_writes_every_table(tmp_path: Path) -> None:
    pytest.importorskip("gunicorn", reason="gunicorn is not installed (the bench extra)")
    pytest.importorskip("environ", reason="django-environ is not installed (the example settings)")
    out = tmp_path / "results.md"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "BENCH_", "COV_CORE_"))
    }
    env["BENCH_WORK_DIR"] = str(tmp_path / "work")
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--backends", "soap", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:] + completed.stdout[-3000:]
    text = out.read_text()
    for heading in (
        "### 1. Upstream calls per redirect",
        "### 2. Overhead ratio",
        "### Where the time goes",
        "### 3. Against the naive way",
        "### 4. Cold start",
        "### 5. Scale out",
        "### 6. Memory",
        "### Checks and targets",
    ):
        assert heading in text
    assert "|  | SOAP |" in text
    assert "| **upstream calls per redirect** (target 1.00) | **1.00** |" in text
    assert "| CPU |" in text
    assert "| zeep |" in text
    assert "| 1. upstream calls per redirect = 1.00 | met |" in text
    # the client's memo and warm_up() are the library's now: measured, not proposed
    assert "proposed" not in text
    assert "| cache operations per redirect (counted over a run of steady-state" in text
    assert "| worker boot until it answers (s; Django, no client loaded) |" in text
    if "cache: Redis" in text:
        assert "| logins (whole cluster, from cold) | 1 |" in text
        assert "| errors (all redirects) | 0 of " in text
        assert "warmed by `django_2co_sso.warm_up()`" in text
