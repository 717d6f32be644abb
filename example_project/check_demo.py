#!/usr/bin/env python3
"""Walk through the running demo like a browser: ``python example_project/check_demo.py``.

Logs in as ``alice``, opens "My billing", clicks "Update card" on her first subscription (a
POST with the CSRF token, as the button does), follows the redirect to the 2Checkout
emulator and checks that it signed her in on the ``change_card`` page of that subscription.
Then the same for Bob's "Buy again" cart button. Then the purchase loop: ``dave`` (no billing
account) follows "Subscribe" to the emulator's cart, places the order, comes back, waits for
the notification to show the subscription, opens it in myAccount, cancels it there and waits
for the shop to show it cancelled (after a restart of the demo: it resets dave). Exits
non-zero on the first failure.
Uses PORT (8000) like ``make demo``.
"""

from __future__ import annotations

import os
import re
import sys
import time
from html import unescape

import requests

BASE = f"http://127.0.0.1:{os.environ.get('PORT') or 8000}"
FORM_RE = re.compile(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', re.S)


def fail(message: str) -> None:
    sys.exit(f"FAILED: {message}")


def login(username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{BASE}/login/", timeout=10).raise_for_status()
    response = session.post(
        f"{BASE}/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/billing/",
        },
        headers={"Referer": f"{BASE}/login/"},
        timeout=10,
    )
    if not response.url.endswith("/billing/"):
        fail(f"login as {username} did not reach /billing/ (got {response.url})")
    return session


def click(session: requests.Session, billing_html: str, label: str) -> requests.Response:
    """Submit the first form whose button says ``label``; return the redirect (not followed)."""
    for action, body in FORM_RE.findall(billing_html):
        if f">{label}</button>" in body:
            fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', body))
            fields = {key: unescape(value) for key, value in fields.items()}
            return session.post(
                BASE + unescape(action),
                data=fields,
                headers={"Referer": f"{BASE}/billing/"},
                allow_redirects=False,
                timeout=10,
            )
    fail(f"no {label!r} button on the billing page")
    raise AssertionError  # unreachable


def check_redirect(response: requests.Response) -> str:
    if response.status_code != 302:
        fail(f"expected a 302, got {response.status_code}: {response.text[:300]}")
    if "no-store" not in response.headers.get("Cache-Control", ""):
        fail("the redirect may be cached")
    if response.headers.get("Referrer-Policy") != "no-referrer":
        fail("the redirect does not set Referrer-Policy: no-referrer")
    return response.headers["Location"]


def main() -> None:
    alice = login("alice", "alice-demo-pass")
    billing = alice.get(f"{BASE}/billing/", timeout=10).text
    location = check_redirect(click(alice, billing, "Update card"))
    print(f"alice: Update card -> {location.split('?')[0]}?…")
    landing = requests.get(location, timeout=10)
    expected = "Signed in as alice@example.com (customer 100000001) on page change_card."
    if landing.status_code != 200 or expected not in landing.text:
        fail(f"emulator page: {landing.status_code} {landing.text[:300]}")
    if "Subscription DEMOA1PRO1" not in landing.text:
        fail("the emulator page is not about Alice's subscription DEMOA1PRO1")
    print(f"alice: emulator says: {expected}")
    if requests.get(location, timeout=10).status_code != 403:
        fail("the link worked twice")
    print("alice: the link is single-use")

    bob = login("bob", "bob-demo-pass")
    billing = bob.get(f"{BASE}/billing/", timeout=10).text
    location = check_redirect(click(bob, billing, "Buy again"))
    landing = requests.get(location, timeout=10)
    expected = "Signed in as bob@example.com (customer 100000002) in the cart."
    if expected not in landing.text or "TEAM-MONTHLY x 1" not in landing.text:
        fail(f"cart page: {landing.status_code} {landing.text[:300]}")
    print(f"bob: emulator says: {expected}")
    purchase_loop()
    print("OK")


def wait_for(session: requests.Session, text: str, seconds: float = 15.0) -> str:
    """Reload the billing page until it shows ``text`` (bounded); return the page."""
    deadline = time.monotonic() + seconds
    while True:
        page = session.get(f"{BASE}/billing/", timeout=10).text
        if text in page:
            return page
        if time.monotonic() > deadline:
            fail(f"the billing page did not show {text!r} within {seconds:.0f} s")
        time.sleep(0.5)


def purchase_loop() -> None:
    dave = login("dave", "dave-demo-pass")
    billing = dave.get(f"{BASE}/billing/", timeout=10).text
    found = re.search(r'href="([^"]+/checkout/buy\?[^"]+)">Subscribe<', billing)
    if found is None:
        fail("no Subscribe link for dave (restart the demo to reset him)")
    link = unescape(found.group(1))
    checkout = requests.get(link, timeout=10)
    hidden = re.search(r'name="link" value="([^"]*)"', checkout.text)
    if checkout.status_code != 200 or hidden is None:
        fail(f"emulator cart: {checkout.status_code} {checkout.text[:300]}")
    done = requests.post(
        link.split("/checkout/")[0] + "/checkout/place",
        data={
            "link": unescape(hidden.group(1)),
            "first_name": "Dave",
            "last_name": "Demo",
            "email": "dave@example.com",
            "card": "4111 1111 1111 1111",
        },
        timeout=10,
    )
    reference = re.search(r"id='subscription-ref'>([0-9A-F]+)<", done.text)
    if reference is None:
        fail(f"order not placed: {done.status_code} {done.text[:300]}")
    print(f"dave: ordered, subscription {reference.group(1)}")
    billing = wait_for(dave, reference.group(1))
    print("dave: the billing page shows it (IPN/LCN received)")
    location = check_redirect(click(dave, billing, "Details"))
    browser = requests.Session()
    landing = browser.get(location, timeout=10)
    session_id = re.search(r'name="session" value="([0-9a-f]+)"', landing.text)
    if session_id is None:
        fail(f"myAccount page: {landing.status_code} {landing.text[:300]}")
    browser.post(
        location.split("/myaccount/")[0] + "/myaccount/action",
        data={
            "session": session_id.group(1),
            "subscription": reference.group(1),
            "action": "cancel",
        },
        timeout=10,
    )
    wait_for(dave, "Cancelled")
    print("dave: cancelled in myAccount, the shop shows Cancelled")


if __name__ == "__main__":
    main()
