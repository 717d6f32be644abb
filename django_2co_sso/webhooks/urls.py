"""URLs of the IPN and LCN listeners. Include them under a prefix of your choice::

    path("2checkout/", include("django_2co_sso.webhooks.urls")),

then register ``https://your.shop/2checkout/ipn/`` and ``…/lcn/`` in the 2Checkout
control panel (Integrations → Webhooks and API). Reverse them with the
``twocheckout_webhooks`` namespace.
"""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "twocheckout_webhooks"

urlpatterns = [
    path("ipn/", views.ipn, name="ipn"),
    path("lcn/", views.lcn, name="lcn"),
]
