"""The contract suite: every backend, over real HTTP, against the local emulator."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.conf import settings
from django.test import override_settings

from django_2co_sso import get_backend
from django_2co_sso.backends import soap
from django_2co_sso.backends.base import BaseBackend
from django_2co_sso.registry import clear_backends

BACKENDS = {
    "soap": "django_2co_sso.backends.soap.SoapBackend",
    "rpc": "django_2co_sso.backends.jsonrpc.JsonRpcBackend",
    "rest": "django_2co_sso.backends.rest.RestBackend",
}

# From the emulator's packaged seed.
ADA = {"external": "shop-customer-1", "2checkout": "352365983", "email": "ada@example.com"}
ADA_SUBSCRIPTION = "4E2A1B9C70"
GRACE_SUBSCRIPTION = "9B8C7D6E50"
PARTNER = "ACMEDIST"
PARTNER_USER = "alice@acme-partner.example"


@dataclasses.dataclass
class Api:
    """The backend under test, its protocol and the emulator behind it."""

    protocol: str
    emulator: Any

    @property
    def backend(self) -> BaseBackend:
        return get_backend()

    def visit(self, url: str) -> requests.Response:
        """Follow an SSO URL the way the shopper's browser would."""
        return requests.get(url, timeout=5, allow_redirects=False)

    def logins(self) -> int:
        return int(self.emulator.calls.count("login"))

    def settings(self, **extra: Any) -> Any:
        """``override_settings`` adding ``extra`` to the emulator-pointed setting."""
        return override_settings(TWOCHECKOUT_SSO={**settings.TWOCHECKOUT_SSO, **extra})


@pytest.fixture(params=sorted(BACKENDS))
def api(request: pytest.FixtureRequest, twocheckout_emulator: Any) -> Iterator[Api]:
    clear_backends()
    soap.clear_clients()
    with override_settings(
        TWOCHECKOUT_SSO={
            **settings.TWOCHECKOUT_SSO,
            "BACKEND": BACKENDS[request.param],
            "TIMEOUT": 2.0,
            "CONNECT_TIMEOUT": 1.0,
            "CIRCUIT_BREAKER_FAILURES": 0,
        }
    ):
        yield Api(request.param, twocheckout_emulator)
