"""End to end over real HTTP: Django views -> backend (SOAP, JSON-RPC, REST) -> the emulator.

Each test then follows the minted URL to the emulator's landing page, which consumes the
token and says whom it signed in where. The Django data below mirrors the emulator's packaged
seed (customers 352365983 / external ``shop-customer-1`` and 352365985 without an external
reference, their subscriptions, partner ACMEDIST with its users).
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
import requests
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from django_2co_sso.models import SSOAuditLog
from tests.factories import (
    CustomerLinkFactory,
    PartnerFactory,
    PartnerUserFactory,
    SubscriptionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.emulator, pytest.mark.django_db]

BACKENDS = {
    "soap": "django_2co_sso.backends.soap.SoapBackend",
    "rpc": "django_2co_sso.backends.jsonrpc.JsonRpcBackend",
    "rest": "django_2co_sso.backends.rest.RestBackend",
}


@pytest.fixture(params=sorted(BACKENDS))
def emulator(request: pytest.FixtureRequest, twocheckout_emulator: Any, settings: Any) -> Any:
    """The reset emulator, with TWOCHECKOUT_SSO pointed at it over one protocol."""
    settings.TWOCHECKOUT_SSO = {
        **settings.TWOCHECKOUT_SSO,
        "BACKEND": BACKENDS[request.param],
        "PARTNER_PANEL_URL": f"{twocheckout_emulator.base_url}/cpanel/index.php",
        "TIMEOUT": 2.0,
    }
    twocheckout_emulator.protocol = request.param
    return twocheckout_emulator


@pytest.fixture
def ada(db: None, emulator: Any) -> Client:
    """Logged-in shopper mapped to the seed's customer 352365983 by external reference."""
    assert emulator.data.customer("352365983").external_reference == "shop-customer-1"
    user = UserFactory(username="ada", email="ada@example.com")
    link = CustomerLinkFactory(user=user, external_reference="shop-customer-1")
    SubscriptionFactory(customer=link, reference="4E2A1B9C70", display_name="Pro plan")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def emmy(db: None, emulator: Any) -> Client:
    """Logged-in shopper known only by 2Checkout's reference 352365985."""
    user = UserFactory(username="emmy", email="emmy@example.org")
    link = CustomerLinkFactory(
        user=user, external_reference=None, twocheckout_reference="352365985"
    )
    SubscriptionFactory(customer=link, reference="1A2B3C4D5E")
    client = Client()
    client.force_login(user)
    return client


def follow(response: Any) -> requests.Response:
    """Open the minted URL as the shopper's browser would (from 127.0.0.1)."""
    assert response.status_code == 302, response.content[:500]
    return requests.get(response["Location"], timeout=5, allow_redirects=False)


def test_subscription_change_card_lands_on_the_emulator(ada: Client, emulator: Any) -> None:
    page = follow(ada.get("/account/subscriptions/4E2A1B9C70/change_card/"))
    assert page.status_code == 200
    assert "Signed in as ada@example.com (customer 352365983) on page change_card." in page.text
    assert "Subscription 4E2A1B9C70" in page.text
    assert emulator.calls["getSingleSignOn"] == 1


def test_post_button_flow(ada: Client) -> None:
    page = follow(ada.post("/account/subscriptions/4E2A1B9C70/my_license/"))
    assert "on page my_license." in page.text


@pytest.mark.parametrize("page", ["payment_methods", "user_data", "order_lookup", "faq"])
def test_customer_page_by_external_reference(ada: Client, emulator: Any, page: str) -> None:
    landing = follow(ada.get(f"/account/billing/{page}/"))
    assert landing.status_code == 200
    assert f"Signed in as ada@example.com (customer 352365983) on page {page}." in landing.text
    assert "Language en." in landing.text


def test_customer_home_by_2checkout_reference(emmy: Client) -> None:
    landing = follow(emmy.get("/account/billing/"))
    assert "Signed in as emmy@example.org (customer 352365985) on page index." in landing.text


def test_my_subscription_page(emmy: Client) -> None:
    landing = follow(emmy.get("/account/billing/my_subscription/", {"subscription": "1A2B3C4D5E"}))
    assert "on page my_subscription." in landing.text
    assert "Subscription 1A2B3C4D5E" in landing.text


def test_cart(emmy: Client, emulator: Any) -> None:
    cart_url = f"{emulator.base_url}/order/checkout.php?PRODS=4444&QTY=2"
    landing = follow(emmy.get(reverse("twocheckout_sso:cart"), {"url": cart_url}))
    assert "Signed in as emmy@example.org (customer 352365985) in the cart." in landing.text
    assert "Products: 4444 x 2." in landing.text


def test_link_is_bound_to_the_shoppers_ip(ada: Client) -> None:
    # the shopper asked from 203.0.113.5; the link is opened from 127.0.0.1
    landing = follow(ada.get("/account/subscriptions/4E2A1B9C70/", REMOTE_ADDR="203.0.113.5"))
    assert landing.status_code == 403
    assert "IP mismatch" in landing.text


