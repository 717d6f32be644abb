"""The cart: buy-link signature (good, bad, missing), checkout page, Place order, the order
API, and what an order creates in the emulator's state."""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import urlencode

import pytest

from django_2co_sso.emulator import Emulator
from tests.emulator.listener import place_order
from tests.emulator.wire import Wire

WORD = "emulator-buy-link-secret"


def lp(value: str) -> str:
    return f"{len(value.encode())}{value}"


def signed_link(emu: Emulator, **params: str) -> str:
    """A buy link signed by hand: customer-ext-ref, order-ext-ref, return-url, by name."""
    query = {"merchant": "EMULATOR", "prod": "PRO-YEARLY", "qty": "1", **params}
    names = sorted(n for n in query if n in ("customer-ext-ref", "order-ext-ref", "return-url"))
    message = "".join(lp(query[n]) for n in names).encode()
    query["signature"] = hmac.new(WORD.encode(), message, hashlib.sha256).hexdigest()
    return f"{emu.base_url}/checkout/buy?{urlencode(query)}"


def place(wire: Wire, link: str, **form: str) -> str:
    """Place the order of ``link`` as the browser does; return the answer's text."""
    answer = place_order(wire.http, link, **form)
    assert answer.status_code == 200, answer.text
    return answer.text


def test_good_link_shows_the_checkout_page(emu: Emulator, wire: Wire) -> None:
    page = wire.get(signed_link(emu, **{"customer-ext-ref": "new-user-1"}))
    assert page.status_code == 200
    assert "Pro plan (yearly)" in page.text
    assert "99.00 EUR" in page.text
    assert "Place order" in page.text
    assert "Local 2Checkout emulator" in page.text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda url: re.sub(r"&signature=[0-9a-f]+", "", url), "not signed"),
        (lambda url: url.replace("signature=", "signature=00"), "not valid"),
        (lambda url: url.replace("new-user-1", "new-user-2"), "not valid"),
        (lambda url: url.replace("merchant=EMULATOR", "merchant=OTHER"), "known merchant"),
        (lambda url: url.replace("PRO-YEARLY", "NOPE"), "not for sale"),
        (lambda url: url.replace("qty=1", "qty=0"), "quantity"),
        (lambda url: url + "&qty=2", "repeats"),
    ],
)
def test_refusals(emu: Emulator, wire: Wire, change: object, reason: str) -> None:
    url = change(signed_link(emu, **{"customer-ext-ref": "new-user-1"}))  # type: ignore[operator]
    page = wire.get(url)
    assert page.status_code == 400
    assert "This purchase link cannot be used" in page.text
    assert reason in page.text


def test_merchant_is_not_signed(emu: Emulator, wire: Wire) -> None:
    other = Emulator(merchant_code="SHOP2")
    other.start()
    try:
        link = signed_link(emu, **{"customer-ext-ref": "x"}).replace(emu.base_url, other.base_url)
        # The same signature is valid for another merchant code: merchant is not signed.
        assert wire.get(link.replace("merchant=EMULATOR", "merchant=SHOP2")).status_code == 200
    finally:
        other.stop()


def test_place_order_creates_customer_and_subscription(emu: Emulator, wire: Wire) -> None:
    link = signed_link(
        emu, **{"customer-ext-ref": "new-user-1", "return-url": "http://shop.example/billing/"}
    )
    text = place(wire, link)
    assert "Thank you for your order" in text
    assert 'href="http://shop.example/billing/"' in text
    customer = emu.data.customer_by_external("new-user-1")
    assert customer is not None
    assert re.fullmatch(r"[1-9]\d{8}", customer.reference)
    assert (customer.email, customer.first_name) == ("zoe@example.com", "Zoë")
    (subscription,) = emu.data.subscriptions_of(customer.reference)
    assert subscription.status == "ACTIVE"
    assert subscription.product_code == "PRO-YEARLY"
    assert subscription.card_last_digits == "1111"
    assert subscription.reference in text
    (order,) = emu.commerce.orders
    assert order.customer_reference == customer.reference
    assert order.subscription_reference == subscription.reference
    # getCustomerSubscriptions answers from the same state.
    sid = wire.login_rpc()
    result = wire.rpc("getCustomerSubscriptions", sid, None, "new-user-1")["result"]
    assert [s["SubscriptionReference"] for s in result] == [subscription.reference]


def test_second_order_reuses_the_customer(emu: Emulator, wire: Wire) -> None:
    link = signed_link(emu, **{"customer-ext-ref": "shop-customer-1"})
    place(wire, link)
    assert len(emu.data.subscriptions_of("352365983")) == 3
    assert len(emu.data.customers) == 3


