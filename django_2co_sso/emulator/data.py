"""The emulator's accounts: customers, subscriptions, partners and partner users.

Seed format (JSON file or the same structure as a Python dict), keys as in 2Checkout's API::

    {
      "Customers": [
        {"CustomerReference": "352365983",          # required, 2Checkout's reference
         "ExternalCustomerReference": "shop-1",     # optional (null/absent = none)
         "Email": "ada@example.com",                # required
         "FirstName": "Ada", "LastName": "Lovelace", "Company": "...",
         "Address1": "...", "City": "...", "CountryCode": "GB",
         "Language": "en", "Enabled": true, "Trial": false}
      ],
      "Subscriptions": [
        {"SubscriptionReference": "4E2A1B9C70",      # required
         "CustomerReference": "352365983",          # required, a 2Checkout customer reference
         "ProductName": "Pro plan", "Status": "ACTIVE",
         "ProductCode": "PRO-YEARLY", "StartDate": "2025-01-15",  # optional, see
         "ExpirationDate": "2026-01-15"}                          # subscription_from_mapping
      ],
      "Partners": [
        {"Code": "ACMEDIST", "Name": "Acme Distribution", "Active": true,
         "Users": ["alice@acme-partner.example"]}
      ],
      "Products": [                                 # what the cart sells (/checkout/buy)
        {"ProductCode": "PRO-YEARLY", "ProductName": "Pro plan (yearly)",
         "ProductId": "4639321", "Price": "99.00", "Currency": "EUR", "CycleMonths": 12}
      ]
    }

Every list is optional. References are unique; an external reference is unique among customers.
:meth:`Dataset.from_mapping` raises :class:`ValueError` with a clear message for a bad seed.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import threading
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final

#: The seed shipped with the package, used when none is given.
DEFAULT_SEED_RESOURCE = "seed/default.json"

_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")

_CUSTOMER_STR_FIELDS = (
    "FirstName",
    "LastName",
    "Company",
    "Address1",
    "City",
    "CountryCode",
    "Language",
)


@dataclasses.dataclass(frozen=True)
class Customer:
    """A shopper account. ``reference`` is 2Checkout's; ``external_reference`` the merchant's."""

    reference: str
    email: str
    external_reference: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    city: str | None = None
    country_code: str | None = None
    language: str | None = None
    enabled: bool = True
    trial: bool = False

    @property
    def display_name(self) -> str:
        """``First Last`` when known, else the e-mail address."""
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.email

    def to_api(self) -> dict[str, Any]:
        """Return the customer as the API returns it (the SOAP ``Customer`` type's fields)."""
        return {
            "CustomerReference": self.reference,
            "ExternalCustomerReference": self.external_reference,
            "FirstName": self.first_name,
            "LastName": self.last_name,
            "Company": self.company,
            "Email": self.email,
            "Address1": self.address1,
            "City": self.city,
            "CountryCode": self.country_code,
            "Language": self.language,
            "Enabled": self.enabled,
            "Trial": self.trial,
        }


#: Statuses whose subscription is switched off (``SubscriptionEnabled`` false by default).
DISABLED_STATUSES: Final = frozenset({"DISABLED", "CANCELED", "CANCELLED"})
#: Statuses that renew automatically (``RecurringEnabled`` true by default).
RENEWING_STATUSES: Final = frozenset({"ACTIVE", "TRIAL", "PASTDUE"})


@dataclasses.dataclass(frozen=True)
class Subscription:
    """A subscription of one customer (``customer_reference`` is 2Checkout's reference).

    Dates are ``YYYY-MM-DD`` strings (None = unknown). ``enabled`` is the API's
    ``SubscriptionEnabled``, ``recurring_enabled`` its ``RecurringEnabled`` (automatic renewal);
    ``test`` marks a test order's subscription; ``card_last_digits`` the card on file.
    """

    reference: str
    customer_reference: str
    product_name: str = ""
    status: str = "ACTIVE"
    product_code: str = ""
    quantity: int = 1
    start_date: str | None = None
    expiration_date: str | None = None
    enabled: bool = True
    recurring_enabled: bool = True
    test: bool = False
    card_last_digits: str | None = None

    def to_api(self) -> dict[str, Any]:
        """Return the subscription in seed key style (round-trips through the seed format)."""
        return {
            "SubscriptionReference": self.reference,
            "CustomerReference": self.customer_reference,
            "ProductName": self.product_name,
            "Status": self.status,
            "ProductCode": self.product_code,
            "ProductQuantity": self.quantity,
            "StartDate": self.start_date,
            "ExpirationDate": self.expiration_date,
            "SubscriptionEnabled": self.enabled,
            "RecurringEnabled": self.recurring_enabled,
            "TestSubscription": self.test,
            "CardLastDigits": self.card_last_digits,
        }


@dataclasses.dataclass(frozen=True)
class Product:
    """A catalog product the cart sells: ``code`` (the buy link's ``prod``), a numeric
    ``id`` (IPN ``IPN_PID[]``), a display ``name``, a ``price`` per unit in ``currency`` and
    the subscription's ``cycle_months`` (0 = lifetime)."""

    code: str
    name: str
    id: str
    price: str = "0.00"
    currency: str = "EUR"
    cycle_months: int = 12

    def to_api(self) -> dict[str, Any]:
        """Return the product in seed key style."""
        return {
            "ProductCode": self.code,
            "ProductName": self.name,
            "ProductId": self.id,
            "Price": self.price,
            "Currency": self.currency,
            "CycleMonths": self.cycle_months,
        }


@dataclasses.dataclass(frozen=True)
class Partner:
    """A Channel Manager partner and the e-mail addresses of its users."""

    code: str
    name: str = ""
    active: bool = True
    users: tuple[str, ...] = ()

    def has_user(self, email: str) -> bool:
        """Whether ``email`` (case-insensitive) is a user of this partner."""
        wanted = email.strip().lower()
        return any(user.lower() == wanted for user in self.users)

    def to_api(self) -> dict[str, Any]:
        """Return the partner in seed key style."""
        return {"Code": self.code, "Name": self.name, "Active": self.active, "Users": [*self.users]}


def _opt_str(item: Mapping[str, Any], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError(f"{where}: {key} must be a string")
    return str(value)


def _req_str(item: Mapping[str, Any], key: str, where: str) -> str:
    value = _opt_str(item, key, where)
    if not value:
        raise ValueError(f"{where}: {key} is required")
    return value


def _bool(item: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = item.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {key} must be true or false")
    return value


def _list(seed: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = seed.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise ValueError(f"seed: {key} must be a list of objects")
    return items


def customer_from_mapping(item: Mapping[str, Any]) -> Customer:
    """Build a :class:`Customer` from a seed object (see the module docstring)."""
    where = f"customer {item.get('CustomerReference')!r}"
    fields = {
        name: _opt_str(item, key, where)
        for name, key in zip(
            ("first_name", "last_name", "company", "address1", "city", "country_code", "language"),
            _CUSTOMER_STR_FIELDS,
            strict=True,
        )
    }
    return Customer(
        reference=_req_str(item, "CustomerReference", where),
        email=_req_str(item, "Email", where),
        external_reference=_opt_str(item, "ExternalCustomerReference", where) or None,
        enabled=_bool(item, "Enabled", True, where),
        trial=_bool(item, "Trial", False, where),
        **fields,
    )


def _opt_date(item: Mapping[str, Any], key: str, where: str) -> str | None:
    value = _opt_str(item, key, where)
    if value is not None and not _DATE_RE.fullmatch(value):
        raise ValueError(f"{where}: {key} must be a date YYYY-MM-DD")
    return value


def subscription_from_mapping(item: Mapping[str, Any]) -> Subscription:
    """Build a :class:`Subscription` from a seed object.

    Optional keys: ``ProductName``, ``Status`` (``ACTIVE``), ``ProductCode``,
    ``ProductQuantity`` (1), ``StartDate``/``ExpirationDate`` (``YYYY-MM-DD``),
    ``SubscriptionEnabled`` (false for a disabled or cancelled status), ``RecurringEnabled``
    (true for ACTIVE, TRIAL, PASTDUE), ``TestSubscription`` (false), ``CardLastDigits``.
    """
    where = f"subscription {item.get('SubscriptionReference')!r}"
    status = _opt_str(item, "Status", where) or "ACTIVE"
    quantity = item.get("ProductQuantity", 1)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValueError(f"{where}: ProductQuantity must be a positive integer")
    return Subscription(
        reference=_req_str(item, "SubscriptionReference", where),
        customer_reference=_req_str(item, "CustomerReference", where),
        product_name=_opt_str(item, "ProductName", where) or "",
        status=status,
        product_code=_opt_str(item, "ProductCode", where) or "",
        quantity=quantity,
        start_date=_opt_date(item, "StartDate", where),
        expiration_date=_opt_date(item, "ExpirationDate", where),
        enabled=_bool(item, "SubscriptionEnabled", status not in DISABLED_STATUSES, where),
        recurring_enabled=_bool(item, "RecurringEnabled", status in RENEWING_STATUSES, where),
        test=_bool(item, "TestSubscription", False, where),
        card_last_digits=_opt_str(item, "CardLastDigits", where),
    )


def product_from_mapping(item: Mapping[str, Any]) -> Product:
    """Build a :class:`Product` from a seed object (``ProductCode``, ``ProductName`` and
    ``ProductId`` required; ``Price`` "0.00", ``Currency`` EUR, ``CycleMonths`` 12)."""
    where = f"product {item.get('ProductCode')!r}"
    cycle = item.get("CycleMonths", 12)
    if isinstance(cycle, bool) or not isinstance(cycle, int) or cycle < 0:
        raise ValueError(f"{where}: CycleMonths must be a whole number of months (0 = lifetime)")
    return Product(
        code=_req_str(item, "ProductCode", where),
        name=_req_str(item, "ProductName", where),
        id=_req_str(item, "ProductId", where),
        price=_opt_str(item, "Price", where) or "0.00",
        currency=_opt_str(item, "Currency", where) or "EUR",
        cycle_months=cycle,
    )


def partner_from_mapping(item: Mapping[str, Any]) -> Partner:
    """Build a :class:`Partner` from a seed object."""
    where = f"partner {item.get('Code')!r}"
    users = item.get("Users", [])
    if not isinstance(users, list) or not all(isinstance(u, str) and u for u in users):
        raise ValueError(f"{where}: Users must be a list of e-mail addresses")
    return Partner(
        code=_req_str(item, "Code", where),
        name=_opt_str(item, "Name", where) or "",
        active=_bool(item, "Active", True, where),
        users=tuple(users),
    )


class Dataset:
    """The accounts the emulator knows; lookups and additions are thread-safe.

    Build one with :meth:`from_mapping`, :meth:`from_file` or :meth:`default`; add records with
    :meth:`add_customer`, :meth:`add_subscription` and :meth:`add_partner`.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._customers: dict[str, Customer] = {}
        self._by_external: dict[str, Customer] = {}
        self._subscriptions: dict[str, Subscription] = {}
        self._partners: dict[str, Partner] = {}
        self._products: dict[str, Product] = {}

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, seed: Mapping[str, Any]) -> Dataset:
        """Build a dataset from a seed dict; raise :class:`ValueError` if it is invalid."""
        if not isinstance(seed, Mapping):
            raise ValueError("seed: must be a JSON object")
        unknown = set(seed) - {"Customers", "Subscriptions", "Partners", "Products"}
        if unknown:
            raise ValueError(f"seed: unknown keys {sorted(unknown)}")
        dataset = cls()
        for item in _list(seed, "Customers"):
            dataset.add_customer(customer_from_mapping(item))
        for item in _list(seed, "Subscriptions"):
            dataset.add_subscription(subscription_from_mapping(item))
        for item in _list(seed, "Partners"):
            dataset.add_partner(partner_from_mapping(item))
        for item in _list(seed, "Products"):
            dataset.add_product(product_from_mapping(item))
        return dataset

    @classmethod
    def from_file(cls, path: str | Path) -> Dataset:
        """Build a dataset from a JSON seed file; raise :class:`ValueError` naming the file
        when it cannot be read, is not JSON or is not a valid seed."""
        try:
            with open(path, encoding="utf-8") as handle:
                seed = json.load(handle)
        except OSError as exc:
            raise ValueError(f"seed file {str(path)!r}: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, RecursionError) as exc:
            raise ValueError(f"seed file {str(path)!r}: not UTF-8 JSON ({exc})") from None
        except ValueError as exc:
            raise ValueError(f"seed file {str(path)!r}: not valid JSON: {exc}") from None
        try:
            return cls.from_mapping(seed)
        except ValueError as exc:
            raise ValueError(f"seed file {str(path)!r}: {exc}") from None

    @classmethod
    def default(cls) -> Dataset:
        """Build the dataset of the seed shipped with the package."""
        return cls.from_mapping(default_seed())

    def copy(self) -> Dataset:
        """Return an independent copy (records are immutable, so a shallow copy suffices)."""
        other = Dataset()
        with self._lock:
            other._customers = dict(self._customers)
            other._by_external = dict(self._by_external)
            other._subscriptions = dict(self._subscriptions)
            other._partners = dict(self._partners)
            other._products = dict(self._products)
        return other

    def to_mapping(self) -> dict[str, Any]:
        """Return the dataset in seed format (round-trips through :meth:`from_mapping`)."""
        with self._lock:
            return {
                "Customers": [c.to_api() for c in self._customers.values()],
                "Subscriptions": [s.to_api() for s in self._subscriptions.values()],
                "Partners": [p.to_api() for p in self._partners.values()],
                "Products": [p.to_api() for p in self._products.values()],
            }

    # -- additions -----------------------------------------------------------------------------
    def add_customer(self, customer: Customer) -> Customer:
        """Add a customer; raise :class:`ValueError` if either reference is taken."""
        with self._lock:
            if customer.reference in self._customers:
                raise ValueError(f"customer {customer.reference!r} already exists")
            ext = customer.external_reference
            if ext is not None and ext in self._by_external:
                raise ValueError(f"external customer reference {ext!r} already exists")
            self._customers[customer.reference] = customer
            if ext is not None:
                self._by_external[ext] = customer
        return customer

    def add_subscription(self, subscription: Subscription) -> Subscription:
        """Add a subscription of an existing customer; raise :class:`ValueError` otherwise."""
        with self._lock:
            if subscription.reference in self._subscriptions:
                raise ValueError(f"subscription {subscription.reference!r} already exists")
            if subscription.customer_reference not in self._customers:
                raise ValueError(
                    f"subscription {subscription.reference!r}: unknown customer "
                    f"{subscription.customer_reference!r}"
                )
            self._subscriptions[subscription.reference] = subscription
        return subscription

    def update_subscription(self, reference: str, **changes: Any) -> Subscription:
        """Replace fields of subscription ``reference`` (dataclass field names) and return the
        new record; raise :class:`KeyError` if there is no such subscription."""
        with self._lock:
            current = self._subscriptions[reference]
            updated = dataclasses.replace(current, **changes)
            self._subscriptions[reference] = updated
        return updated

    def add_partner(self, partner: Partner) -> Partner:
        """Add a partner; raise :class:`ValueError` if the code is taken."""
        with self._lock:
            if partner.code in self._partners:
                raise ValueError(f"partner {partner.code!r} already exists")
            self._partners[partner.code] = partner
        return partner

    def add_product(self, product: Product) -> Product:
        """Add a catalog product; raise :class:`ValueError` if the code is taken."""
        with self._lock:
            if product.code in self._products:
                raise ValueError(f"product {product.code!r} already exists")
            self._products[product.code] = product
        return product

    # -- lookups -------------------------------------------------------------------------------
    @property
    def customers(self) -> list[Customer]:
        """All customers, in insertion order."""
        with self._lock:
            return list(self._customers.values())

    @property
    def subscriptions(self) -> list[Subscription]:
        """All subscriptions, in insertion order."""
        with self._lock:
            return list(self._subscriptions.values())

    @property
    def partners(self) -> list[Partner]:
        """All partners, in insertion order."""
        with self._lock:
            return list(self._partners.values())

    def customer(self, reference: str) -> Customer | None:
        """The customer with 2Checkout reference ``reference``, or None."""
        with self._lock:
            return self._customers.get(reference)

    def customer_by_external(self, external_reference: str) -> Customer | None:
        """The customer with the merchant's reference ``external_reference``, or None."""
        with self._lock:
            return self._by_external.get(external_reference)

    def subscription(self, reference: str) -> Subscription | None:
        """The subscription ``reference``, or None."""
        with self._lock:
            return self._subscriptions.get(reference)

    def subscriptions_of(self, customer_reference: str) -> list[Subscription]:
        """The subscriptions of the customer with 2Checkout reference ``customer_reference``."""
        with self._lock:
            return [
                s
                for s in self._subscriptions.values()
                if s.customer_reference == customer_reference
            ]

    @property
    def products(self) -> list[Product]:
        """All catalog products, in insertion order."""
        with self._lock:
            return list(self._products.values())

    def product(self, code: str) -> Product | None:
        """The catalog product with ``code``, or None."""
        with self._lock:
            return self._products.get(code)

    def partner(self, code: str) -> Partner | None:
        """The partner with ``code``, or None."""
        with self._lock:
            return self._partners.get(code)


def default_seed() -> dict[str, Any]:
    """Return a fresh copy of the seed shipped with the package (``seed/default.json``)."""
    text = resources.files(__package__).joinpath(DEFAULT_SEED_RESOURCE).read_text("utf-8")
    seed: dict[str, Any] = json.loads(text)
    return copy.deepcopy(seed)


def load_dataset(seed: Dataset | Mapping[str, Any] | str | Path | None) -> Dataset:
    """Build a dataset from a :class:`Dataset` (copied), a seed dict, a JSON file path, or None
    (the default seed)."""
    if seed is None:
        return Dataset.default()
    if isinstance(seed, Dataset):
        return seed.copy()
    if isinstance(seed, str | Path):
        return Dataset.from_file(seed)
    return Dataset.from_mapping(seed)
