"""URLs of the demo: the shop, login/logout, the SSO views under account/, the IPN/LCN
listeners under 2checkout/, the admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from shop import views

urlpatterns = [
    path("", views.home, name="home"),
    path("billing/", views.billing, name="billing"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("django_2co_sso.urls")),
    # IPN and LCN listeners: the emulator posts here (run_demo.py passes their URLs).
    path("2checkout/", include("django_2co_sso.webhooks.urls")),
    path("admin/", admin.site.urls),
]
