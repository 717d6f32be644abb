"""Buy links: the signature over a hand-typed string, the shopper's reference, the tag."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

from django_2co_sso import buylinks
from django_2co_sso.exceptions import ConfigurationError, InvalidInputError
from django_2co_sso.models import CustomerLink
from tests.factories import CustomerLinkFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "buy-link-secret-word-do-not-log"
RETURN_URL = "https://shop.example/thanks/?a=1&b=é"


@pytest.fixture(autouse=True)
def _secret(sso_settings: Any) -> None:
    sso_settings(BUY_LINK_SECRET=SECRET)


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def expected_signature(message: str) -> str:
    return hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()


def test_link_shape_and_signature_over_the_signed_parameters_sorted() -> None:
    user = UserFactory(username="ann")
    CustomerLinkFactory(user=user, external_reference="shop-customer-7")
    url = buylinks.buy_link(user, "PRO-MONTHLY", extra={"return-url": RETURN_URL})
    assert url.startswith("https://secure.2checkout.com/checkout/buy?merchant=TESTMERCH&")
    params = query(url)
    assert params["prod"] == "PRO-MONTHLY"
    assert params["qty"] == "1"
    assert params["customer-ext-ref"] == "shop-customer-7"
    assert params["return-url"] == RETURN_URL  # signed unencoded, sent encoded
    # customer-ext-ref then return-url; "é" is 2 bytes, so the URL counts 37.
    message = "15shop-customer-7" + "37https://shop.example/thanks/?a=1&b=é"
    assert params["signature"] == expected_signature(message)


def test_the_signed_set_is_data(sso_settings: Any) -> None:
    sso_settings(
        BUY_LINK_SECRET=SECRET,
        BUY_LINK_SIGNED_PARAMETERS=["prod", "qty", "customer-ext-ref", "merchant"],
    )
    user = UserFactory(username="ann")
    CustomerLinkFactory(user=user, external_reference="shop-customer-7")
    params = query(buylinks.buy_link(user, "PRO-MONTHLY", quantity=3))
    # merchant is never signed, even when listed.
    assert params["signature"] == expected_signature("15shop-customer-7" + "11PRO-MONTHLY" + "13")


def test_first_link_creates_a_stable_random_reference() -> None:
    user = UserFactory(username="newbie")
    first = query(buylinks.buy_link(user, "PRO"))["customer-ext-ref"]
    second = query(buylinks.buy_link(user, "PRO"))["customer-ext-ref"]
    assert first == second
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert CustomerLink.objects.get(user=user).external_reference == first
    other = query(buylinks.buy_link(UserFactory(username="other"), "PRO"))["customer-ext-ref"]
    assert other != first


def test_a_link_known_only_by_2checkouts_reference_gets_an_external_one() -> None:
    user = UserFactory(username="old")
    CustomerLinkFactory(user=user, external_reference=None, twocheckout_reference="70000001")
    reference = query(buylinks.buy_link(user, "PRO"))["customer-ext-ref"]
    link = CustomerLink.objects.get(user=user)
    assert (link.external_reference, link.twocheckout_reference) == (reference, "70000001")


def test_anonymous_visitors_get_a_link_without_a_reference() -> None:
    params = query(buylinks.buy_link(AnonymousUser(), "PRO"))
    assert "customer-ext-ref" not in params
    assert params["signature"] == expected_signature("")
    assert query(buylinks.buy_link(None, "PRO")) == params


def test_buy_link_url_setting_points_elsewhere(sso_settings: Any) -> None:
    sso_settings(BUY_LINK_SECRET=SECRET, BUY_LINK_URL="http://127.0.0.1:8765/checkout/buy")
    assert buylinks.buy_link(None, "PRO").startswith("http://127.0.0.1:8765/checkout/buy?")


def test_no_secret_is_a_configuration_error(sso_settings: Any) -> None:
    sso_settings(BUY_LINK_SECRET="")
    with pytest.raises(ConfigurationError) as error:
        buylinks.buy_link(None, "PRO")
    assert "BUY_LINK_SECRET" in str(error.value)


@pytest.mark.parametrize(
    ("product", "quantity", "extra", "field"),
    [
        ("", 1, None, "product_code"),
        ("bad code!", 1, None, "product_code"),
        ("PRO", 0, None, "quantity"),
        ("PRO", True, None, "quantity"),
        ("PRO", 1001, None, "quantity"),
        ("PRO", 1, {"signature": "x"}, "extra"),
        ("PRO", 1, {"customer-ext-ref": "someone-else"}, "extra"),
        ("PRO", 1, {"return-url": "a\x00b"}, "extra"),
    ],
)
def test_bad_arguments_are_refused(product: str, quantity: Any, extra: Any, field: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        buylinks.buy_link(None, product, quantity=quantity, extra=extra)
    assert error.value.field == field


def render(text: str, user: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load twocheckout_sso %}" + text).render(Context({"request": request}))


def test_the_tag_carries_the_logged_in_users_reference() -> None:
    user = UserFactory(username="ann")
    CustomerLinkFactory(user=user, external_reference="shop-customer-7")
    html = render('{% buy_link_url "PRO" qty=2 return_url="https://shop.example/" %}', user)
    params = query(html.replace("&amp;", "&"))
    assert params["customer-ext-ref"] == "shop-customer-7"
    assert params["qty"] == "2"
    assert params["return-url"] == "https://shop.example/"


def test_the_tag_refuses_a_quantity_that_is_not_a_number() -> None:
    with pytest.raises(InvalidInputError):
        render('{% buy_link_url "PRO" qty="two" %}', AnonymousUser())


def test_a_refused_customer_link_write_is_a_database_error() -> None:
    from django.db import DatabaseError

    from tests.webhooks.conftest import refusing_writes

    user = UserFactory(username="blocked")
    with refusing_writes("django_2co_sso_customerlink", ["INSERT"]), pytest.raises(DatabaseError):
        buylinks.buy_link(user, "PRO")
    assert not CustomerLink.objects.filter(user=user).exists()
