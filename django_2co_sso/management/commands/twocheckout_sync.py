"""``manage.py twocheckout_sync``: mirror customers' subscriptions from 2Checkout.

For shops that missed notifications or existed before the listeners: asks 2Checkout for
each customer's subscriptions (getCustomerSubscriptions; REST ``GET /subscriptions/``) and
creates or updates the :class:`~django_2co_sso.models.Subscription` rows
(:func:`django_2co_sso.sync.resync`). Choose the customers with exactly one of:

``--customer REF``
    The customer link with this external reference or 2Checkout reference.
``--user USERNAME``
    The customer link of this user.
``--all``
    Every customer link, oldest first (``--limit N`` stops after N customers).

Each customer gets one progress line; a customer that fails (2Checkout unreachable, an
unknown customer, an unusable answer) is reported on stderr with the error's code and
the run goes on with the next one. A summary line ends the run: subscriptions created,
updated and unchanged, and customers failed; the exit status is non-zero when one failed.
Running it twice changes nothing the second time. Calls are bounded: each has the
configured timeouts, and a paged REST answer is read for at most 50 pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from ... import sync
from ...exceptions import ConfigurationError, TwoCheckoutError
from ...models import CustomerLink


class Command(BaseCommand):
    help = "Mirror customers' subscriptions from 2Checkout (one customer, one user, or all)."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--customer", metavar="REF", help="an external or 2Checkout customer reference"
        )
        which.add_argument("--user", metavar="USERNAME", help="the user whose customer to sync")
        which.add_argument("--all", action="store_true", help="every linked customer")
        parser.add_argument(
            "--limit", type=int, metavar="N", help="with --all: stop after N customers"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["limit"]
        if limit is not None and (not options["all"] or limit < 1):
            raise CommandError("--limit needs --all and a number of at least 1.")
        customers = self._customers(options)
        totals = sync.Resync()
        failed = seen = 0
        for customer in customers:
            seen += 1
            label = self._label(customer)
            try:
                result = sync.resync(customer)
            except ConfigurationError as error:
                raise CommandError(f"2Checkout sync stopped: {error.code}: {error}") from None
            except TwoCheckoutError as error:
                failed += 1
                self.stderr.write(f"{label}: failed ({error.code}: {error})")
                continue
            totals.created += result.created
            totals.updated += result.updated
            totals.unchanged += result.unchanged
            self.stdout.write(
                f"{label}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged"
            )
        summary = (
            f"{seen} customer(s): {totals.created} created, {totals.updated} updated, "
            f"{totals.unchanged} unchanged, {failed} failed"
        )
        if failed:
            raise CommandError(f"2Checkout sync finished with failures. {summary}")
        self.stdout.write(self.style.SUCCESS(f"2Checkout sync done. {summary}"))

    @staticmethod
    def _label(customer: CustomerLink) -> str:
        reference, kind = customer.customer_reference()
        return f"customer {reference} ({kind}, user {customer.user_id})"

    def _customers(self, options: dict[str, Any]) -> Iterable[CustomerLink]:
        links = CustomerLink.objects.order_by("pk")
        if options["customer"]:
            reference = options["customer"]
            found = list(
                links.filter(Q(external_reference=reference) | Q(twocheckout_reference=reference))[
                    :2
                ]
            )
            if not found:
                raise CommandError(f"No customer link has the reference {reference!r}.")
            return found[:1] if len(found) == 1 else self._ambiguous(reference)
        if options["user"]:
            user_model = get_user_model()
            lookup = {user_model.USERNAME_FIELD: options["user"]}
            found = list(links.filter(**{f"user__{k}": v for k, v in lookup.items()}))
            if not found:
                raise CommandError(f"User {options['user']!r} has no 2Checkout customer link.")
            return found
        if options["limit"]:
            return links[: options["limit"]]
        return self._one_by_one(list(links.values_list("pk", flat=True)))

    @staticmethod
    def _one_by_one(pks: list[int]) -> Iterator[CustomerLink]:
        """Load each link just before its sync: no database cursor held across API calls.

        A server-side cursor (``.iterator()`` on PostgreSQL) would stay open for the whole
        network-bound run, and a link deleted meanwhile is simply skipped.
        """
        for pk in pks:
            link = CustomerLink.objects.filter(pk=pk).first()
            if link is not None:
                yield link

    @staticmethod
    def _ambiguous(reference: str) -> list[CustomerLink]:
        raise CommandError(
            f"The reference {reference!r} is one customer's external reference and another's "
            "2Checkout reference; sync them by --user."
        )
