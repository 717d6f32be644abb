"""``manage.py twocheckout_check``: verify the 2Checkout credentials with one login.

Prints what was checked on success; on failure prints the error code and message (never a
secret) and exits with a non-zero status, so it can gate a deployment.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ... import get_backend
from ...conf import get_config
from ...exceptions import TwoCheckoutError


class Command(BaseCommand):
    help = "Check the TWOCHECKOUT_SSO credentials by making one authenticated call."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = get_config()
            backend = get_backend()
            backend.check_credentials()
        except TwoCheckoutError as error:
            raise CommandError(
                f"2Checkout credentials check failed: {error.code}: {error}"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"2Checkout credentials OK: merchant {config.merchant_code!r} "
                f"via {backend.protocol or type(backend).__name__} at {config.api_url}."
            )
        )
