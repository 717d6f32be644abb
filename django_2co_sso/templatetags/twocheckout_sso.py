"""Template tags for links and buttons to the SSO views: ``{% load twocheckout_sso %}``.

They always give the URL of *our* view, which mints the 2Checkout URL when clicked; never
the 2Checkout URL itself, which expires within seconds and is a bearer credential.

``{% billing_url %}`` / ``{% billing_url "payment_methods" %}``
    The shopper's myAccount home / a customer page (``my_subscription`` also needs
    ``subscription=``).
``{% subscription_url subscription "change_card" %}``
    A page of one subscription (a :class:`~django_2co_sso.models.Subscription` or a
    reference string); no page = the subscription's myAccount home.
``{% cart_url "https://…/order/checkout.php?PRODS=…" %}``
    Sign the shopper in to that cart.

The buttons ``{% manage_subscription_button subscription page="change_card" label=… %}``,
``{% billing_button "payment_methods" label=… %}`` and ``{% cart_button url label=… %}`` are
accessible POST forms with the CSRF token and a submit button, rendered from the
overridable templates ``django_2co_sso/{manage_subscription,billing,cart}_button.html``.
Each has a translated default label for its page; ``css_class=`` styles the button.

``{% buy_link_url "PRODUCT_CODE" qty=1 return_url="https://…" %}``
    A signed ConvertPlus buy link (:func:`django_2co_sso.buylinks.buy_link`) carrying the
    logged-in user's external customer reference (created on first use), so the purchase
    comes back linked to them. Unlike SSO links this one is no credential and may be
    rendered into the page. Other keyword arguments are ConvertPlus parameters with ``_``
    for ``-`` (``return_url`` is ``return-url``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import buylinks, validation
from ..exceptions import InvalidInputError, InvalidPageError

register = template.Library()

#: Default button labels for subscription pages (None: the subscription's myAccount home).
SUBSCRIPTION_LABELS: dict[str | None, Any] = {
    None: _("Manage subscription"),
    "change_card": _("Update card"),
    "my_license": _("View licence"),
    "view_order": _("View order"),
    "my_products": _("My products"),
    "payment_methods": _("Payment methods"),
    "user_data": _("Account details"),
    "order_lookup": _("Find an order"),
    "faq": _("Billing help"),
}

#: Default button labels for customer pages (None: the myAccount home page).
CUSTOMER_LABELS: dict[str | None, Any] = {
    None: _("Billing account"),
    "my_subscription": _("Manage subscription"),
    "my_products": _("My products"),
    "payment_methods": _("Payment methods"),
    "user_data": _("Account details"),
    "order_lookup": _("Find an order"),
    "faq": _("Billing help"),
}

CART_LABEL = _("Buy again")


def _reference(subscription: object) -> str:
    """The reference of a Subscription (anything with ``.reference``) or a string."""
    reference = getattr(subscription, "reference", subscription)
    if not isinstance(reference, str) or not reference:
        raise TypeError("Expected a Subscription or a subscription reference string.")
    return reference


def _check_page(page: str | None, allowed: tuple[str, ...]) -> str | None:
    page = page or None
    return validation.validate_page(page, allowed)


@register.simple_tag
def billing_url(page: str | None = None, subscription: object = None) -> str:
    """URL of the view opening the shopper's myAccount (home, or ``page``)."""
    page = _check_page(page, validation.CUSTOMER_PAGES)
    if page is None:
        return reverse("twocheckout_sso:billing")
    url = reverse("twocheckout_sso:billing_page", kwargs={"page": page})
    if page == "my_subscription":
        if subscription is None:
            raise InvalidPageError(
                'billing_url "my_subscription" needs subscription=…', field="subscription"
            )
        url += "?" + urlencode({"subscription": _reference(subscription)})
    return url


@register.simple_tag
def subscription_url(subscription: object, page: str | None = None) -> str:
    """URL of the view opening ``page`` of ``subscription`` (no page: its home)."""
    reference = _reference(subscription)
    page = _check_page(page, validation.SUBSCRIPTION_PAGES)
    if page is None:
        return reverse("twocheckout_sso:subscription", kwargs={"reference": reference})
    return reverse(
        "twocheckout_sso:subscription_page", kwargs={"reference": reference, "page": page}
    )


@register.simple_tag
def cart_url(url: str) -> str:
    """URL of the view signing the shopper in to the 2Checkout cart at ``url``."""
    return reverse("twocheckout_sso:cart") + "?" + urlencode({"url": url})


def _button(
    context: template.Context, action: str, label: object, css_class: str, **extra: Any
) -> dict[str, Any]:
    return {
        "action": action,
        "label": label,
        "css_class": css_class,
        "csrf_token": context.get("csrf_token"),
        **extra,
    }


@register.inclusion_tag("django_2co_sso/manage_subscription_button.html", takes_context=True)
def manage_subscription_button(
    context: template.Context,
    subscription: object,
    page: str | None = "change_card",
    label: object = None,
    css_class: str = "",
) -> dict[str, Any]:
    """A POST button opening ``page`` (default ``change_card``) of ``subscription``."""
    page = _check_page(page, validation.SUBSCRIPTION_PAGES)
    action = subscription_url(subscription, page)
    return _button(context, action, label or SUBSCRIPTION_LABELS[page], css_class)


@register.inclusion_tag("django_2co_sso/billing_button.html", takes_context=True)
def billing_button(
    context: template.Context,
    page: str | None = None,
    label: object = None,
    subscription: object = None,
    css_class: str = "",
) -> dict[str, Any]:
    """A POST button opening the shopper's myAccount (home, or ``page``)."""
    page = _check_page(page, validation.CUSTOMER_PAGES)
    reference = _reference(subscription) if subscription is not None else None
    if page == "my_subscription" and reference is None:
        raise InvalidPageError(
            'billing_button "my_subscription" needs subscription=…', field="subscription"
        )
    action = (
        reverse("twocheckout_sso:billing_page", kwargs={"page": page})
        if page
        else reverse("twocheckout_sso:billing")
    )
    return _button(
        context,
        action,
        label or CUSTOMER_LABELS[page],
        css_class,
        subscription=reference if page == "my_subscription" else None,
    )


@register.inclusion_tag("django_2co_sso/cart_button.html", takes_context=True)
def cart_button(
    context: template.Context, url: str, label: object = None, css_class: str = ""
) -> dict[str, Any]:
    """A POST button signing the shopper in to the 2Checkout cart at ``url``."""
    return _button(
        context, reverse("twocheckout_sso:cart"), label or CART_LABEL, css_class, cart_url=url
    )


@register.simple_tag(takes_context=True)
def buy_link_url(
    context: template.Context, product_code: str, qty: object = 1, **params: object
) -> str:
    """A signed buy link for ``product_code`` carrying the current user's reference."""
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else context.get("user")
    try:
        quantity = int(str(qty))
    except ValueError:
        raise InvalidInputError("qty must be a whole number.", field="quantity") from None
    extra = {name.replace("_", "-"): str(value) for name, value in params.items()}
    return buylinks.buy_link(user, product_code, quantity=quantity, extra=extra)
