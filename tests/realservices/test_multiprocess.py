"""Several worker processes sharing Redis: one login for all of them after expiry."""

from __future__ import annotations

import multiprocessing
import os
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from django_2co_sso import get_backend
from tests.realservices.workers import mint_links

REDIS_URL = os.environ.get("REDIS_URL")
WORKERS = 4
CALLS_EACH = 5

pytestmark = [
    pytest.mark.emulator,
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a cache shared by processes)"),
]


@pytest.mark.parametrize(
    "backend",
    ["django_2co_sso.backends.soap.SoapBackend", "django_2co_sso.backends.jsonrpc.JsonRpcBackend"],
)
def test_one_login_for_all_workers_after_the_session_expired(
    twocheckout_emulator: Any, backend: str
) -> None:
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"multiprocess-{uuid.uuid4().hex}",  # shared by the workers only
        }
    }
    sso = {**settings.TWOCHECKOUT_SSO, "BACKEND": backend}
    with override_settings(TWOCHECKOUT_SSO=sso, CACHES=caches):
        get_backend().customer_sso_url("shop-customer-1")  # a session every worker will find
        assert twocheckout_emulator.calls.count("login") == 1
        twocheckout_emulator.clock.advance(601)  # 2Checkout expired it; our cache still has it

        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(WORKERS)
        results = context.Queue()
        processes = [
            context.Process(target=mint_links, args=(sso, caches, barrier, results, CALLS_EACH))
            for _ in range(WORKERS)
        ]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=30)

    assert [outcome for each in outcomes for outcome in each] == ["ok"] * WORKERS * CALLS_EACH
    assert twocheckout_emulator.calls.count("login") == 2  # the first one, and one re-login
    assert twocheckout_emulator.calls.count("getSingleSignOnByCustomer") >= WORKERS * CALLS_EACH
