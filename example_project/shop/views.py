"""Pages of the demo shop. Billing links and buttons come from django-2co-sso's template tags."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from django_2co_sso.models import CustomerLink, Subscription


def home(request: HttpRequest) -> HttpResponse:
    """The public home page."""
    return render(request, "shop/home.html")


@login_required
def billing(request: HttpRequest) -> HttpResponse:
    """The shopper's subscriptions with buttons into 2Checkout myAccount and the cart."""
    # a missing reverse one-to-one raises an AttributeError subclass: getattr gives None
    customer: CustomerLink | None = getattr(request.user, "twocheckout_customer", None)
    cart_template: str = getattr(settings, "DEMO_CART_URL", "")
    rows: list[dict[str, Any]] = []
    if customer is not None:
        for subscription in Subscription.objects.filter(customer=customer):
            cart_url = (
                cart_template.format(product=subscription.product_code)
                if subscription.product_code and cart_template
                else None
            )
            rows.append({"subscription": subscription, "cart_url": cart_url})
    return render(request, "shop/billing.html", {"customer": customer, "rows": rows})
