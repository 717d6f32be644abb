"""The example project's URLs plus the benchmark's own pages under ``/bench/``."""

from __future__ import annotations

import importlib

from django.conf import settings
from django.urls import path

from bench import views

urlpatterns = [
    path("bench/ping/", views.ping),
    path("bench/nodelay/", views.nodelay),
    path("bench/naive/billing/", views.naive_billing),
    *importlib.import_module(settings.BENCH_BASE_URLCONF).urlpatterns,
]
