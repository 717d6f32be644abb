"""Every SSO URL, for every method: anonymous users go to login, and a shopper reaches only
their own customer and subscriptions (another shopper's reference is a 404, like a missing one).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_2co_sso.backends import locmem
from django_2co_sso.models import SSOAuditLog
from django_2co_sso.validation import CUSTOMER_PAGES, SUBSCRIPTION_PAGES
from tests.factories import CustomerLinkFactory, SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db
OWN, OTHER, MISSING = "ADASUB0001", "GRACESUB01", "NOSUCHSUB1"
CART = "https://store.2checkout.com/order/checkout.php?PRODS=1"


def _urls(reference: str) -> list[tuple[str, dict[str, str]]]:
    urls: list[tuple[str, dict[str, str]]] = [(f"/account/subscriptions/{reference}/", {})]
    urls += [(f"/account/subscriptions/{reference}/{page}/", {}) for page in SUBSCRIPTION_PAGES]
    urls.append(("/account/billing/my_subscription/", {"subscription": reference}))
    return urls


ALL_URLS = [
    ("/account/billing/", {}),
    *[(f"/account/billing/{page}/", {}) for page in CUSTOMER_PAGES if page != "my_subscription"],
    ("/account/cart/", {"url": CART}),
    *_urls(OWN),
]


@pytest.fixture
def shoppers(settings: Any) -> tuple[Client, Client]:
    settings.TWOCHECKOUT_SSO = {**settings.TWOCHECKOUT_SSO, "RATE_LIMIT": None}
    clients = []
    for name, reference in (("ada", OWN), ("grace", OTHER)):
        user = UserFactory(username=name)
        link = CustomerLinkFactory(user=user, external_reference=f"{name}-1")
        SubscriptionFactory(customer=link, reference=reference)
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients[0], clients[1]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("url", "data"), ALL_URLS)
def test_anonymous_is_sent_to_login(
    shoppers: Any, method: str, url: str, data: dict[str, str]
) -> None:
    response = getattr(Client(), method)(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert locmem.outbox == []


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("url", "data"), ALL_URLS)
def test_own_references_work(
    shoppers: tuple[Client, Client], method: str, url: str, data: dict[str, str]
) -> None:
    ada, _ = shoppers
    response = getattr(ada, method)(url, data)
    assert response.status_code == 302
    assert len(locmem.outbox) == 1


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("url", "data"), _urls(OTHER))
def test_another_shoppers_subscription_is_404_like_a_missing_one(
    shoppers: tuple[Client, Client], method: str, url: str, data: dict[str, str]
) -> None:
    ada, _ = shoppers
    other = getattr(ada, method)(url, data)
    missing_url = url.replace(OTHER, MISSING)
    missing_data = {k: v.replace(OTHER, MISSING) for k, v in data.items()}
    missing = getattr(ada, method)(missing_url, missing_data)
    assert other.status_code == missing.status_code == 404
    assert other.content.replace(OTHER.encode(), b"X") == missing.content.replace(
        MISSING.encode(), b"X"
    )
    assert locmem.outbox == []


@pytest.mark.parametrize(("url", "data"), _urls(OTHER))
def test_another_shoppers_subscription_is_audited_as_not_found(
    shoppers: tuple[Client, Client], url: str, data: dict[str, str]
) -> None:
    ada, _ = shoppers
    assert ada.get(url, data, REMOTE_ADDR="203.0.113.9").status_code == 404
    row = SSOAuditLog.objects.get()
    assert (row.user.username, row.outcome, row.client_ip) == ("ada", "NOT_FOUND", "203.0.113.9")
    if "my_subscription" in url:
        assert (row.kind, row.target_reference, row.detail) == ("customer", "ada-1", OTHER)
    else:
        assert (row.kind, row.target_reference) == ("subscription", OTHER)
    assert locmem.outbox == []


def test_a_refused_audit_write_keeps_the_404(
    shoppers: tuple[Client, Client], caplog: pytest.LogCaptureFixture
) -> None:
    from django.db import connection

    ada, _ = shoppers
    table = SSOAuditLog._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE FUNCTION refuse_audit() RETURNS trigger AS "
                "$$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
            )
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    with caplog.at_level("ERROR", logger="django_2co_sso"):
        response = ada.get(f"/account/subscriptions/{OTHER}/")
    assert response.status_code == 404
    assert "audit row NOT written" in caplog.text
    assert "outcome=NOT_FOUND" in caplog.text


def test_customer_links_use_only_the_shoppers_own_customer(shoppers: tuple[Client, Client]) -> None:
    ada, grace = shoppers
    ada.get("/account/billing/payment_methods/", {"customer": "grace-1"})
    grace.get("/account/billing/payment_methods/")
    assert [call.request.customer_reference for call in locmem.outbox] == ["ada-1", "grace-1"]
