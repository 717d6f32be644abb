"""``manage.py twocheckout_check``: verify the 2Checkout credentials with one login.

Prints what was checked on success. On failure it prints, once each, the error (its code
and message, never a secret), the URL it tried, and a hint for that kind of failure (the
credentials for a refused login, API_URL and the network for an unreachable API), then exits
with a non-zero status, so it can gate a deployment.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ... import get_backend
from ...conf import SSOConfig, get_config
from ...exceptions import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    TransportError,
    TwoCheckoutError,
)

#: Backend protocols that have an endpoint under API_URL (locmem has none).
_NETWORK_PROTOCOLS = ("soap", "rpc", "rest")


def _hint(error: TwoCheckoutError) -> str:
    if isinstance(error, AuthenticationError):
        return (
            "Check MERCHANT_CODE and SECRET_KEY (Integrations page of the 2Checkout control "
            "panel), HASH_ALGORITHM, and this machine's clock."
        )
    if isinstance(error, TransportError):
        return "Check API_URL, that this machine can reach it, and TIMEOUT."
    if isinstance(error, ConfigurationError):
        return "Run `manage.py check` for every problem of the setting."
    return "See the error reference of the documentation for this code."


def _describe(error: TwoCheckoutError) -> str:
    """The error once: APIError's text already starts with its code."""
    if isinstance(error, APIError):
        return str(error)
    return f"{error.code}: {error}"


class Command(BaseCommand):
    help = "Check the TWOCHECKOUT_SSO credentials by making one authenticated call."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = get_config()
            backend = get_backend()
        except ConfigurationError as error:
            raise CommandError(
                f"2Checkout credentials check failed: {_describe(error)}\nHint: {_hint(error)}"
            ) from None
        where = self._where(config, backend.protocol)
        try:
            backend.check_credentials()
        except TwoCheckoutError as error:
            raise CommandError(
                f"2Checkout credentials check failed for merchant {config.merchant_code!r} "
                f"at {where}: {_describe(error)}\nHint: {_hint(error)}"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"2Checkout credentials OK: merchant {config.merchant_code!r} at {where}."
            )
        )

    @staticmethod
    def _where(config: SSOConfig, protocol: str | None) -> str:
        """The URL the backend talks to, with its protocol (or the backend's name)."""
        if protocol not in _NETWORK_PROTOCOLS:
            return f"backend {config.backend.rsplit('.', 1)[-1]} (no network)"
        return f"{config.endpoint(protocol)} ({protocol})"
