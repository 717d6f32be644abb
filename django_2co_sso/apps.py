"""Django application configuration for django-2co-sso."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwoCheckoutSSOConfig(AppConfig):
    """Registers the system checks and masks tokens in third-party DEBUG logs."""

    name = "django_2co_sso"
    label = "django_2co_sso"
    verbose_name = _("2Checkout single sign-on")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .redaction import install_url_log_filters

        install_url_log_filters()
