"""Pages of the demo shop. Billing links and buttons come from django-2co-sso's template tags."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from django_2co_sso.models import CustomerLink, Subscription
from shop import demo_data


def home(request: HttpRequest) -> HttpResponse:
    """The public home page."""
    return render(request, "shop/home.html")


@login_required
def billing(request: HttpRequest) -> HttpResponse:
    """The shopper's subscriptions with buttons into 2Checkout myAccount and the cart.

    A shopper 2Checkout does not know yet (no 2Checkout reference, no subscription) is
    offered "Subscribe" buy links instead; they carry his reference, so the purchase's
    notifications link the account. Back from the cart (``?purchased=1``) the page reloads
    itself every few seconds until the notification has arrived.
    """
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
    known = customer is not None and bool(customer.twocheckout_reference or rows)
    waiting = request.GET.get("purchased") == "1" and not rows
    context = {
        "customer": customer if known else None,
        "rows": rows,
        "offers": demo_data.offers(),
        "return_url": request.build_absolute_uri(reverse("billing")) + "?purchased=1",
        "waiting": waiting,
    }
    return render(request, "shop/billing.html", context)
