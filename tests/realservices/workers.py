"""Code run in separate worker processes by the multi-process tests (spawned, not forked)."""

from __future__ import annotations

import os
from typing import Any


def mint_links(
    sso_settings: dict[str, Any],
    cache_settings: dict[str, Any],
    barrier: Any,
    results: Any,
    count: int,
) -> None:
    """Set Django up afresh, wait for every worker, then mint ``count`` customer links."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.test import override_settings

    from django_2co_sso import get_backend

    outcomes: list[str] = []
    with override_settings(TWOCHECKOUT_SSO=sso_settings, CACHES=cache_settings):
        barrier.wait(timeout=60)
        for _ in range(count):
            try:
                get_backend().customer_sso_url("shop-customer-1", validity_time=30)
                outcomes.append("ok")
            except Exception as error:  # reported to the parent
                outcomes.append(f"{type(error).__name__}: {error}")
    results.put(outcomes)
