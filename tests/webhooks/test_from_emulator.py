"""The loop over real HTTP: the emulator (its own signing code) notifies the live listeners.

A user's buy link carries their reference; an order placed in the emulator for it comes back
as a signed IPN and LCN to Django's live server; the shop ends with one subscription in the
right state and the emulator accepts every read receipt. Cancelling in the emulator then
turns the row to cancelled. Written against the listener contract only: this checks the
listeners with a signer written apart from them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from django_2co_sso import buylinks
from django_2co_sso.models import CustomerLink, Subscription, WebhookNotification
from tests.factories import UserFactory

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def loop(twocheckout_emulator: Any, live_server: Any, sso_settings: Any) -> Any:
    emulator = twocheckout_emulator
    sso_settings(
        BUY_LINK_URL=f"{emulator.base_url}/checkout/buy",
        BUY_LINK_SECRET=emulator.buy_link_secret,
    )
    emulator.set_listeners(
        ipn=[f"{live_server.url}/2checkout/ipn/"], lcn=[f"{live_server.url}/2checkout/lcn/"]
    )
    return emulator


def settle(emulator: Any, rounds: int = 5) -> None:
    """Deliver until every notification is acknowledged.

    The IPN and the LCN of one order arrive at the same moment on two live-server threads; a
    listener that cannot store or apply one (SQLite's shared in-memory test database is locked
    by the other thread) answers without a receipt, and the emulator retries it on its
    schedule. The emulator's clock is moved to the next attempt instead of waiting for it.
    """
    for _ in range(rounds):
        assert emulator.wait_for_notifications(timeout=30)
        if emulator.notifier.pending() == 0:
            return
        emulator.clock.advance(300)
    raise AssertionError(f"notifications still unacknowledged: {emulator.notifier.log()}")


def test_purchase_then_cancel_reaches_the_shop(loop: Any) -> None:
    user = UserFactory(username="newcomer")
    link = buylinks.buy_link(user, "PRO-YEARLY")
    reference = dict(parse_qsl(urlsplit(link).query))["customer-ext-ref"]

    order = loop.commerce.place_order("PRO-YEARLY", customer_ext_ref=reference)
    settle(loop)

    customer = CustomerLink.objects.get(user=user)
    assert customer.external_reference == reference
    assert customer.twocheckout_reference  # 2Checkout's reference, learned from the IPN
    (subscription,) = Subscription.objects.filter(customer=customer)
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.product_code == "PRO-YEARLY"
    assert subscription.is_test == order.test

    loop.commerce.act(subscription.reference, "cancel")
    settle(loop)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED

    log = loop.notifier.log()
    assert log
    # every delivery ends acknowledged: its last attempt got a valid read receipt
    last_attempts = {entry["delivery"]: entry for entry in log}
    assert all(entry["receipt_valid"] for entry in last_attempts.values()), log
    assert {row.kind for row in WebhookNotification.objects.all()} == {"ipn", "lcn"}
    assert not WebhookNotification.objects.exclude(outcome="processed").exists()