def test_place_checks_the_link_again_and_the_card(emu: Emulator, wire: Wire) -> None:
    tampered = "merchant=EMULATOR&prod=PRO-YEARLY&qty=1&customer-ext-ref=x&signature=00"
    answer = wire.http.post(f"{wire.base}/checkout/place", data={"link": tampered}, timeout=10)
    assert answer.status_code == 400
    link = signed_link(emu, **{"customer-ext-ref": "u-card"})
    page = wire.get(link)
    hidden = re.search(r'name="link" value="([^"]*)"', page.text)
    assert hidden is not None
    answer = wire.http.post(
        f"{wire.base}/checkout/place",
        data={"link": hidden.group(1).replace("&amp;", "&"), "card": "12"},
        timeout=10,
    )
    assert answer.status_code == 400
    assert "card number" in answer.text
    assert emu.commerce.orders == []


def test_order_api(emu: Emulator, wire: Wire) -> None:
    response = wire.control(
        "POST", "orders", {"product": "TEAM-MONTHLY", "quantity": 2, "customer_ext_ref": "api-1"}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"order_reference", "customer_reference", "subscription_reference"}
    customer = emu.data.customer(body["customer_reference"])
    assert customer is not None
    assert customer.external_reference == "api-1"
    subscription = emu.data.subscription(body["subscription_reference"])
    assert subscription is not None
    assert subscription.quantity == 2
    orders = wire.control("GET", "orders").json()["orders"]
    assert orders[0]["RefNo"] == body["order_reference"]
    assert orders[0]["Total"] == "58.00"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"product": "NOPE", "customer_ext_ref": "a"}, 400),
        ({"product": "PRO-YEARLY", "quantity": 0}, 400),
        ({"product": "PRO-YEARLY", "quantity": "1"}, 400),
        ({"product": "PRO-YEARLY", "colour": "red"}, 400),
        ({"product": "PRO-YEARLY", "email": "not-an-address"}, 400),
        ({"quantity": 1}, 400),
    ],
)
def test_order_api_refusals(emu: Emulator, wire: Wire, payload: object, status: int) -> None:
    response = wire.control("POST", "orders", payload)
    assert response.status_code == status
    assert "error" in response.json()
    assert emu.commerce.orders == []


def test_order_api_wrong_method_and_bad_json(wire: Wire) -> None:
    assert wire.control("DELETE", "orders").status_code == 405
    response = wire.http.post(f"{wire.base}/__emulator__/orders", data=b"{", timeout=10)
    assert response.status_code == 400


def test_buy_link_endpoint(emu: Emulator, wire: Wire) -> None:
    response = wire.control(
        "POST", "buy-link", {"product": "PRO-YEARLY", "params": {"customer-ext-ref": "u-9"}}
    )
    url = response.json()["url"]
    assert url == signed_link(emu, **{"customer-ext-ref": "u-9"})
    assert wire.control("POST", "buy-link", {"product": 1}).status_code == 400


def test_order_dates_follow_the_emulator_clock(emu: Emulator) -> None:
    emu.clock.advance(400 * 86400)
    order = emu.commerce.place_order("TEAM-MONTHLY", customer_ext_ref="clock-1")
    subscription = emu.data.subscription(order.subscription_reference)
    assert subscription is not None
    assert subscription.start_date == emu.clock.wall_now().date().isoformat()
    start = emu.clock.wall_now().date()
    assert subscription.expiration_date is not None
    assert subscription.expiration_date > start.isoformat()


def test_state_counts_orders_and_reset_forgets_them(emu: Emulator, wire: Wire) -> None:
    emu.set_listeners(ipn=["http://127.0.0.1:9/ipn"], lcn=[])
    order = emu.commerce.place_order("PRO-YEARLY", customer_ext_ref="state-1")
    state = wire.control("GET", "state").json()
    assert state["orders"] == 1
    assert state["listeners"] == {"ipn": ["http://127.0.0.1:9/ipn"], "lcn": []}
    assert state["pending_notifications"] == 1
    assert "Cart: /checkout/buy" in wire.get(f"{emu.base_url}/").text
    emu.reset()
    assert emu.commerce.orders == []
    assert emu.data.subscription(order.subscription_reference) is None
    assert emu.notifier.pending() == 0
    assert wire.control("GET", "state").json()["listeners"] == {"ipn": [], "lcn": []}
