"""A small shop mirroring the emulator's seed, over each backend, for the security suite."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.factories import (
    CustomerLinkFactory,
    PartnerFactory,
    PartnerUserFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.own_redis import own_redis  # noqa: F401 - a fixture for this suite
from tests.rogue import other_origin, rogue  # noqa: F401 - fixtures for this suite

BACKENDS = {
    "soap": "django_2co_sso.backends.soap.SoapBackend",
    "rpc": "django_2co_sso.backends.jsonrpc.JsonRpcBackend",
    "rest": "django_2co_sso.backends.rest.RestBackend",
}


@dataclasses.dataclass
class Shop:
    """Logged-in clients for two shoppers and a staff member, and the emulator."""

    emulator: Any
    protocol: str
    ada: Client
    grace: Client
    staff: Client
    ada_subscriptions: tuple[str, ...] = ("4E2A1B9C70", "7F3C2D1E60")
    grace_subscriptions: tuple[str, ...] = ("9B8C7D6E50",)


@pytest.fixture(autouse=True)
def _empty_outbox() -> Any:
    from django_2co_sso.backends import locmem

    locmem.reset()
    yield
    locmem.reset()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(params=sorted(BACKENDS))
def shop(
    request: pytest.FixtureRequest, twocheckout_emulator: Any, settings: Any, db: None
) -> Shop:
    settings.TWOCHECKOUT_SSO = {
        **settings.TWOCHECKOUT_SSO,
        "BACKEND": BACKENDS[request.param],
        "PARTNER_PANEL_URL": f"{twocheckout_emulator.base_url}/cpanel/index.php",
        "TIMEOUT": 1.0,
        "CONNECT_TIMEOUT": 1.0,
        "RATE_LIMIT": None,
        "CIRCUIT_BREAKER_FAILURES": 0,
    }
    ada = UserFactory(username="ada", email="ada@example.com")
    ada_link = CustomerLinkFactory(user=ada, external_reference="shop-customer-1")
    for reference in Shop.ada_subscriptions:
        SubscriptionFactory(customer=ada_link, reference=reference)
    grace = UserFactory(username="grace", email="grace@example.com")
    grace_link = CustomerLinkFactory(user=grace, external_reference="shop-customer-2")
    SubscriptionFactory(customer=grace_link, reference="9B8C7D6E50")
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    staff.user_permissions.add(Permission.objects.get(codename="generate_partner_sso"))
    partner = PartnerFactory(code="ACMEDIST", name="Acme Distribution")
    PartnerUserFactory(partner=partner, email="alice@acme-partner.example")
    PartnerFactory(code="OLDRESELLER", name="Old Reseller")
    return Shop(
        emulator=twocheckout_emulator,
        protocol=request.param,
        ada=_client(ada),
        grace=_client(grace),
        staff=_client(staff),
    )
