"""Run a command of a test's own (a build, a pip install, a fresh project's manage.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def run_ok(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 240,
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` to completion (at most ``timeout`` seconds) and assert it succeeded.

    The failure message names the command and ends with its output.
    """
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({result.returncode}):\n"
        f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
    )
    return result