def test_send_client_ip_off_sends_none(ada: Client, settings: Any) -> None:
    settings.TWOCHECKOUT_SSO = {**settings.TWOCHECKOUT_SSO, "SEND_CLIENT_IP": False}
    landing = follow(ada.get("/account/subscriptions/4E2A1B9C70/", REMOTE_ADDR="203.0.113.5"))
    assert landing.status_code == 200


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"error_code": "INTERNAL_ERROR"}, "INTERNAL_ERROR"),
        ({"http_status": 500}, "BAD_RESPONSE"),
        ({"malformed": True}, "BAD_RESPONSE"),
        ({"drop": True}, "CONNECTION_ERROR"),
        ({"delay": 3.0}, "TIMEOUT"),
    ],
    ids=["api-error", "http-500", "malformed", "dropped", "slow"],
)
def test_upstream_faults_give_the_friendly_503(
    ada: Client, emulator: Any, fault: dict[str, Any], code: str
) -> None:
    emulator.inject("getSingleSignOn", **fault)
    response = ada.get("/account/subscriptions/4E2A1B9C70/change_card/")
    assert response.status_code == 503
    assert b"Billing is temporarily unavailable" in response.content
    assert response["Retry-After"]
    assert SSOAuditLog.objects.get().outcome == code


def test_expired_session_is_renewed_transparently(ada: Client, emulator: Any) -> None:
    assert ada.get("/account/subscriptions/4E2A1B9C70/").status_code == 302
    emulator.clock.advance(601)  # every sessionID is now expired
    page = follow(ada.get("/account/subscriptions/4E2A1B9C70/view_order/"))
    assert "on page view_order." in page.text


def test_rate_limit_stops_before_any_upstream_call(
    ada: Client, emulator: Any, settings: Any
) -> None:
    settings.TWOCHECKOUT_SSO = {**settings.TWOCHECKOUT_SSO, "RATE_LIMIT": "1/m"}
    assert ada.get("/account/subscriptions/4E2A1B9C70/").status_code == 302
    assert ada.get("/account/subscriptions/4E2A1B9C70/").status_code == 429
    assert emulator.calls["getSingleSignOn"] == 1


def test_audit_log_holds_no_issued_token(ada: Client, emmy: Client, emulator: Any) -> None:
    ada.get("/account/subscriptions/4E2A1B9C70/change_card/")
    emmy.get("/account/billing/")
    cart_url = f"{emulator.base_url}/order/checkout.php?PRODS=1"
    emmy.get(reverse("twocheckout_sso:cart"), {"url": cart_url})
    assert len(emulator.issued_tokens) == 3
    dump = repr(list(SSOAuditLog.objects.values()))
    assert SSOAuditLog.objects.filter(outcome="ok").count() == 3
    for token in emulator.issued_tokens:
        assert token not in dump


# -- partner admin action and commands ----------------------------------------------------


@pytest.fixture
def admin_client_(db: None) -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_partner_action_links_open_the_partner_panel(admin_client_: Client, emulator: Any) -> None:
    partner = PartnerFactory(code="ACMEDIST", name="Acme Distribution")
    PartnerUserFactory(partner=partner, email="alice@acme-partner.example")
    PartnerUserFactory(partner=partner, email="nobody@acme-partner.example")  # unknown upstream
    response = admin_client_.post(
        reverse("admin:django_2co_sso_partner_changelist"),
        {"action": "generate_sso_links", "_selected_action": [partner.pk]},
    )
    assert response.status_code == 200
    [row] = response.context["rows"]
    landing = requests.get(row["url"], timeout=5)
    assert "Signed in as alice@acme-partner.example for partner ACMEDIST" in landing.text
    [message] = [str(m) for m in response.context["messages"]]
    assert "nobody@acme-partner.example" in message
    assert "INVALID_USER" in message
    outcomes = sorted(SSOAuditLog.objects.values_list("detail", "outcome"))
    assert outcomes == [
        ("alice@acme-partner.example", "ok"),
        ("nobody@acme-partner.example", "INVALID_USER"),
    ]


def test_check_command_over_the_emulator(emulator: Any, settings: Any) -> None:
    out = StringIO()
    call_command("twocheckout_check", stdout=out)
    assert "credentials OK" in out.getvalue()
    settings.TWOCHECKOUT_SSO = {**settings.TWOCHECKOUT_SSO, "SECRET_KEY": "wrong-secret-key"}
    with pytest.raises(CommandError) as raised:
        call_command("twocheckout_check", stdout=StringIO())
    message = str(raised.value)
    assert "AUTHENTICATION" in message or "FORBIDDEN" in message
    assert "wrong-secret-key" not in message
    assert f"at {emulator.base_url}/{emulator.protocol}/6.0/ ({emulator.protocol})" in message
    assert "Hint: Check MERCHANT_CODE and SECRET_KEY" in message


def test_link_command_over_the_emulator(ada: Client) -> None:
    out = StringIO()
    call_command(
        "twocheckout_sso_link",
        "--subscription",
        "4E2A1B9C70",
        "--page",
        "view_order",
        stdout=out,
        stderr=StringIO(),
    )
    landing = requests.get(out.getvalue().strip(), timeout=5)
    assert "on page view_order." in landing.text
