"""User-facing strings are translatable; the app ships a German catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from django_2co_sso.backends import locmem
from django_2co_sso.exceptions import APITimeoutError

pytestmark = pytest.mark.django_db


def test_button_labels_follow_the_active_language() -> None:
    template = Template(
        '{% load twocheckout_sso %}{% manage_subscription_button "SUB42" %}'
        '{% cart_button "https://secure.2checkout.com/order/checkout.php?PRODS=1" %}'
    )
    with translation.override("de"):
        html = template.render(Context({"csrf_token": "T"}))
    assert ">Karte aktualisieren</button>" in html
    assert ">Erneut kaufen</button>" in html


def test_unavailable_page_in_the_shoppers_language(alice_client: Client) -> None:
    locmem.fail_with(APITimeoutError("slow"))
    response = alice_client.get("/account/billing/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 503
    content = response.content.decode()
    assert "Die Abrechnung ist vorübergehend nicht verfügbar" in content
    assert "Bitte versuchen Sie es in 10 Sekunden erneut." in content
    assert '<html lang="de">' in content


def test_bad_cart_link_message_in_german(alice_client: Client) -> None:
    response = alice_client.get(
        "/account/cart/", {"url": "http://evil.example/x"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response.status_code == 400
    assert "muss eine https-Adresse" in response.content.decode()


def test_no_billing_account_page_in_german(alice: Any) -> None:
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="stranger"))
    response = client.get("/account/billing/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404
    assert "<h1>Noch kein Abrechnungskonto</h1>" in response.content.decode()
