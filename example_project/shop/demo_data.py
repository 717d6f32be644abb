"""Who is who in the demo: the Django side of ``example_project/emulator_seed.json``.

The emulator is started with ``emulator_seed.json`` and ``manage.py seed_demo`` reads the
same file, so both sides always agree on customers, subscriptions and partners. This module
adds what only Django knows: usernames, passwords, which reference each shopper is linked by,
and what a shopper without a billing account is offered. It imports nothing from Django, so
``run_demo.py`` can print the logins too.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

#: The seed shared with the emulator.
SEED_FILE = Path(__file__).resolve().parent.parent / "emulator_seed.json"


@dataclasses.dataclass(frozen=True)
class DemoLogin:
    """A demo account and what it shows."""

    username: str
    password: str
    role: str
    #: 2Checkout customer reference in the seed (None: no billing account).
    customer: str | None = None
    #: Link the user by the customer's external reference (else 2Checkout's reference).
    by_external_reference: bool = True


SHOPPERS = (
    DemoLogin("alice", "alice-demo-pass", "shopper, linked by external reference", "100000001"),
    DemoLogin(
        "bob",
        "bob-demo-pass",
        "shopper, linked by 2Checkout reference",
        "100000002",
        by_external_reference=False,
    ),
    DemoLogin("carol", "carol-demo-pass", "signed-up user without a billing account"),
    DemoLogin("dave", "dave-demo-pass", "new shopper: subscribes in the emulator's cart"),
)

#: What a shopper without a billing account can subscribe to (seed "Products" codes).
OFFERS = ("PRO-YEARLY", "TEAM-MONTHLY")


@dataclasses.dataclass(frozen=True)
class Offer:
    """A product of the seed's catalog offered with a "Subscribe" buy link."""

    code: str
    name: str
    price: str
    currency: str
    months: int


def offers() -> list[Offer]:
    """The :data:`OFFERS`, with name and price from the seed's ``Products``."""
    products = {
        item["ProductCode"]: item
        for item in json.loads(SEED_FILE.read_text(encoding="utf-8")).get("Products", [])
    }
    return [
        Offer(
            code,
            products[code]["ProductName"],
            products[code]["Price"],
            products[code]["Currency"],
            products[code].get("CycleMonths", 12),
        )
        for code in OFFERS
        if code in products
    ]


STAFF = DemoLogin("admin", "admin-demo-pass", "superuser (admin, partner SSO action)")

#: 2Checkout subscription statuses -> Subscription.Status values.
STATUSES = {
    "ACTIVE": "active",
    "TRIAL": "trial",
    "PAST_DUE": "past_due",
    "CANCELED": "cancelled",
    "CANCELLED": "cancelled",
    "EXPIRED": "expired",
    "DISABLED": "disabled",
}


def logins() -> tuple[DemoLogin, ...]:
    """Every demo account, staff first."""
    return (STAFF, *SHOPPERS)
