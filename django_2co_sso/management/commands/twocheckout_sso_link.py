"""``manage.py twocheckout_sso_link``: print an SSO link for support staff.

One of::

    --user USERNAME [--page PAGE] [--subscription-page-ref REF]   the user's myAccount
    --subscription REF [--page PAGE]                              a subscription's page
    --partner CODE --email EMAIL                                  a partner user's panel

The link alone is printed on stdout (so it can be piped); its expiry goes to stderr. Links
are valid ``--validity`` seconds (default ``STAFF_LINK_VALIDITY_TIME``) and bound to
``--ip`` when given. Every attempt is audited (user = ``--staff`` or none). An unknown user
or subscription, or any 2Checkout error, exits non-zero with the error code.
"""

from __future__ import annotations

import argparse
import datetime
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError
from django.http import HttpRequest
from django.utils import timezone

from ... import services, validation
from ...conf import get_config
from ...exceptions import TwoCheckoutError
from ...models import Subscription


class Command(BaseCommand):
    help = "Print a 2Checkout SSO link for a user, a subscription or a partner user."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--user", metavar="USERNAME", help="The user's myAccount.")
        target.add_argument("--subscription", metavar="REF", help="A subscription's page.")
        target.add_argument("--partner", metavar="CODE", help="A partner's Channel Manager.")
        parser.add_argument(
            "--page",
            help="Page to open (customer pages with --user, subscription pages with "
            "--subscription); default the home page.",
        )
        parser.add_argument(
            "--subscription-page-ref",
            metavar="REF",
            help="With --user --page my_subscription: the subscription to show.",
        )
        parser.add_argument("--email", help="With --partner: the partner user's e-mail.")
        parser.add_argument(
            "--staff", metavar="USERNAME", help="Record this user in the audit log."
        )
        parser.add_argument("--validity", type=int, metavar="SECONDS", help="Link lifetime.")
        parser.add_argument("--ip", default="", help="Bind the link to this IP address.")

    def handle(self, *args: Any, **options: Any) -> None:
        config = get_config()
        validity = options["validity"] or config.staff_link_validity_time
        context = services.staff_context(self._staff(options["staff"]))
        ip = options["ip"]
        if ip:
            context = services.LinkContext(user=context.user, client_ip=self._ip(ip), send_ip=True)
        issued_at = timezone.now()
        try:
            if options["user"]:
                url = self._user_link(context, options, validity)
            elif options["subscription"]:
                url = self._subscription_link(context, options, validity)
            else:
                url = self._partner_link(context, options, validity)
        except TwoCheckoutError as error:
            raise CommandError(f"No link: {error.code}: {error}") from None
        expires_at = issued_at + datetime.timedelta(seconds=validity)
        self.stdout.write(url)
        self.stderr.write(
            f"Valid until {expires_at.isoformat(timespec='seconds')}; do not store it."
        )

    def _staff(self, username: str | None) -> AbstractBaseUser | None:
        if not username:
            return None
        return self._find_user(username, "--staff")

    def _find_user(self, username: str, option: str) -> AbstractBaseUser:
        user_model = get_user_model()
        try:
            return user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f"{option}: no user {username!r}.") from None

    def _ip(self, value: str) -> str:
        try:
            return validation.validate_ip(value)
        except ValueError as error:
            raise CommandError(f"--ip: {error}") from None

    def _page(self, value: str | None, allowed: tuple[str, ...]) -> str | None:
        if value is None or value in allowed:
            return value
        raise CommandError(f"--page must be one of: {', '.join(allowed)}.")

    def _user_link(
        self, context: services.LinkContext, options: dict[str, Any], validity: int
    ) -> str:
        user = self._find_user(options["user"], "--user")
        request = HttpRequest()  # for CUSTOMER_REFERENCE_FUNCTION: only .user is set
        request.user = cast(Any, user)
        customer = services.resolve_customer(request)
        if customer is None:
            raise CommandError(f"--user: {options['user']!r} has no 2Checkout customer.")
        page = self._page(options["page"], validation.CUSTOMER_PAGES)
        reference = options["subscription_page_ref"]
        if page == "my_subscription" and not reference:
            raise CommandError("--page my_subscription needs --subscription-page-ref.")
        return services.customer_link(
            context,
            customer,
            page=page,
            subscription_reference=reference if page == "my_subscription" else None,
            validity_time=validity,
        )

    def _subscription_link(
        self, context: services.LinkContext, options: dict[str, Any], validity: int
    ) -> str:
        reference = options["subscription"]
        if not Subscription.objects.filter(reference=reference).exists():
            raise CommandError(f"--subscription: no subscription {reference!r}.")
        page = self._page(options["page"], validation.SUBSCRIPTION_PAGES)
        return services.subscription_link(context, reference, page=page, validity_time=validity)

    def _partner_link(
        self, context: services.LinkContext, options: dict[str, Any], validity: int
    ) -> str:
        if not options["email"]:
            raise CommandError("--partner needs --email.")
        return services.partner_link(
            context, options["partner"], options["email"], validity_time=validity
        )
