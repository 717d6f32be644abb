"""``manage.py twocheckout_sso_link``: print an SSO link for support staff.

One of::

    --user USERNAME [--page PAGE] [--subscription-page-ref REF]   the user's myAccount
    --subscription REF [--page PAGE]                              a subscription's page
    --partner CODE --email EMAIL                                  a partner user's panel

The link alone is printed on stdout (so it can be piped); its expiry goes to stderr. Links
are valid ``--validity`` seconds (1 to ``MAX_VALIDITY_TIME``; default
``STAFF_LINK_VALIDITY_TIME``; anything else, 0 included, is refused) and bound to ``--ip``
when given. Every attempt is audited (user = ``--staff`` or none).

Refused before any call, exiting non-zero: an unknown or inactive user, a subscription that
is not mirrored or whose owner is inactive, a partner or partner user marked inactive, a
page the target does not have, and an option that does not belong to the target (``--page``
with ``--partner``, ``--email`` without it, ``--subscription-page-ref`` without
``--user --page my_subscription``). Any 2Checkout error exits non-zero with its code.
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
from ...failures import classify
from ...models import Partner, PartnerUser, Subscription


def _validity_help() -> str:
    try:
        config = get_config()
    except TwoCheckoutError:  # --help still works with a broken setting
        return "Link lifetime in seconds, 1 to MAX_VALIDITY_TIME (STAFF_LINK_VALIDITY_TIME)."
    return (
        f"Link lifetime in seconds, 1 to {config.max_validity_time} (MAX_VALIDITY_TIME); "
        f"default {config.staff_link_validity_time} (STAFF_LINK_VALIDITY_TIME)."
    )


class Command(BaseCommand):
    help = "Print a 2Checkout SSO link for a user, a subscription or a partner user."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--user", metavar="USERNAME", help="The user's myAccount.")
        target.add_argument("--subscription", metavar="REF", help="A subscription's page.")
        target.add_argument("--partner", metavar="CODE", help="A partner's Channel Manager.")
        parser.add_argument(
            "--page",
            help="Page to open; default the home page. With --user: "
            f"{', '.join(validation.CUSTOMER_PAGES)}. With --subscription: "
            f"{', '.join(validation.SUBSCRIPTION_PAGES)}. Not with --partner.",
        )
        parser.add_argument(
            "--subscription-page-ref",
            metavar="REF",
            help="With --user --page my_subscription (and only then): the subscription to show.",
        )
        parser.add_argument("--email", help="With --partner (and only then): the user's e-mail.")
        parser.add_argument(
            "--staff", metavar="USERNAME", help="Record this user in the audit log."
        )
        parser.add_argument("--validity", type=int, metavar="SECONDS", help=_validity_help())
        parser.add_argument("--ip", default="", help="Bind the link to this IP address.")

    def handle(self, *args: Any, **options: Any) -> None:
        config = get_config()
        validity = self._validity(options["validity"], config.max_validity_time)
        if validity is None:
            validity = config.staff_link_validity_time
        self._check_option_combination(options)
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
        except TwoCheckoutError as error:  # audited and logged by services
            raise CommandError(f"No link: {classify(error).outcome}: {error}") from None
        expires_at = issued_at + datetime.timedelta(seconds=validity)
        self.stdout.write(url)
        self.stderr.write(
            f"Valid until {expires_at.isoformat(timespec='seconds')}; do not store it."
        )

    def _validity(self, value: int | None, maximum: int) -> int | None:
        """``--validity`` within 1..MAX_VALIDITY_TIME, or None when not given (never 0)."""
        if value is not None and not 1 <= value <= maximum:
            raise CommandError(
                f"--validity must be between 1 and {maximum} seconds (MAX_VALIDITY_TIME), "
                f"not {value}."
            )
        return value

    def _check_option_combination(self, options: dict[str, Any]) -> None:
        """Refuse an option that the chosen target would silently ignore."""
        if options["partner"] and options["page"]:
            raise CommandError("--page does not apply to --partner (it opens PARTNER_PANEL_URL).")
        if options["email"] and not options["partner"]:
            raise CommandError("--email applies to --partner only.")
        if options["subscription_page_ref"] and not (
            options["user"] and options["page"] == "my_subscription"
        ):
            raise CommandError(
                "--subscription-page-ref applies to --user --page my_subscription only."
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
        if not user.is_active:
            raise CommandError(f"--user: {options['user']!r} is inactive; no link minted.")
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
        subscription = (
            Subscription.objects.select_related("customer__user")
            .filter(reference=reference)
            .first()
        )
        if subscription is None:
            raise CommandError(f"--subscription: no subscription {reference!r}.")
        if not subscription.customer.user.is_active:
            raise CommandError(
                f"--subscription: {reference!r} belongs to an inactive user; no link minted."
            )
        page = self._page(options["page"], validation.SUBSCRIPTION_PAGES)
        return services.subscription_link(context, reference, page=page, validity_time=validity)

    def _partner_link(
        self, context: services.LinkContext, options: dict[str, Any], validity: int
    ) -> str:
        if not options["email"]:
            raise CommandError("--partner needs --email.")
        code, email = options["partner"], options["email"]
        if Partner.objects.filter(code=code, is_active=False).exists():
            raise CommandError(f"--partner: {code!r} is inactive; no link minted.")
        if PartnerUser.objects.filter(
            partner__code=code, email__iexact=email, is_active=False
        ).exists():
            raise CommandError(f"--email: {email!r} is inactive for {code!r}; no link minted.")
        return services.partner_link(
            context, options["partner"], options["email"], validity_time=validity
        )
