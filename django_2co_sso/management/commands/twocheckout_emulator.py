"""``manage.py twocheckout_emulator``: run the local 2Checkout API emulator.

Same options as ``python -m django_2co_sso.emulator`` (see :mod:`django_2co_sso.emulator.cli`):
``--host``, ``--port``, ``--data``, ``--merchant``, ``--secret``, ``--public-url``,
``--control-token``, ``--allowed-host``, ``--max-clock-skew``, ``--verbose``. At start it prints
the base URL, the merchant code, the secret key, the control token and a ready-to-paste
``TWOCHECKOUT_SSO`` block.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_2co_sso.emulator import cli


class Command(BaseCommand):
    """Run the 2Checkout API emulator in the foreground until interrupted."""

    help = "Run a local 2Checkout API emulator (SOAP, JSON-RPC, REST and SSO landing pages)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Add the emulator's options."""
        cli.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        """Start the emulator and serve until Ctrl-C or SIGTERM."""
        try:
            cli.run(options, out=self.stdout, err=self.stderr)
        except cli.CommandLineError as exc:
            raise CommandError(str(exc)) from exc
