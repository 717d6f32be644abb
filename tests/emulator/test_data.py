"""Seed loading: the packaged default, files, Python dicts, datasets, validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from django_2co_sso.emulator import Customer, Dataset, Emulator, default_seed
from tests.emulator.wire import Wire


def test_default_seed_contents() -> None:
    data = Dataset.default()
    customers = {c.reference: c for c in data.customers}
    assert set(customers) == {"352365983", "352365984", "352365985"}
    assert customers["352365983"].external_reference == "shop-customer-1"
    assert customers["352365985"].external_reference is None
    for reference in ("352365983", "352365984"):
        assert data.subscriptions_of(reference)
    partner = data.partner("ACMEDIST")
    assert partner is not None
    assert partner.active
    assert len(partner.users) == 2
    assert Dataset.from_mapping(data.to_mapping()).to_mapping() == data.to_mapping()


def test_seed_from_file(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    seed = default_seed()
    seed["Customers"].append(
        {
            "CustomerReference": "5",
            "ExternalCustomerReference": "ext-5",
            "Email": "five@example.com",
            "FirstName": "Five",
        }
    )
    path.write_text(json.dumps(seed), encoding="utf-8")
    with Emulator(seed=path) as emulator:
        wire = Wire(emulator.base_url)
        url = wire.rest("customers/ext-5/account/index/").json()
        assert "five@example.com" in wire.get(url).text
    with Emulator(seed=str(path)) as emulator:
        assert emulator.data.customer_by_external("ext-5") is not None


def test_seed_from_python_and_dataset() -> None:
    seed = {"Partners": [{"Code": "P1", "Users": ["u@example.com"]}]}
    emulator = Emulator(seed=seed)
    assert emulator.data.partner("P1") is not None
    assert emulator.data.customers == []
    dataset = Dataset()
    dataset.add_customer(Customer(reference="9", email="nine@example.com"))
    other = Emulator(seed=dataset)
    other.add_customer({"CustomerReference": "10", "Email": "ten@example.com"})
    assert dataset.customer("10") is None  # the emulator copied it
    other.reset()
    assert other.data.customer("10") is None
    assert other.data.customer("9") is not None


def test_add_helpers(emu: Emulator, wire: Wire) -> None:
    emu.add_customer(
        {"CustomerReference": "42", "Email": "x@example.com", "ExternalCustomerReference": "x-42"}
    )
    emu.add_subscription(
        {"SubscriptionReference": "S42", "CustomerReference": "42", "ProductName": "Thing"}
    )
    emu.add_partner({"Code": "NEWP", "Name": "New", "Users": ["p@example.com"]})
    sid = wire.login_soap()
    url = wire.soap("getSingleSignOn", sid, "S42", "x@example.com", 10, "my_license", None).value
    assert "Subscription S42 (Thing, ACTIVE)" in wire.get(url).text
    assert wire.soap("setPartner", sid, "NEWP").value == "true"


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ([], "JSON object"),
        ({"Customer": []}, "unknown keys"),
        ({"Customers": [{"Email": "a@b.c"}]}, "CustomerReference is required"),
        ({"Customers": [{"CustomerReference": "1"}]}, "Email is required"),
        (
            {"Customers": [{"CustomerReference": "1", "Email": "a@b.c", "Enabled": "yes"}]},
            "true or false",
        ),
        (
            {
                "Customers": [
                    {"CustomerReference": "1", "Email": "a@b.c"},
                    {"CustomerReference": "1", "Email": "d@b.c"},
                ]
            },
            "already exists",
        ),
        (
            {
                "Customers": [
                    {"CustomerReference": "1", "Email": "a@b.c", "ExternalCustomerReference": "e"},
                    {"CustomerReference": "2", "Email": "d@b.c", "ExternalCustomerReference": "e"},
                ]
            },
            "already exists",
        ),
        (
            {"Subscriptions": [{"SubscriptionReference": "S", "CustomerReference": "1"}]},
            "unknown customer",
        ),
        ({"Partners": [{"Code": "P", "Users": "a@b.c"}]}, "Users"),
        (
            {
                "Customers": [{"CustomerReference": "1", "Email": "a@b.c"}],
                "Subscriptions": [
                    {"SubscriptionReference": "S", "CustomerReference": "1", "StartDate": "1/2/25"}
                ],
            },
            "StartDate must be a date",
        ),
        (
            {
                "Customers": [{"CustomerReference": "1", "Email": "a@b.c"}],
                "Subscriptions": [
                    {"SubscriptionReference": "S", "CustomerReference": "1", "ProductQuantity": 0}
                ],
            },
            "ProductQuantity must be a positive integer",
        ),
        ({"Partners": "P"}, "list of objects"),
    ],
)
def test_invalid_seeds(seed: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Dataset.from_mapping(seed)  # type: ignore[arg-type]


def test_subscription_flags_follow_status_unless_given() -> None:
    data = Dataset.from_mapping(
        {
            "Customers": [{"CustomerReference": "1", "Email": "a@b.c"}],
            "Subscriptions": [
                {"SubscriptionReference": "A", "CustomerReference": "1"},
                {"SubscriptionReference": "D", "CustomerReference": "1", "Status": "DISABLED"},
                {"SubscriptionReference": "E", "CustomerReference": "1", "Status": "EXPIRED"},
                {
                    "SubscriptionReference": "M",
                    "CustomerReference": "1",
                    "Status": "ACTIVE",
                    "RecurringEnabled": False,
                    "ProductCode": "PRO",
                    "ProductQuantity": 3,
                    "StartDate": "2025-01-02",
                    "ExpirationDate": "2026-01-02",
                    "TestSubscription": True,
                },
            ],
        }
    )
    flags = {s.reference: (s.enabled, s.recurring_enabled) for s in data.subscriptions}
    assert flags == {
        "A": (True, True),
        "D": (False, False),
        "E": (True, False),
        "M": (True, False),
    }
    manual = data.subscription("M")
    assert manual is not None
    assert (manual.product_code, manual.quantity, manual.test) == ("PRO", 3, True)
    assert (manual.start_date, manual.expiration_date) == ("2025-01-02", "2026-01-02")
    assert Dataset.from_mapping(data.to_mapping()).to_mapping() == data.to_mapping()


def test_update_subscription_replaces_fields() -> None:
    data = Dataset.default()
    updated = data.update_subscription("4E2A1B9C70", status="DISABLED", enabled=False)
    assert data.subscription("4E2A1B9C70") == updated
    assert (updated.status, updated.enabled, updated.product_code) == (
        "DISABLED",
        False,
        "PRO-YEARLY",
    )
    with pytest.raises(KeyError):
        data.update_subscription("NOPE", status="ACTIVE")
