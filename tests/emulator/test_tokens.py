"""SSO tokens: formats, single use, expiry on the clock, IP binding, unknown, lookups."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from django_2co_sso.emulator import Emulator
from tests.emulator.wire import Wire


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["logintoken"][0]


def myaccount_url(wire: Wire, sid: str, ip: str | None = None, validity: int = 10) -> str:
    answer = wire.soap("getSingleSignOn", sid, "4E2A1B9C70", None, validity, "change_card", ip)
    assert answer.status == 200, answer
    return str(answer.value)


def test_url_shape_and_landing(emu: Emulator, wire: Wire) -> None:
    url = myaccount_url(wire, wire.login_soap())
    assert url.startswith(f"{emu.base_url}/myaccount/change_card/?subscription=4E2A1B9C70&")
    assert re.fullmatch(r"[0-9a-f]{40}", token_of(url))
    page = wire.get(url)
    assert page.status_code == 200
    assert "Signed in as ada@example.com (customer 352365983) on page change_card" in page.text
    assert "Subscription 4E2A1B9C70" in page.text
    assert emu.issued_tokens == [token_of(url)]


def test_single_use(wire: Wire) -> None:
    url = myaccount_url(wire, wire.login_soap())
    assert wire.get(url).status_code == 200
    again = wire.get(url)
    assert again.status_code == 403
    assert "already used" in again.text


def test_expiry_on_the_emulator_clock(emu: Emulator, wire: Wire) -> None:
    url = myaccount_url(wire, wire.login_soap(), validity=30)
    emu.clock.advance(30)
    page = wire.get(url)
    assert page.status_code == 403
    assert "expired" in page.text


def test_default_validity_is_ten_seconds(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_soap()
    first = wire.soap("getSingleSignOn", sid, "4E2A1B9C70", None, None, None, None).value
    second = wire.soap("getSingleSignOn", sid, "4E2A1B9C70", None, None, None, None).value
    emu.clock.advance(9.5)
    assert wire.get(first).status_code == 200
    emu.clock.advance(0.5)
    assert "expired" in wire.get(second).text


def test_ip_binding(wire: Wire) -> None:
    sid = wire.login_soap()
    foreign = wire.get(myaccount_url(wire, sid, ip="10.1.2.3"))
    assert foreign.status_code == 403
    assert "IP mismatch" in foreign.text
    assert wire.get(myaccount_url(wire, sid, ip="127.0.0.1")).status_code == 200
    assert wire.get(myaccount_url(wire, sid, ip="")).status_code == 200


def test_ip_mismatch_does_not_use_the_token(emu: Emulator, wire: Wire) -> None:
    url = myaccount_url(wire, wire.login_soap(), ip="10.1.2.3")
    assert wire.get(url).status_code == 403
    token = emu.tokens.peek(token_of(url))
    assert token is not None
    assert not token.used


@pytest.mark.parametrize(
    "path",
    [
        "/myaccount/?logintoken=" + "a" * 40,
        "/myaccount/change_card/",
        "/order/checkout.php?PRODS=1&logintoken=" + "b" * 40,
        "/cpanel/index.php?logintoken=" + "c" * 32,
        "/cpanel/index.php",
    ],
)
def test_unknown_tokens(emu: Emulator, wire: Wire, path: str) -> None:
    page = wire.get(emu.base_url + path)
    assert page.status_code == 403
    assert "unknown" in page.text


def test_token_of_one_kind_is_unknown_elsewhere(emu: Emulator, wire: Wire) -> None:
    url = myaccount_url(wire, wire.login_soap())
    page = wire.get(f"{emu.base_url}/cpanel/index.php?logintoken={token_of(url)}")
    assert "unknown" in page.text


def test_page_mismatch(emu: Emulator, wire: Wire) -> None:
    url = myaccount_url(wire, wire.login_soap())
    page = wire.get(f"{emu.base_url}/myaccount/user_data/?logintoken={token_of(url)}")
    assert page.status_code == 403
    assert "page mismatch" in page.text


def test_customer_lookup_does_not_consume(wire: Wire) -> None:
    sid = wire.login_soap()
    url = myaccount_url(wire, sid)
    answer = wire.soap("getCustomerInformationBySSOToken", sid, token_of(url))
    assert answer.value["Email"] == "ada@example.com"
    assert answer.value["ExternalCustomerReference"] == "shop-customer-1"
    assert wire.get(url).status_code == 200
    # Still known after use.
    again = wire.rpc("getCustomerInformationBySSOToken", sid, token_of(url))["result"]
    assert again["CustomerReference"] == "352365983"
    assert again["Enabled"] is True
    assert again["Trial"] is False


def test_customer_lookup_unknown_or_partner_token(wire: Wire) -> None:
    sid = wire.login_soap()
    assert wire.soap("getCustomerInformationBySSOToken", sid, "f" * 40).fault_code == (
        "INVALID_TOKEN"
    )
    assert wire.soap("setPartner", sid, "ACMEDIST").value == "true"
    partner_url = wire.soap(
        "getPartnerSingleSignOn",
        sid,
        "alice@acme-partner.example",
        "ACMEDIST",
        "https://partner.example/cpanel/",
        10,
        "",
    ).value
    error = wire.rpc("getCustomerInformationBySSOToken", sid, token_of(partner_url))["error"]
    assert error["data"]["error_code"] == "INVALID_TOKEN"
    assert error["code"] == 10404


def test_cart_landing(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_soap()
    cart = f"{emu.base_url}/order/checkout.php?PRODS=1234567,42&QTY=2"
    url = wire.soap(
        "getSingleSignOnInCart", sid, "shop-customer-2", "ExternalCustomerReference", cart, 10, None
    ).value
    assert url.startswith(cart + "&logintoken=")
    assert re.fullmatch(r"[0-9a-f]{40}", token_of(url))
    page = wire.get(url)
    assert "Signed in as grace@example.com (customer 352365984)" in page.text
    assert "Products: 1234567 x 2, 42 x 1." in page.text
    assert "already used" in wire.get(url).text


def test_partner_landing(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_rpc()
    assert wire.rpc("setPartner", sid, "ACMEDIST")["result"] is True
    url = wire.rpc(
        "getPartnerSingleSignOn",
        sid,
        "bob@acme-partner.example",
        "ACMEDIST",
        "https://partner.example/cpanel/orders.php?id=7",
        10,
        "",
    )["result"]
    assert url.startswith(f"{emu.base_url}/cpanel/index.php?logintoken=")
    assert re.fullmatch(r"[0-9a-f]{32}", token_of(url))
    page = wire.get(url)
    assert page.status_code == 200
    assert "Signed in as bob@acme-partner.example for partner ACMEDIST" in page.text
    assert "https://partner.example/cpanel/orders.php?id=7" in page.text.replace("&amp;", "&")
    assert "already used" in wire.get(url).text


def test_home_and_faq_urls(emu: Emulator, wire: Wire) -> None:
    sid = wire.login_soap()
    home = wire.soap("getSingleSignOn", sid, "9B8C7D6E50", "", 10, None, None).value
    assert home.startswith(f"{emu.base_url}/myaccount/?logintoken=")
    assert "on page index" in wire.get(home).text
    faq = wire.soap(
        "getSingleSignOnByCustomer",
        sid,
        "352365985",
        "2CheckoutCustomerReference",
        "faq",
        None,
        10,
        None,
        "de",
    ).value
    assert faq.startswith(f"{emu.base_url}/support/?logintoken=")
    text = wire.get(faq).text
    assert "emmy@example.org" in text
    assert "on page faq" in text
    assert "Language de" in text
