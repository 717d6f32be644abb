"""Shared fixtures of the Django integration tests (views, tags, admin, commands)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from django_2co_sso.backends import locmem
from django_2co_sso.registry import clear_backends
from tests.factories import CustomerLinkFactory, SubscriptionFactory, UserFactory


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    """Every test starts with an empty locmem outbox, no injected failure and an empty cache."""
    locmem.reset()
    for cache in caches.all():
        cache.clear()
    yield
    locmem.reset()
    clear_backends()


@pytest.fixture
def sso_settings(settings: Any) -> Any:
    """Edit ``TWOCHECKOUT_SSO`` keys for one test: ``sso_settings(RATE_LIMIT="2/m")``."""

    def update(**keys: Any) -> None:
        settings.TWOCHECKOUT_SSO = {**settings.TWOCHECKOUT_SSO, **keys}

    return update


@pytest.fixture
def alice(db: None) -> Any:
    """A shopper with an external customer reference and one subscription."""
    user = UserFactory(username="alice", email="alice@example.com")
    link = CustomerLinkFactory(user=user, external_reference="ALICE-EXT")
    SubscriptionFactory(customer=link, reference="SUBALICE1", display_name="Alice's plan")
    return user


@pytest.fixture
def bob(db: None) -> Any:
    """Another shopper, known to 2Checkout only by 2Checkout's own reference."""
    user = UserFactory(username="bob", email="bob@example.com")
    link = CustomerLinkFactory(user=user, external_reference=None, twocheckout_reference="BOB2CO")
    SubscriptionFactory(customer=link, reference="SUBBOB1", display_name="Bob's plan")
    return user


@pytest.fixture
def alice_client(alice: Any) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def csrf_client(alice: Any) -> Client:
    """A logged-in client that enforces CSRF checks, as browsers meet them."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


def sent(method: str) -> list[Any]:
    """The validated requests the locmem backend received for ``method``."""
    return [call.request for call in locmem.outbox if call.method == method]
