"""The cache goes away mid-test (a redis-server of the test's own, stopped): every SSO view
answers the friendly 503 with one log line, never a 500, on every backend.

The rate limit, the circuit breaker and the shared sessionID all live in that cache, so no
link is minted without it: with the rate limit on, the view stops before 2Checkout is
called; with it off, the backend stops at the breaker and the attempt is audited as
``CACHE_UNAVAILABLE``.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from django_2co_sso.models import SSOAuditLog
from tests.own_redis import OwnRedis
from tests.security.conftest import Shop

pytestmark = [pytest.mark.emulator, pytest.mark.django_db]

PAGES = (
    "/account/billing/payment_methods/",
    "/account/subscriptions/4E2A1B9C70/change_card/",
)


def _on_own_cache(settings: Any, server: OwnRedis, **sso: Any) -> None:
    settings.CACHES = {**settings.CACHES, "shared": server.cache_settings()}
    settings.TWOCHECKOUT_SSO = {
        **settings.TWOCHECKOUT_SSO,
        "CACHE_ALIAS": "shared",
        "CIRCUIT_BREAKER_FAILURES": 5,
        **sso,
    }


def _new_worker(settings: Any) -> None:
    """A fresh backend, as in a worker that starts now (no reading of the cache remembered).

    A running process trusts a "closed" breaker reading for a second and the sessionID it
    saw for up to 30 seconds without reading the cache again (both documented).
    """
    settings.TWOCHECKOUT_SSO = dict(settings.TWOCHECKOUT_SSO)


def _logged(caplog: Any) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("rate_limit", ["30/m", None])
def test_stopped_cache_gives_the_friendly_503_never_a_500(
    shop: Shop, settings: Any, own_redis: OwnRedis, caplog: Any, rate_limit: str | None
) -> None:
    _on_own_cache(settings, own_redis, RATE_LIMIT=rate_limit)
    assert shop.ada.get(PAGES[0]).status_code == 302  # the cache works: a link
    own_redis.stop()
    _new_worker(settings)
    shop.emulator.calls.reset()
    SSOAuditLog.objects.all().delete()
    for page in PAGES:
        for method in ("get", "post"):
            caplog.clear()
            with caplog.at_level(logging.INFO):
                response = getattr(shop.ada, method)(page)
            assert response.status_code == 503
            assert b"Billing is temporarily unavailable" in response.content
            assert response["Retry-After"]
            logged = _logged(caplog)
            assert len(logged) == 1, [r.getMessage() for r in logged]
            assert logged[0].levelno == logging.ERROR
            assert "unreachable" in logged[0].getMessage()
            assert logged[0].exc_info is None
    assert shop.emulator.calls.count() == 0  # nothing reached 2Checkout
    outcomes = set(SSOAuditLog.objects.values_list("outcome", flat=True))
    # The rate limit stops the click before anything is minted (and audited).
    assert outcomes == (set() if rate_limit else {"CACHE_UNAVAILABLE"})


def test_cache_dying_after_the_breaker_check_still_gives_a_503(
    shop: Shop, settings: Any, own_redis: OwnRedis, caplog: Any, monkeypatch: Any
) -> None:
    """The breaker read the cache, then the cache died before the session was read."""
    if shop.protocol == "rest":
        pytest.skip("REST keeps no session in the cache")
    from django_2co_sso import get_backend

    _on_own_cache(settings, own_redis, RATE_LIMIT=None)
    backend = get_backend()
    backend.circuit.is_open()  # read now: trusted for the next second
    own_redis.stop()
    with caplog.at_level(logging.INFO):
        response = shop.ada.get(PAGES[0])
    assert response.status_code == 503
    assert SSOAuditLog.objects.get().outcome == "CACHE_UNAVAILABLE"
    assert len(_logged(caplog)) == 1
