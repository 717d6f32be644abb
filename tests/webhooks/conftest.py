"""Fixtures of the notification tests: posting bodies to the listeners, shoppers, signals."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from django_2co_sso.backends import locmem
from django_2co_sso.registry import clear_backends
from django_2co_sso.signals import customer_linked, notification_received, subscription_changed
from tests.factories import CustomerLinkFactory, UserFactory
from tests.webhooks.payloads import body

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    locmem.reset()
    yield
    locmem.reset()
    clear_backends()


@pytest.fixture
def sso_settings(settings: Any) -> Callable[..., None]:
    def update(**keys: Any) -> None:
        settings.TWOCHECKOUT_SSO = {**settings.TWOCHECKOUT_SSO, **keys}

    return update


Post = Callable[..., Any]


@pytest.fixture
def post(client: Client) -> Post:
    """``post("lcn", pairs)`` sends ``pairs`` form-encoded to a listener; returns the response."""

    def send(
        kind: str,
        pairs: Sequence[tuple[str, str]] | None = None,
        *,
        raw: bytes | str | None = None,
        content_type: str = FORM,
        remote_addr: str = "203.0.113.7",
    ) -> Any:
        data = raw if raw is not None else body(pairs or [])
        return client.generic(
            "POST",
            reverse(f"twocheckout_webhooks:{kind}"),
            data,
            content_type=content_type,
            REMOTE_ADDR=remote_addr,
        )

    return send


@pytest.fixture
def jose(db: None) -> Any:
    """The shopper of the LCN payload (external reference shop-customer-1)."""
    user = UserFactory(username="jose", email="jose@example.com")
    CustomerLinkFactory(user=user, external_reference="shop-customer-1")
    return user


@pytest.fixture
def zoe(db: None) -> Any:
    """The shopper of the IPN payload (external reference shop-customer-2)."""
    user = UserFactory(username="zoe", email="zoe@example.com")
    CustomerLinkFactory(user=user, external_reference="shop-customer-2")
    return user


@pytest.fixture
def received() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Every sync signal sent, by name, with its keyword arguments."""
    seen: dict[str, list[dict[str, Any]]] = {
        "customer_linked": [],
        "subscription_changed": [],
        "notification_received": [],
    }
    receivers = {}
    for name, signal in (
        ("customer_linked", customer_linked),
        ("subscription_changed", subscription_changed),
        ("notification_received", notification_received),
    ):

        def receiver(sender: Any, _name: str = name, **kwargs: Any) -> None:
            seen[_name].append({"sender": sender, **kwargs})

        receivers[name] = receiver
        signal.connect(receiver)
    yield seen
    customer_linked.disconnect(receivers["customer_linked"])
    subscription_changed.disconnect(receivers["subscription_changed"])
    notification_received.disconnect(receivers["notification_received"])


@contextlib.contextmanager
def refusing_writes(table: str, events: Sequence[str] = ("INSERT", "UPDATE")) -> Iterator[None]:
    """While inside, the database itself refuses ``events`` on ``table`` (a real trigger).

    Works on SQLite and PostgreSQL; the trigger is dropped on the way out.
    """
    from django.db import connection

    name = f"twoco_refuse_{table}"
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(
                "CREATE OR REPLACE FUNCTION twoco_refuse() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'writes refused by the test'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER {name} BEFORE {' OR '.join(events)} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION twoco_refuse()"
            )
        else:
            for event in events:
                cursor.execute(
                    f"CREATE TRIGGER {name}_{event.lower()} BEFORE {event} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'writes refused by the test'); END"
                )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                for event in events:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}_{event.lower()}")


@pytest.fixture
def refuse_subscription_writes(db: None) -> Iterator[Callable[[bool], None]]:
    """``refuse(True)`` makes the database refuse every INSERT/UPDATE of subscriptions."""
    stack = contextlib.ExitStack()

    def refuse(on: bool) -> None:
        if on:
            stack.enter_context(refusing_writes("django_2co_sso_subscription"))
        else:
            stack.close()

    yield refuse
    stack.close()
