"""The whole loop over real HTTP: the shop's buy link -> the emulator's cart -> signed IPN
and LCN to the running test server's listeners -> a linked customer and one subscription row
-> the shop's SSO view (SOAP, JSON-RPC, REST) -> myAccount's Cancel button -> LCN ->
"Cancelled" in the shop. A listener whose answer loses its read receipt is retried, and the
retry is acknowledged without a second row."""

from __future__ import annotations

import re
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
import requests
from django.test import Client
from django.urls import reverse

from django_2co_sso.buylinks import buy_link
from django_2co_sso.models import CustomerLink, Subscription, WebhookNotification
from tests.emulator.listener import place_order, serve
from tests.factories import UserFactory

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

BACKENDS = {
    "soap": "django_2co_sso.backends.soap.SoapBackend",
    "rpc": "django_2co_sso.backends.jsonrpc.JsonRpcBackend",
    "rest": "django_2co_sso.backends.rest.RestBackend",
}


@pytest.fixture(params=sorted(BACKENDS))
def shop(
    request: pytest.FixtureRequest, twocheckout_emulator: Any, settings: Any, live_server: Any
) -> Iterator[Any]:
    """The emulator, the shop's settings pointed at it (one protocol), listeners registered."""
    emulator = twocheckout_emulator
    settings.TWOCHECKOUT_SSO = {
        **settings.TWOCHECKOUT_SSO,
        "BACKEND": BACKENDS[request.param],
        "TIMEOUT": 5.0,
        "BUY_LINK_URL": f"{emulator.base_url}/checkout/buy",
        "BUY_LINK_SECRET": emulator.buy_link_secret,
    }
    emulator.set_listeners(
        ipn=[live_server.url + reverse("twocheckout_webhooks:ipn")],
        lcn=[live_server.url + reverse("twocheckout_webhooks:lcn")],
    )
    yield emulator
    emulator.set_listeners(ipn=[], lcn=[])


def checkout(link: str, browser: requests.Session) -> str:
    """Open the buy link and press Place order; return the new subscription's reference."""
    done = place_order(
        browser, link, first_name="Dave", last_name="Dörfler", email="dave@example.com"
    )
    assert done.status_code == 200, done.text
    found = re.search(r"id='subscription-ref'>([0-9A-F]+)<", done.text)
    assert found is not None
    return found.group(1)


def test_purchase_notify_manage_cancel(shop: Any) -> None:
    user = UserFactory(username="dave", email="dave@example.com")
    link = buy_link(user, "PRO-YEARLY")  # creates dave's external reference
    external = CustomerLink.objects.get(user=user).external_reference
    assert f"customer-ext-ref={external}" in link
    browser = requests.Session()
    reference = checkout(link, browser)
    assert shop.wait_for_notifications(15)
    log = shop.notifier.log()
    assert {(e["kind"], e["receipt_valid"]) for e in log} == {("ipn", True), ("lcn", True)}

    customer = CustomerLink.objects.get(user=user)
    assert customer.twocheckout_reference == shop.data.customer_by_external(external).reference
    (row,) = Subscription.objects.filter(customer=customer)
    assert (row.reference, row.status, row.product_code) == (
        reference,
        Subscription.Status.ACTIVE,
        "PRO-YEARLY",
    )

    # Manage: the shop's SSO view mints a myAccount URL over the configured protocol.
    client = Client()
    client.force_login(user)
    minted = client.get(reverse("twocheckout_sso:subscription", args=[reference]))
    assert minted.status_code == 302, minted.content[:300]
    landing = browser.get(minted["Location"], timeout=10)
    assert f"Signed in as dave@example.com (customer {customer.twocheckout_reference})" in (
        landing.text
    )
    session = re.search(r'name="session" value="([0-9a-f]+)"', landing.text)
    assert session is not None
    cancelled = browser.post(
        f"{shop.base_url}/myaccount/action",
        data={"session": session.group(1), "subscription": reference, "action": "cancel"},
        timeout=10,
    )
    assert cancelled.status_code == 200
    assert shop.wait_for_notifications(15)
    row.refresh_from_db()
    assert row.status == Subscription.Status.CANCELLED
    assert Subscription.objects.filter(customer=customer).count() == 1
    browser.close()


@contextmanager
def receipt_losing_proxy(target: str, lose: int) -> Iterator[tuple[str, list[int]]]:
    """A 127.0.0.1 proxy to ``target`` that blanks the body of the first ``lose`` answers
    (the shop processed the notification, but its read receipt never arrived)."""
    seen: list[int] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            forward = urllib.request.Request(  # noqa: S310 - the live server's http URL
                target + self.path,
                data=body,
                headers={"Content-Type": self.headers.get("Content-Type", "")},
            )
            with urllib.request.urlopen(forward, timeout=10) as answer:  # noqa: S310
                status, text = answer.status, answer.read()
            with lock:
                seen.append(status)
                if len(seen) <= lose:
                    text = b"OK"
            self.send_response(status)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve(Handler) as base:
        yield base, seen


def test_lost_receipt_is_retried_and_acknowledged_once(shop: Any, live_server: Any) -> None:
    user = UserFactory(username="erin", email="erin@example.com")
    with receipt_losing_proxy(live_server.url, lose=1) as (proxy, seen):
        shop.set_listeners(ipn=[proxy + reverse("twocheckout_webhooks:ipn")], lcn=[])
        shop.commerce.place_order("PRO-YEARLY", customer_ext_ref=_reference(user))
        assert shop.wait_for_notifications(15)
        first = shop.notifier.log()
        assert [(e["attempt"], e["receipt_valid"]) for e in first] == [(1, False)]
        assert Subscription.objects.filter(customer__user=user).count() == 1
        shop.clock.advance(150)  # the vendor's second attempt
        assert shop.wait_for_notifications(15)
    log = shop.notifier.log()
    assert [(e["attempt"], e["receipt_valid"]) for e in log] == [(1, False), (2, True)]
    assert seen == [200, 200]
    (row,) = Subscription.objects.filter(customer__user=user)
    assert row.status == Subscription.Status.ACTIVE
    (stored,) = WebhookNotification.objects.filter(kind="ipn")
    assert stored.deliveries == 2
    assert stored.outcome == WebhookNotification.Outcome.PROCESSED


def _reference(user: Any) -> str:
    buy_link(user, "PRO-YEARLY")
    return str(CustomerLink.objects.get(user=user).external_reference)
