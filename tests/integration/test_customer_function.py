"""CUSTOMER_REFERENCE_FUNCTION and SUBSCRIPTION_OWNER_FUNCTION instead of CustomerLink."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client

from django_2co_sso.backends import locmem
from tests.factories import CustomerLinkFactory, SubscriptionFactory, UserFactory

from .conftest import sent

pytestmark = pytest.mark.django_db

HERE = __name__


def customer_from_profile(request: HttpRequest) -> tuple[str, str] | None:
    """A project's resolver: here, customers are named after their username."""
    if request.user.username == "nobody":
        return None
    return (f"CO-{request.user.username.upper()}", "2checkout")


def broken_resolver(request: HttpRequest) -> Any:
    return "not a pair"


def owner_by_prefix(request: HttpRequest, reference: str) -> bool:
    """A project's ownership rule: subscriptions are prefixed with the username."""
    return reference.startswith(request.user.username.upper() + "-")


@pytest.fixture
def carol_client(sso_settings: Any) -> Client:
    sso_settings(CUSTOMER_REFERENCE_FUNCTION=f"{HERE}.customer_from_profile")
    client = Client()
    client.force_login(UserFactory(username="carol"))  # no CustomerLink row
    return client


def test_function_replaces_customer_link(carol_client: Client) -> None:
    assert carol_client.get("/account/billing/user_data/").status_code == 302
    [call] = sent("getSingleSignOnByCustomer")
    assert (call.customer_reference, call.reference_type) == ("CO-CAROL", "2checkout")


def test_function_is_used_for_the_cart_too(carol_client: Client) -> None:
    url = "https://secure.2checkout.com/order/checkout.php?PRODS=5"
    assert carol_client.get("/account/cart/", {"url": url}).status_code == 302
    [call] = sent("getSingleSignOnInCart")
    assert call.customer_reference == "CO-CAROL"


def test_function_returning_none_means_no_customer(sso_settings: Any) -> None:
    sso_settings(CUSTOMER_REFERENCE_FUNCTION=f"{HERE}.customer_from_profile")
    client = Client()
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/account/billing/").status_code == 404
    assert locmem.outbox == []


def test_function_returning_garbage_is_a_logged_503(
    sso_settings: Any, alice_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    sso_settings(CUSTOMER_REFERENCE_FUNCTION=f"{HERE}.broken_resolver")
    assert alice_client.get("/account/billing/").status_code == 503
    assert any("CUSTOMER_REFERENCE_FUNCTION" in r.getMessage() for r in caplog.records)


def test_ownership_falls_back_to_subscription_rows_with_the_same_reference(
    carol_client: Client,
) -> None:
    # the Subscription mirror is keyed by customer reference, whoever the row's user is
    mirror = CustomerLinkFactory(external_reference=None, twocheckout_reference="CO-CAROL")
    SubscriptionFactory(customer=mirror, reference="SUBCAROL")
    SubscriptionFactory(reference="SUBSOMEONE")
    assert carol_client.get("/account/subscriptions/SUBCAROL/change_card/").status_code == 302
    assert carol_client.get("/account/subscriptions/SUBSOMEONE/change_card/").status_code == 404
    assert (
        carol_client.get(
            "/account/billing/my_subscription/", {"subscription": "SUBSOMEONE"}
        ).status_code
        == 404
    )
    assert len(locmem.outbox) == 1


def test_without_mirror_rows_subscriptions_fail_closed(carol_client: Client) -> None:
    assert carol_client.get("/account/subscriptions/ANYTHING/change_card/").status_code == 404
    assert locmem.outbox == []


def test_subscription_owner_function_decides_ownership(
    carol_client: Client, sso_settings: Any
) -> None:
    sso_settings(SUBSCRIPTION_OWNER_FUNCTION=f"{HERE}.owner_by_prefix")
    assert carol_client.get("/account/subscriptions/CAROL-1/my_license/").status_code == 302
    assert carol_client.get("/account/subscriptions/DAVE-1/my_license/").status_code == 404
    assert (
        carol_client.get(
            "/account/billing/my_subscription/", {"subscription": "CAROL-2"}
        ).status_code
        == 302
    )
    assert (
        carol_client.get(
            "/account/billing/my_subscription/", {"subscription": "DAVE-1"}
        ).status_code
        == 404
    )
    assert [call.request.subscription_reference for call in locmem.outbox] == [
        "CAROL-1",
        "CAROL-2",
    ]


def test_owner_function_works_without_any_customer(sso_settings: Any) -> None:
    """Subscription links need no customer reference: only the ownership rule."""
    sso_settings(SUBSCRIPTION_OWNER_FUNCTION=f"{HERE}.owner_by_prefix")
    client = Client()
    client.force_login(UserFactory(username="erin"))  # neither CustomerLink nor function
    assert client.get("/account/subscriptions/ERIN-7/").status_code == 302
    assert client.get("/account/billing/").status_code == 404  # customer pages still need one
