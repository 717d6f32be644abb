"""The purchase loop in a real browser: shop -> 2Checkout cart -> notifications -> shop ->
myAccount -> notifications -> shop.

Dave, a new shopper without a billing account, clicks "Subscribe" on his billing page, places
the order in the emulator's cart and goes back to the shop, whose billing page shows the new
subscription (linked by the IPN/LCN the emulator posted to the shop's listeners) with its
manage buttons. He opens it in myAccount, cancels it there, goes back, and the shop shows it
as cancelled. Screenshots: the cart, the shop after the purchase, myAccount, the shop after
the cancellation (``e2e/screenshots/1x-*.png``).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from .conftest import Demo
from .test_browser import Screenshot, log_in

pytestmark = pytest.mark.e2e

DAVE = ("dave", "dave-demo-pass")
#: Seconds the shop may take to show a notification's effect (2Checkout: "within seconds").
NOTIFICATION_WAIT = 20.0


def row_status(page: Any, reference: str) -> str:
    """The status shown in the billing row of ``reference`` ("" while there is no row)."""
    row = page.locator("tr", has_text=reference)
    if row.count() == 0:
        return ""
    return str(row.locator(".status").inner_text()).strip()


def reload_until(page: Any, reference: str, status: str) -> None:
    """Reload the billing page (bounded) until the row of ``reference`` shows ``status``."""
    deadline = time.monotonic() + NOTIFICATION_WAIT
    while row_status(page, reference) != status:
        assert time.monotonic() < deadline, f"{reference} never showed {status!r}"
        page.wait_for_timeout(500)
        page.reload()


def test_dave_buys_manages_and_cancels(page: Any, demo: Demo, screenshot: Screenshot) -> None:
    log_in(page, demo, DAVE)
    assert page.get_by_text("You have no billing account yet").is_visible()
    subscribe = page.locator("a[data-product=PRO-YEARLY]")
    assert "customer-ext-ref=" in str(subscribe.get_attribute("href"))
    screenshot(page, "10-dave-subscribe")

    subscribe.click()
    page.wait_for_url(f"{demo.emulator}/checkout/buy?**")
    assert page.get_by_text("Pro plan (yearly)").first.is_visible()
    assert page.get_by_text("Local 2Checkout emulator").is_visible()
    page.fill("#first_name", "Dave")
    page.fill("#last_name", "Demo")
    page.fill("#email", "dave@example.com")
    screenshot(page, "11-emulator-cart")

    page.click("#place-order")
    page.get_by_text("Thank you for your order").wait_for()
    reference = str(page.locator("#subscription-ref").inner_text()).strip()
    screenshot(page, "12-emulator-order-complete")

    page.click("#back-to-shop")
    page.wait_for_url(f"{demo.site}/billing/**")
    # The page reloads itself until the notification has arrived.
    page.locator("tr", has_text=reference).wait_for(timeout=NOTIFICATION_WAIT * 1000)
    assert row_status(page, reference) == "Active"
    row = page.locator("tr", has_text=reference)
    assert row.get_by_role("button", name="Update card").is_visible()
    assert page.locator("a[data-product]").count() == 0  # no "Subscribe" any more
    screenshot(page, "13-shop-after-purchase")

    row.get_by_role("button", name="Details").click()
    page.wait_for_url(f"{demo.emulator}/myaccount/**")
    text = page.locator("body").inner_text()
    assert "Signed in as dave@example.com" in text
    assert reference in text
    screenshot(page, "14-emulator-myaccount")

    page.get_by_role("button", name="Cancel subscription").click()
    page.get_by_role("button", name="Re-enable subscription").wait_for()
    screenshot(page, "15-emulator-myaccount-cancelled")

    page.click("#back-to-shop")
    page.wait_for_url(f"{demo.site}/billing/**")
    reload_until(page, reference, "Cancelled")
    screenshot(page, "16-shop-after-cancel")
