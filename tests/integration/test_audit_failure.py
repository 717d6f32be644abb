"""The audit INSERT is refused by a real database trigger (SQLite and PostgreSQL).

Decision (docs/errors.rst): a link whose audit row cannot be written is not handed out.
The shopper gets the "try again later" page, the admin action and the command say what
happened, and one ERROR line keeps the database's own error. When minting had failed as
well, the minting error is the one raised, and both failures are logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from django_2co_sso.backends import locmem
from django_2co_sso.exceptions import APIError, AuditLogError
from django_2co_sso.models import SSOAuditLog
from django_2co_sso.signals import sso_link_failed, sso_link_issued
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/account/billing/payment_methods/"
REFUSAL = "audit refused by the test trigger"
TABLE = SSOAuditLog._meta.db_table


@pytest.fixture
def refused_audit(db: None) -> Iterator[None]:
    """A trigger that makes every INSERT into the audit table fail."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER refuse_audit BEFORE INSERT ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )
            drop = ["DROP TRIGGER refuse_audit"]
        elif connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN "
                f"RAISE EXCEPTION '{REFUSAL}'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_audit BEFORE INSERT ON {TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
            )
            drop = [f"DROP TRIGGER refuse_audit ON {TABLE}", "DROP FUNCTION refuse_audit()"]
        else:  # pragma: no cover - the suite runs on SQLite and PostgreSQL
            pytest.skip(f"no trigger recipe for {connection.vendor}")
    yield
    with connection.cursor() as cursor:
        for statement in drop:
            cursor.execute(statement)


@pytest.fixture
def signals() -> Iterator[dict[str, list[Any]]]:
    seen: dict[str, list[Any]] = {"issued": [], "failed": []}

    def issued(sender: Any, **kwargs: Any) -> None:
        seen["issued"].append(kwargs)

    def failed(sender: Any, **kwargs: Any) -> None:
        seen["failed"].append(kwargs["error"])

    sso_link_issued.connect(issued)
    sso_link_failed.connect(failed)
    yield seen
    sso_link_issued.disconnect(issued)
    sso_link_failed.disconnect(failed)


def _errors(caplog: Any) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_minted_link_is_withheld_when_its_audit_row_is_refused(
    alice_client: Client, refused_audit: None, signals: dict[str, list[Any]], caplog: Any
) -> None:
    with caplog.at_level(logging.INFO):
        response = alice_client.get(PAGE)
    assert response.status_code == 503
    assert "Location" not in response
    assert len(locmem.outbox) == 1  # the link was minted upstream ...
    assert signals["issued"] == []  # ... but never handed out
    assert [type(e) for e in signals["failed"]] == [AuditLogError]
    (record,) = _errors(caplog)
    message = record.getMessage()
    assert "audit row NOT written" in message
    assert REFUSAL in message  # the database's own error is kept
    assert "withheld" in message
    assert record.exc_info is None
    # The failed INSERT ran in a savepoint: the request's transaction is still usable.
    assert SSOAuditLog.objects.count() == 0


def test_failed_minting_keeps_its_own_error_when_the_audit_row_is_refused(
    alice_client: Client, refused_audit: None, signals: dict[str, list[Any]], caplog: Any
) -> None:
    locmem.fail_with(APIError("no such customer", code="CUSTOMER_NOT_FOUND"))
    with caplog.at_level(logging.INFO):
        response = alice_client.get(PAGE)
    assert response.status_code == 503
    assert [type(e) for e in signals["failed"]] == [APIError]  # not the database error
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("CUSTOMER_NOT_FOUND" in m and "link failed" in m for m in messages)
    (audit,) = [m for m in messages if "audit row NOT written" in m]
    assert REFUSAL in audit
    assert "CUSTOMER_NOT_FOUND" in audit


def test_admin_action_says_the_link_was_not_recorded(refused_audit: None, caplog: Any) -> None:
    partner = PartnerFactory(code="ACME", name="Acme Reseller")
    PartnerUserFactory(partner=partner, email="ann@acme.example")
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    with caplog.at_level(logging.INFO):
        response = client.post(
            reverse("admin:django_2co_sso_partner_changelist"),
            {"action": "generate_sso_links", "_selected_action": [partner.pk]},
            follow=True,
        )
    assert response.status_code == 200
    text = " ".join(str(m) for m in response.context["messages"])
    assert "could not be recorded in the audit log" in text
    assert "AUDIT_WRITE_FAILED" in text
    assert "?logintoken" not in response.content.decode()  # no link shown
    assert any(REFUSAL in r.getMessage() for r in _errors(caplog))


def test_command_reports_the_refused_audit_row(
    alice: Any, refused_audit: None, caplog: Any
) -> None:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failed, caplog.at_level(logging.INFO):
        call_command("twocheckout_sso_link", "--user", "alice", stdout=out, stderr=err)
    assert "AUDIT_WRITE_FAILED" in str(failed.value)
    assert "not handed out" in str(failed.value)
    assert out.getvalue() == ""  # no link printed
    assert any(REFUSAL in r.getMessage() for r in _errors(caplog))
