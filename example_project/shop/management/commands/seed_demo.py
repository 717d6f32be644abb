"""``manage.py seed_demo``: create the demo users, customers, subscriptions and partners.

Reads ``emulator_seed.json`` (the file the demo emulator is started with) and
:mod:`shop.demo_data`, so the Django data matches the emulator's. Idempotent: run it again
to reset the demo accounts and their passwords. Prints the logins.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from django_2co_sso.models import CustomerLink, Partner, PartnerUser, Subscription
from shop import demo_data


class Command(BaseCommand):
    help = "Create or reset the demo data (matches example_project/emulator_seed.json)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            seed = json.loads(demo_data.SEED_FILE.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {demo_data.SEED_FILE}: {error}") from None
        customers = {item["CustomerReference"]: item for item in seed.get("Customers", [])}
        with transaction.atomic():
            self._staff()
            for login in demo_data.SHOPPERS:
                self._shopper(login, customers, seed.get("Subscriptions", []))
            for item in seed.get("Partners", []):
                self._partner(item)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        for login in demo_data.logins():
            self.stdout.write(f"  {login.username:<6} / {login.password:<16} {login.role}")

    def _user(self, login: demo_data.DemoLogin, **fields: Any) -> Any:
        user, _created = get_user_model().objects.update_or_create(
            username=login.username, defaults=fields
        )
        user.set_password(login.password)
        user.save()
        return user

    def _staff(self) -> None:
        login = demo_data.STAFF
        self._user(login, email="admin@example.com", is_staff=True, is_superuser=True)

    def _shopper(
        self,
        login: demo_data.DemoLogin,
        customers: dict[str, dict[str, Any]],
        subscriptions: list[dict[str, Any]],
    ) -> None:
        if login.customer is None:
            self._user(login, email=f"{login.username}@example.com")
            CustomerLink.objects.filter(user__username=login.username).delete()
            return
        try:
            customer = customers[login.customer]
        except KeyError:
            raise CommandError(f"Customer {login.customer} is not in the seed.") from None
        user = self._user(
            login,
            email=customer["Email"],
            first_name=customer.get("FirstName") or "",
            last_name=customer.get("LastName") or "",
        )
        external = customer.get("ExternalCustomerReference")
        if login.by_external_reference and not external:
            raise CommandError(f"Customer {login.customer} has no external reference.")
        link, _created = CustomerLink.objects.update_or_create(
            user=user,
            defaults={
                "external_reference": external if login.by_external_reference else None,
                "twocheckout_reference": login.customer,
            },
        )
        for item in subscriptions:
            if item["CustomerReference"] != login.customer:
                continue
            reference = item["SubscriptionReference"]
            Subscription.objects.update_or_create(
                reference=reference,
                defaults={
                    "customer": link,
                    "display_name": item.get("ProductName") or reference,
                    "product_code": item.get("ProductCode") or "",
                    "status": demo_data.STATUSES.get(item.get("Status", ""), "active"),
                },
            )

    def _partner(self, item: dict[str, Any]) -> None:
        partner, _created = Partner.objects.update_or_create(
            code=item["Code"],
            defaults={
                "name": item.get("Name") or item["Code"],
                "is_active": item.get("Active", True),
            },
        )
        for email in item.get("Users", []):
            PartnerUser.objects.update_or_create(
                partner=partner, email=email, defaults={"is_active": True}
            )
