"""Subscription life cycle: control API, operator page, myAccount buttons, and their LCNs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from django_2co_sso.emulator import Emulator
from tests.emulator.listener import Listener, running_listener
from tests.emulator.wire import Wire


@pytest.fixture
def lcn(emu: Emulator) -> Iterator[Listener]:
    with running_listener() as (server, base):
        emu.set_listeners(ipn=[], lcn=[f"{base}/lcn/"])
        yield server


def last_lcn(emu: Emulator, server: Listener, count: int) -> dict[str, str]:
    server.wait_for(count)
    assert emu.wait_for_notifications()
    return dict(server.of("lcn")[count - 1])


@pytest.mark.parametrize(
    ("action", "status", "enabled", "recurring", "changed_by"),
    [
        ("cancel", "CANCELED", False, False, "VENDOR"),
        ("disable", "DISABLED", False, False, "VENDOR"),
        ("expire", "EXPIRED", True, False, "SYSTEM"),
        ("renew", "ACTIVE", True, True, "VENDOR"),
        ("enable", "ACTIVE", True, True, "VENDOR"),
    ],
)
def test_actions_over_the_control_api(
    emu: Emulator,
    wire: Wire,
    lcn: Listener,
    action: str,
    status: str,
    enabled: bool,
    recurring: bool,
    changed_by: str,
) -> None:
    response = wire.control("POST", f"subscriptions/4E2A1B9C70/{action}")
    assert response.status_code == 200
    body = response.json()["subscription"]
    assert (body["Status"], body["SubscriptionEnabled"], body["RecurringEnabled"]) == (
        status,
        enabled,
        recurring,
    )
    fields = last_lcn(emu, lcn, 1)
    assert fields["LICENSE_CODE"] == "4E2A1B9C70"
    assert fields["STATUS"] == status
    assert fields["RECURRING"] == ("1" if recurring else "0")
    assert fields["CHANGED_BY"] == changed_by
    assert fields["EXTERNAL_CUSTOMER_REFERENCE"] == "shop-customer-1"
    assert fields["EXPIRATION_DATE"] == body["ExpirationDate"]


def test_renew_extends_by_one_cycle_and_expire_dates_today(emu: Emulator, wire: Wire) -> None:
    emu.data.update_subscription("9B8C7D6E50", expiration_date="2999-01-31")
    renewed = wire.control("POST", "subscriptions/9B8C7D6E50/renew").json()["subscription"]
    assert renewed["ExpirationDate"] == "2999-02-28"  # monthly plan, day clipped
    emu.data.update_subscription("4E2A1B9C70", expiration_date="2000-01-01")
    lapsed = wire.control("POST", "subscriptions/4E2A1B9C70/renew").json()["subscription"]
    today = emu.clock.wall_now().date()
    assert lapsed["ExpirationDate"] == today.replace(year=today.year + 1).isoformat()
    expired = wire.control("POST", "subscriptions/4E2A1B9C70/expire").json()["subscription"]
    assert expired["ExpirationDate"] == emu.clock.wall_now().date().isoformat()


def test_change_card(emu: Emulator, wire: Wire, lcn: Listener) -> None:
    missing = wire.control("POST", "subscriptions/4E2A1B9C70/change_card")
    assert missing.status_code == 400
    response = wire.control(
        "POST", "subscriptions/4E2A1B9C70/change_card", {"card_number": "5555 5555 5555 4444"}
    )
    assert response.json()["subscription"]["CardLastDigits"] == "4444"
    assert last_lcn(emu, lcn, 1)["STATUS"] == "ACTIVE"


@pytest.mark.parametrize(
    ("path", "payload", "status"),
    [
        ("subscriptions/NOPE/cancel", None, 404),
        ("subscriptions/4E2A1B9C70/explode", None, 400),
        ("subscriptions/4E2A1B9C70/cancel", {"changed_by": "ROBOT"}, 400),
        ("subscriptions/4E2A1B9C70/cancel", [], 400),
    ],
)
def test_action_refusals(wire: Wire, path: str, payload: object, status: int) -> None:
    assert wire.control("POST", path, payload).status_code == status
    assert wire.control("GET", path).status_code == 405


def test_operator_page(emu: Emulator, wire: Wire, lcn: Listener) -> None:
    page = wire.control("GET", "operator")
    assert page.status_code == 200
    assert "Operator: subscriptions" in page.text
    assert "4E2A1B9C70" in page.text
    answer = wire.http.post(
        f"{wire.base}/__emulator__/operator",
        data={"subscription": "9B8C7D6E50", "action": "disable"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303
    subscription = emu.data.subscription("9B8C7D6E50")
    assert subscription is not None
    assert subscription.status == "DISABLED"
    assert last_lcn(emu, lcn, 1)["STATUS"] == "DISABLED"
    assert "valid" in wire.control("GET", "operator").text  # the delivery log
    refused = wire.http.post(
        f"{wire.base}/__emulator__/operator",
        data={"subscription": "9B8C7D6E50", "action": "explode"},
        timeout=10,
    )
    assert refused.status_code == 400
    assert wire.control("DELETE", "operator").status_code == 405


def _sso(wire: Wire, page: str = "my_subscription") -> str:
    sid = wire.login_rpc()
    request = "Request[]=code=4E2A1B9C70" if page == "my_subscription" else None
    result = wire.rpc(
        "getSingleSignOnByCustomer",
        sid,
        "shop-customer-1",
        "ExternalCustomerReference",
        page,
        request,
        30,
        None,
    )["result"]
    return str(result)


def test_myaccount_cancel_button_sends_the_customers_lcn(
    emu: Emulator, wire: Wire, lcn: Listener
) -> None:
    browser = requests.Session()
    page = browser.get(_sso(wire), timeout=10)
    assert page.status_code == 200
    assert "Signed in as ada@example.com (customer 352365983) on page my_subscription." in (
        page.text
    )
    assert "Local 2Checkout emulator" in page.text
    assert "Cancel subscription" in page.text
    session = re.search(r'name="session" value="([0-9a-f]+)"', page.text)
    assert session is not None
    answer = browser.post(
        f"{wire.base}/myaccount/action",
        data={"session": session.group(1), "subscription": "4E2A1B9C70", "action": "cancel"},
        timeout=10,
    )
    assert answer.status_code == 200  # redirected back to a page of the session
    assert "CANCELED" in answer.text
    assert "Re-enable subscription" in answer.text
    fields = last_lcn(emu, lcn, 1)
    assert (fields["STATUS"], fields["CHANGED_BY"]) == ("CANCELED", "CUSTOMER")
    again = browser.post(
        f"{wire.base}/myaccount/action",
        data={"session": session.group(1), "subscription": "4E2A1B9C70", "action": "enable"},
        timeout=10,
    )
    assert "ACTIVE" in again.text
    assert last_lcn(emu, lcn, 2)["STATUS"] == "ACTIVE"
    browser.close()


def test_myaccount_change_card_and_pages(emu: Emulator, wire: Wire) -> None:
    browser = requests.Session()
    page = browser.get(_sso(wire, "payment_methods"), timeout=10)
    assert "Save card" in page.text
    session = re.search(r'name="session" value="([0-9a-f]+)"', page.text)
    assert session is not None
    browser.post(
        f"{wire.base}/myaccount/action",
        data={
            "session": session.group(1),
            "subscription": "7F3C2D1E60",
            "action": "change_card",
            "card": "4000 0000 0000 0077",
        },
        timeout=10,
    )
    subscription = emu.data.subscription("7F3C2D1E60")
    assert subscription is not None
    assert subscription.card_last_digits == "0077"
    for path in ("", "my_products/", "user_data/", "order_lookup/", "view_order/", "faq/"):
        shown = browser.get(f"{wire.base}/myaccount/{path}", timeout=10)
        assert shown.status_code == 200, path
        assert "Signed in as ada@example.com" in shown.text
    assert browser.get(f"{wire.base}/support/", timeout=10).status_code == 200
    browser.close()


def test_myaccount_refusals_are_friendly(emu: Emulator, wire: Wire) -> None:
    url = _sso(wire)
    browser = requests.Session()
    assert browser.get(url, timeout=10).status_code == 200
    used = requests.get(url, timeout=10)
    assert used.status_code == 403
    assert "Please sign in again" in used.text
    assert "already been used" in used.text
    assert "Login token rejected: already used." in used.text
    emu.clock.advance(31)
    expired = requests.get(_sso(wire).replace("?", "?x=1&"), timeout=10)
    assert expired.status_code == 200  # a fresh token works
    no_session = requests.get(f"{wire.base}/myaccount/", timeout=10)
    assert no_session.status_code == 403
    assert "not signed in" in no_session.text
    # A button without the session's form field (another site posting) is refused.
    forged = browser.post(
        f"{wire.base}/myaccount/action",
        data={"subscription": "4E2A1B9C70", "action": "cancel"},
        timeout=10,
    )
    assert forged.status_code == 403
    page = browser.get(f"{wire.base}/myaccount/", timeout=10)
    session = re.search(r'name="session" value="([0-9a-f]+)"', page.text)
    assert session is not None
    foreign = browser.post(
        f"{wire.base}/myaccount/action",
        data={"session": session.group(1), "subscription": "9B8C7D6E50", "action": "cancel"},
        timeout=10,
    )
    assert foreign.status_code == 400  # Grace's subscription, not Ada's
    assert browser.get(f"{wire.base}/myaccount/action", timeout=10).status_code == 405
    emu.clock.advance(1801)
    assert browser.get(f"{wire.base}/myaccount/", timeout=10).status_code == 403
    browser.close()


def test_expired_token_page(emu: Emulator, wire: Wire) -> None:
    url = _sso(wire)
    emu.clock.advance(31)
    page = requests.get(url, timeout=10)
    assert page.status_code == 403
    assert "has expired" in page.text


def test_back_to_shop_link(wire: Wire) -> None:
    shop = Emulator(shop_url="http://shop.example/billing/")
    shop.start()
    try:
        used = requests.get(f"{shop.base_url}/myaccount/?logintoken=" + "a" * 40, timeout=10)
        assert 'href="http://shop.example/billing/"' in used.text
    finally:
        shop.stop()
