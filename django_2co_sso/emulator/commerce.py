"""Orders and the subscription life cycle, and the IPN/LCN each sends.

:meth:`Commerce.place_order` is what the cart's "Place order" and ``POST /__emulator__/orders``
do: find the customer by the merchant's reference (or create one with a generated 2Checkout
reference), create the subscription (generated reference, start today, expiry one product
cycle later), record the order, and send an IPN for the order and an LCN for the new
subscription. :meth:`Commerce.act` applies a life-cycle action and sends its LCN:

===============  ==========  ===================  ===================  =====================
action           STATUS      SubscriptionEnabled  RecurringEnabled     expiration date
===============  ==========  ===================  ===================  =====================
``cancel``       CANCELED    false                false                kept
``expire``       EXPIRED     true                 false                today
``renew``        ACTIVE      true                 true                 one cycle later
``disable``      DISABLED    false                false                kept
``enable``       ACTIVE      true                 true                 kept
``change_card``  kept        kept                 kept                 kept (card digits change)
===============  ==========  ===================  ===================  =====================

``CHANGED_BY`` is ``CUSTOMER`` from myAccount, ``VENDOR`` from the control API or operator
page, ``SYSTEM`` for ``expire``. Dates come from the emulator clock's wall time.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import secrets
import threading
from typing import Any, Final

from .clock import Clock
from .data import Customer, Dataset, Product, Subscription
from .notifications import Notifier

ACTIONS: Final = ("cancel", "expire", "renew", "disable", "enable", "change_card")
CHANGED_BY: Final = ("CUSTOMER", "VENDOR", "SYSTEM")
LIFETIME_EXPIRATION: Final = "9999-12-31"
_REFERENCE_ALPHABET: Final = "0123456789ABCDEF"


class OrderError(ValueError):
    """An order or action that cannot be carried out; the message says why (for a 4xx)."""


@dataclasses.dataclass(frozen=True)
class Order:
    """A placed order: 2Checkout's ``reference`` (REFNO), the merchant's ``external_reference``
    (REFNOEXT), the customer, the product line and the subscription it created."""

    reference: str
    external_reference: str
    customer_reference: str
    product_code: str
    quantity: int
    subscription_reference: str
    total: str
    currency: str
    date: str
    test: bool

    def to_api(self) -> dict[str, Any]:
        """The order as the control API shows it."""
        return {
            "RefNo": self.reference,
            "ExternalReference": self.external_reference,
            "CustomerReference": self.customer_reference,
            "ProductCode": self.product_code,
            "Quantity": self.quantity,
            "SubscriptionReference": self.subscription_reference,
            "Total": self.total,
            "Currency": self.currency,
            "OrderDate": self.date,
            "Test": self.test,
        }


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the day clipped to the month's length)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


class Commerce:
    """Places orders and applies life-cycle actions on a dataset, sending notifications.

    ``data`` may be replaced (a reset does); thread-safe.
    """

    def __init__(self, data: Dataset, notifier: Notifier, clock: Clock) -> None:
        self.data = data
        self.notifier = notifier
        self.clock = clock
        self._lock = threading.RLock()
        self._orders: list[Order] = []

    @property
    def orders(self) -> list[Order]:
        """Orders placed since the last reset."""
        with self._lock:
            return list(self._orders)

    def clear(self) -> None:
        """Forget the orders."""
        with self._lock:
            self._orders.clear()

    # -- orders ----------------------------------------------------------------------------
    def place_order(
        self,
        product_code: str,
        quantity: int = 1,
        *,
        customer_ext_ref: str | None = None,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        country_code: str | None = None,
        language: str | None = None,
        order_ext_ref: str = "",
        card_number: str = "4111111111111111",
        test: bool = True,
    ) -> Order:
        """Create the order, its customer (when new) and subscription; send IPN and LCN.

        Raises :class:`OrderError` for an unknown product, a quantity outside 1..99, or an
        e-mail address that is not one.
        """
        product = self.data.product(product_code)
        if product is None:
            raise OrderError(f"unknown product {product_code!r}")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 99:
            raise OrderError("quantity must be a whole number from 1 to 99")
        if email is not None and ("@" not in email or any(c.isspace() for c in email)):
            raise OrderError("the e-mail address is not valid")
        digits = "".join(c for c in card_number if c.isdigit())
        if not 12 <= len(digits) <= 19:
            raise OrderError("the card number must have 12 to 19 digits")
        now = self.clock.wall_now()
        with self._lock:
            customer = self._customer_for(
                customer_ext_ref, email, first_name, last_name, country_code, language
            )
            subscription = self.data.add_subscription(
                Subscription(
                    reference=self._new_subscription_reference(),
                    customer_reference=customer.reference,
                    product_name=product.name,
                    product_code=product.code,
                    quantity=quantity,
                    start_date=now.date().isoformat(),
                    expiration_date=_expiry(now.date(), product),
                    status="ACTIVE",
                    test=test,
                    card_last_digits=digits[-4:],
                )
            )
            total = f"{float(product.price) * quantity:.2f}"
            order = Order(
                reference=self._new_order_reference(),
                external_reference=order_ext_ref,
                customer_reference=customer.reference,
                product_code=product.code,
                quantity=quantity,
                subscription_reference=subscription.reference,
                total=total,
                currency=product.currency,
                date=now.strftime("%Y-%m-%d %H:%M:%S"),
                test=test,
            )
            self._orders.append(order)
        self.notifier.send(
            "ipn", ipn_fields(order, customer, product, subscription, now), order.reference
        )
        self.send_lcn(subscription, "VENDOR", now)
        return order

    def _customer_for(
        self,
        external: str | None,
        email: str | None,
        first_name: str | None,
        last_name: str | None,
        country_code: str | None,
        language: str | None,
    ) -> Customer:
        if external:
            existing = self.data.customer_by_external(external)
            if existing is not None:
                return existing
        reference = self._new_customer_reference()
        return self.data.add_customer(
            Customer(
                reference=reference,
                email=email or f"shopper-{reference}@example.com",
                external_reference=external or None,
                first_name=first_name or None,
                last_name=last_name or None,
                country_code=(country_code or "").upper() or None,
                language=(language or "").lower() or None,
            )
        )

    def _new_customer_reference(self) -> str:
        while True:
            reference = str(100_000_000 + secrets.randbelow(900_000_000))
            if self.data.customer(reference) is None:
                return reference

    def _new_subscription_reference(self) -> str:
        while True:
            reference = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))
            if self.data.subscription(reference) is None:
                return reference

    def _new_order_reference(self) -> str:
        taken = {o.reference for o in self._orders}
        while True:
            reference = str(10_000_000 + secrets.randbelow(90_000_000))
            if reference not in taken:
                return reference

    # -- life cycle ------------------------------------------------------------------------
    def act(
        self,
        reference: str,
        action: str,
        *,
        changed_by: str = "VENDOR",
        card_number: str | None = None,
    ) -> Subscription:
        """Apply ``action`` (one of :data:`ACTIONS`) to subscription ``reference``, send its
        LCN and return the new record. Raises :class:`OrderError` (unknown subscription or
        action, a missing or malformed card number for ``change_card``)."""
        if action not in ACTIONS:
            raise OrderError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
        if changed_by not in CHANGED_BY:
            raise OrderError("changed_by must be CUSTOMER, VENDOR or SYSTEM")
        now = self.clock.wall_now()
        with self._lock:
            current = self.data.subscription(reference)
            if current is None:
                raise OrderError(f"unknown subscription {reference!r}")
            changes = self._changes(current, action, now.date(), card_number)
            updated = self.data.update_subscription(reference, **changes)
        self.send_lcn(updated, "SYSTEM" if action == "expire" else changed_by, now)
        return updated

    def _changes(
        self, current: Subscription, action: str, today: dt.date, card_number: str | None
    ) -> dict[str, Any]:
        if action == "cancel":
            return {"status": "CANCELED", "enabled": False, "recurring_enabled": False}
        if action == "expire":
            return {
                "status": "EXPIRED",
                "enabled": True,
                "recurring_enabled": False,
                "expiration_date": today.isoformat(),
            }
        if action == "renew":
            product = self.data.product(current.product_code)
            start = today
            if current.expiration_date and current.expiration_date != LIFETIME_EXPIRATION:
                start = max(today, dt.date.fromisoformat(current.expiration_date))
            months = product.cycle_months if product else 12
            return {
                "status": "ACTIVE",
                "enabled": True,
                "recurring_enabled": True,
                "expiration_date": (
                    LIFETIME_EXPIRATION if months == 0 else add_months(start, months).isoformat()
                ),
            }
        if action == "disable":
            return {"status": "DISABLED", "enabled": False, "recurring_enabled": False}
        if action == "enable":
            return {"status": "ACTIVE", "enabled": True, "recurring_enabled": True}
        digits = "".join(c for c in (card_number or "") if c.isdigit())
        if not 12 <= len(digits) <= 19:
            raise OrderError("the card number must have 12 to 19 digits")
        return {"card_last_digits": digits[-4:]}

    def send_lcn(self, subscription: Subscription, changed_by: str, now: dt.datetime) -> None:
        """Send the LCN describing ``subscription`` as it is now."""
        customer = self.data.customer(subscription.customer_reference)
        if customer is None:  # pragma: no cover - the dataset guarantees it
            return
        self.notifier.send(
            "lcn", lcn_fields(subscription, customer, changed_by, now), subscription.reference
        )


def _expiry(start: dt.date, product: Product) -> str:
    if product.cycle_months == 0:
        return LIFETIME_EXPIRATION
    return add_months(start, product.cycle_months).isoformat()


def _flag(value: bool) -> str:
    return "1" if value else "0"


def ipn_fields(
    order: Order,
    customer: Customer,
    product: Product,
    subscription: Subscription,
    now: dt.datetime,
) -> list[tuple[str, str]]:
    """The IPN of a completed order, fields in the order they are sent (unsigned)."""
    return [
        ("GIFT_ORDER", "0"),
        ("SALEDATE", order.date),
        ("PAYMENTDATE", order.date),
        ("REFNO", order.reference),
        ("REFNOEXT", order.external_reference),
        ("ORDERNO", order.reference[-6:]),
        ("ORDERSTATUS", "COMPLETE"),
        ("PAYMETHOD", "Visa/MasterCard"),
        ("PAYMETHOD_CODE", "CCVISAMC"),
        ("FIRSTNAME", customer.first_name or ""),
        ("LASTNAME", customer.last_name or ""),
        ("COMPANY", customer.company or ""),
        ("CUSTOMEREMAIL", customer.email),
        ("COUNTRY_CODE", (customer.country_code or "").lower()),
        ("LANGUAGE", customer.language or "en"),
        ("CURRENCY", order.currency),
        ("IPN_PID[]", product.id),
        ("IPN_PNAME[]", product.name),
        ("IPN_PCODE[]", product.code),
        ("IPN_QTY[]", str(order.quantity)),
        ("IPN_PRICE[]", product.price),
        ("IPN_LICENSE_REF[]", subscription.reference),
        ("IPN_LICENSE_EXP[]", subscription.expiration_date or ""),
        ("IPN_TOTALGENERAL", order.total),
        ("AVANGATE_CUSTOMER_REFERENCE", customer.reference),
        ("EXTERNAL_CUSTOMER_REFERENCE", customer.external_reference or ""),
        ("TEST_ORDER", _flag(order.test)),
        ("IPN_DATE", now.strftime("%Y%m%d%H%M%S")),
    ]


def lcn_fields(
    subscription: Subscription, customer: Customer, changed_by: str, now: dt.datetime
) -> list[tuple[str, str]]:
    """The LCN describing ``subscription``, fields in the order they are sent (unsigned)."""
    return [
        ("LICENSE_CODE", subscription.reference),
        ("LICENSE_TYPE", "REGULAR"),
        ("STATUS", subscription.status),
        ("START_DATE", subscription.start_date or ""),
        ("EXPIRATION_DATE", subscription.expiration_date or ""),
        ("DATE_UPDATED", now.strftime("%Y-%m-%d %H:%M:%S")),
        ("CHANGED_BY", changed_by),
        ("RECURRING", _flag(subscription.recurring_enabled)),
        ("DISABLED", _flag(not subscription.enabled)),
        ("PRODUCT_CODE", subscription.product_code),
        ("PRODUCT_NAME", subscription.product_name),
        ("QUANTITY", str(subscription.quantity)),
        ("AVANGATE_CUSTOMER_REFERENCE", customer.reference),
        ("EXTERNAL_CUSTOMER_REFERENCE", customer.external_reference or ""),
        ("FIRST_NAME", customer.first_name or ""),
        ("LAST_NAME", customer.last_name or ""),
        ("EMAIL", customer.email),
        ("TEST", _flag(subscription.test)),
    ]
