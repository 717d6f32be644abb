"""URLs of the SSO views. Include them under a prefix of your choice::

    path("account/", include("django_2co_sso.urls")),

and reverse them with the ``twocheckout_sso`` namespace (or use the template tags).
"""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "twocheckout_sso"

urlpatterns = [
    path("billing/", views.billing, name="billing"),
    path("billing/<slug:page>/", views.billing, name="billing_page"),
    path("subscriptions/<str:reference>/", views.subscription, name="subscription"),
    path(
        "subscriptions/<str:reference>/<slug:page>/",
        views.subscription,
        name="subscription_page",
    ),
    path("cart/", views.cart, name="cart"),
]
