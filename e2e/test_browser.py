"""A shopper's journey in a real browser: the demo shop, the SSO views, the 2Checkout emulator.

1. Alice logs in, sees her two subscriptions, clicks "Update card" on her Pro plan and lands,
   signed in, on the emulator's ``change_card`` page of that subscription.
2. She goes back and clicks again: a new link is minted; the first one stays used (403
   "already used").
3. Bob logs in and sees only his own subscription and buttons; Alice's subscription URL is a
   404 for him.

Each step leaves a screenshot in ``e2e/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Demo

pytestmark = pytest.mark.e2e

ALICE = ("alice", "alice-demo-pass")
BOB = ("bob", "bob-demo-pass")
ALICE_SUBSCRIPTIONS = ("DEMOA1PRO1", "DEMOA2STOR")
BOB_SUBSCRIPTIONS = ("DEMOB1TEAM",)

Screenshot = Callable[[Any, str], Any]


def log_in(page: Any, demo: Demo, user: tuple[str, str]) -> None:
    page.goto(f"{demo.site}/login/?next=/billing/")
    page.fill("input[name=username]", user[0])
    page.fill("input[name=password]", user[1])
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "[type=submit]"
    ).click()
    page.wait_for_url(f"{demo.site}/billing/")
    assert page.locator("h1", has_text="My billing").is_visible()


def update_card(page: Any, demo: Demo, subscription: str) -> str:
    """Click "Update card" in the row of ``subscription``; return the emulator URL reached."""
    row = page.locator("tr", has_text=subscription)
    row.get_by_role("button", name="Update card").click()
    page.wait_for_url(f"{demo.emulator}/**")
    return str(page.url)


def test_alice_updates_her_card_and_links_are_single_use(
    page: Any, demo: Demo, screenshot: Screenshot
) -> None:
    log_in(page, demo, ALICE)
    body = page.locator("body")
    for reference in ALICE_SUBSCRIPTIONS:
        assert body.get_by_text(reference).is_visible()
    for reference in BOB_SUBSCRIPTIONS:
        assert body.get_by_text(reference).count() == 0
    screenshot(page, "01-alice-billing")

    first_url = update_card(page, demo, "DEMOA1PRO1")
    assert "/myaccount/change_card/" in first_url
    text = page.locator("body").inner_text()
    assert "Signed in as alice@example.com (customer 100000001) on page change_card." in text
    assert "Subscription DEMOA1PRO1" in text
    screenshot(page, "02-alice-change-card")

    page.go_back()
    page.wait_for_url(f"{demo.site}/billing/")
    second_url = update_card(page, demo, "DEMOA1PRO1")
    assert second_url != first_url, "the same link was handed out twice"
    text = page.locator("body").inner_text()
    assert "Signed in as alice@example.com (customer 100000001) on page change_card." in text
    screenshot(page, "03-alice-change-card-again")

    response = page.goto(first_url)
    assert response is not None
    assert response.status == 403
    assert "Login token rejected: already used." in page.locator("body").inner_text()
    screenshot(page, "04-first-link-already-used")


def test_bob_sees_only_his_own_subscriptions(page: Any, demo: Demo, screenshot: Screenshot) -> None:
    log_in(page, demo, BOB)
    body = page.locator("body")
    for reference in BOB_SUBSCRIPTIONS:
        assert body.get_by_text(reference).is_visible()
    for reference in ALICE_SUBSCRIPTIONS:
        assert body.get_by_text(reference).count() == 0
    assert page.get_by_role("button", name="Update card").count() == len(BOB_SUBSCRIPTIONS)
    screenshot(page, "05-bob-billing")

    response = page.goto(f"{demo.site}/account/subscriptions/DEMOA1PRO1/change_card/")
    assert response is not None
    assert response.status == 404, "Bob could open a page of Alice's subscription"
    screenshot(page, "06-bob-cannot-open-alices-subscription")

    page.goto(f"{demo.site}/billing/")
    update_card(page, demo, "DEMOB1TEAM")
    text = page.locator("body").inner_text()
    assert "Signed in as bob@example.com (customer 100000002) on page change_card." in text
    assert "Subscription DEMOB1TEAM" in text
    screenshot(page, "07-bob-change-card")
