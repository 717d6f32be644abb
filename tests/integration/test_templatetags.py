"""The twocheckout_sso template tags."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from django_2co_sso.exceptions import InvalidPageError
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def render(text: str, **context: Any) -> str:
    return Template("{% load twocheckout_sso %}" + text).render(Context(context))


def test_billing_url() -> None:
    assert render("{% billing_url %}") == "/account/billing/"
    assert render('{% billing_url "payment_methods" %}') == "/account/billing/payment_methods/"


def test_billing_url_for_my_subscription() -> None:
    subscription = SubscriptionFactory(reference="SUB42")
    assert (
        render('{% billing_url "my_subscription" subscription=s %}', s=subscription)
        == "/account/billing/my_subscription/?subscription=SUB42"
    )
    with pytest.raises(InvalidPageError):
        render('{% billing_url "my_subscription" %}')


def test_subscription_url_accepts_model_or_reference() -> None:
    subscription = SubscriptionFactory(reference="SUB42")
    expected = "/account/subscriptions/SUB42/change_card/"
    assert render('{% subscription_url s "change_card" %}', s=subscription) == expected
    assert render('{% subscription_url "SUB42" "change_card" %}') == expected
    assert render("{% subscription_url s %}", s=subscription) == "/account/subscriptions/SUB42/"


def test_tags_give_our_url_never_a_2checkout_url() -> None:
    output = render('{% subscription_url "SUB42" "view_order" %} {% billing_url %}')
    assert "2checkout" not in output
    assert "token" not in output


def test_unknown_page_is_an_error() -> None:
    with pytest.raises(InvalidPageError):
        render('{% subscription_url "SUB42" "nope" %}')
    with pytest.raises(InvalidPageError):
        render('{% billing_url "change_card" %}')


def test_cart_url_escapes_the_cart_address() -> None:
    output = render(
        '{% cart_url "https://secure.2checkout.com/order/checkout.php?PRODS=1&QTY=2" %}'
    )
    assert output == (
        "/account/cart/?url=https%3A%2F%2Fsecure.2checkout.com%2Forder%2Fcheckout.php"
        "%3FPRODS%3D1%26QTY%3D2"
    )


def _with_csrf(text: str, **context: Any) -> str:
    request = RequestFactory().get("/")
    return Template("{% load twocheckout_sso %}" + text).render(
        Context({"csrf_token": "TOKEN123", "request": request, **context})
    )


def test_manage_subscription_button_is_a_post_form_with_csrf() -> None:
    subscription = SubscriptionFactory(reference="SUB42")
    html = _with_csrf("{% manage_subscription_button s %}", s=subscription)
    assert '<form method="post" action="/account/subscriptions/SUB42/change_card/"' in html
    assert 'name="csrfmiddlewaretoken" value="TOKEN123"' in html
    assert '<button type="submit">Update card</button>' in html


@pytest.mark.parametrize(
    ("page", "label"),
    [("my_license", "View licence"), ("view_order", "View order"), ("", "Manage subscription")],
)
def test_default_label_per_page(page: str, label: str) -> None:
    html = _with_csrf(f'{{% manage_subscription_button "SUB42" page="{page}" %}}')
    assert f">{label}</button>" in html


def test_custom_label_and_class() -> None:
    html = _with_csrf(
        '{% manage_subscription_button "SUB42" page="change_card" label="Card" css_class="btn" %}'
    )
    assert '<button type="submit" class="btn">Card</button>' in html


def test_billing_button() -> None:
    html = _with_csrf('{% billing_button "payment_methods" %}')
    assert 'action="/account/billing/payment_methods/"' in html
    assert ">Payment methods</button>" in html
    home = _with_csrf("{% billing_button %}")
    assert 'action="/account/billing/"' in home


def test_billing_button_for_my_subscription_posts_the_reference() -> None:
    html = _with_csrf('{% billing_button "my_subscription" subscription="SUB42" %}')
    assert '<input type="hidden" name="subscription" value="SUB42">' in html


def test_cart_button_posts_the_cart_url() -> None:
    html = _with_csrf(
        "{% cart_button url %}", url="https://secure.2checkout.com/order/checkout.php?PRODS=1&QTY=1"
    )
    assert 'action="/account/cart/"' in html
    assert (
        'name="url" value="https://secure.2checkout.com/order/checkout.php?PRODS=1&amp;QTY=1"'
        in html
    )
    assert ">Buy again</button>" in html
