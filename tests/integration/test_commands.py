"""The twocheckout_check and twocheckout_sso_link management commands."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from django_2co_sso.backends import locmem
from django_2co_sso.exceptions import APIError, AuthenticationError
from django_2co_sso.models import SSOAuditLog
from tests.factories import UserFactory

from .conftest import sent

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# -- twocheckout_check --------------------------------------------------------------------


def test_check_succeeds() -> None:
    out, _ = run("twocheckout_check")
    assert "2Checkout credentials OK" in out
    assert "TESTMERCH" in out
    assert sent("login") == [None]


def test_check_failure_exits_non_zero_with_code_and_message(settings: Any) -> None:
    locmem.fail_with(
        AuthenticationError("Invalid credentials", code="AUTHENTICATION_FAILED", method="login")
    )
    with pytest.raises(CommandError) as raised:
        run("twocheckout_check")
    message = str(raised.value)
    assert "AUTHENTICATION_FAILED" in message
    assert "Invalid credentials" in message
    assert settings.TWOCHECKOUT_SSO["SECRET_KEY"] not in message


def test_check_exit_status_through_the_command_line(settings: Any) -> None:
    locmem.fail_with(AuthenticationError("no", code="AUTHENTICATION_FAILED", method="login"))
    with pytest.raises(SystemExit) as raised:
        execute_from_command_line(["manage.py", "twocheckout_check"])
    assert raised.value.code == 1


# -- twocheckout_sso_link -----------------------------------------------------------------


def test_link_for_a_user(alice: Any) -> None:
    out, err = run("twocheckout_sso_link", "--user", "alice", "--page", "payment_methods")
    assert out.strip().startswith("https://secure.2checkout.com/myaccount/payment_methods/")
    assert "Valid until" in err
    [call] = sent("getSingleSignOnByCustomer")
    assert (call.customer_reference, call.page, call.validity_time) == (
        "ALICE-EXT",
        "payment_methods",
        120,
    )
    row = SSOAuditLog.objects.get()
    assert (row.kind, row.target_reference, row.outcome, row.user) == (
        "customer",
        "ALICE-EXT",
        "ok",
        None,
    )


def test_link_for_a_users_subscription_page(alice: Any) -> None:
    run(
        "twocheckout_sso_link",
        "--user",
        "alice",
        "--page",
        "my_subscription",
        "--subscription-page-ref",
        "SUBALICE1",
    )
    [call] = sent("getSingleSignOnByCustomer")
    assert call.subscription_reference == "SUBALICE1"


def test_link_for_a_subscription_audited_with_staff(alice: Any) -> None:
    staff = UserFactory(username="support", is_staff=True)
    out, _ = run(
        "twocheckout_sso_link",
        "--subscription",
        "SUBALICE1",
        "--page",
        "change_card",
        "--staff",
        "support",
        "--validity",
        "30",
        "--ip",
        "192.0.2.5",
    )
    assert "/myaccount/change_card/" in out
    [call] = sent("getSingleSignOn")
    assert (call.validity_time, call.validation_ip) == (30, "192.0.2.5")
    row = SSOAuditLog.objects.get()
    assert (row.kind, row.target_reference, row.page, row.user) == (
        "subscription",
        "SUBALICE1",
        "change_card",
        staff,
    )
    assert out.strip() not in repr(list(SSOAuditLog.objects.values()))


def test_link_for_a_partner_user(db: None) -> None:
    out, _ = run("twocheckout_sso_link", "--partner", "ACME", "--email", "ann@acme.example")
    assert "/cpanel/index.php?logintoken=" in out
    [call] = sent("getPartnerSingleSignOn")
    assert (call.partner_code, call.email) == ("ACME", "ann@acme.example")
    assert SSOAuditLog.objects.get().kind == "partner"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], "no user 'nobody'"),
        (["--subscription", "NOSUCH"], "no subscription 'NOSUCH'"),
        (["--partner", "ACME"], "--partner needs --email"),
        (["--user", "alice", "--page", "change_card"], "--page must be one of"),
        (["--user", "alice", "--staff", "ghost"], "--staff: no user 'ghost'"),
        (["--user", "alice", "--ip", "999.1.1.1"], "--ip"),
        (["--user", "alice", "--page", "my_subscription"], "needs --subscription-page-ref"),
    ],
)
def test_bad_arguments_are_command_errors(alice: Any, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("twocheckout_sso_link", *args)
    assert locmem.outbox == []


def test_user_without_customer_is_a_command_error(db: None) -> None:
    UserFactory(username="stranger")
    with pytest.raises(CommandError, match="has no 2Checkout customer"):
        run("twocheckout_sso_link", "--user", "stranger")


def test_upstream_error_is_a_command_error_and_audited(alice: Any) -> None:
    locmem.fail_with(APIError("User unknown", code="INVALID_USER"))
    with pytest.raises(CommandError, match="INVALID_USER"):
        run("twocheckout_sso_link", "--partner", "ACME", "--email", "x@acme.example")
    assert SSOAuditLog.objects.get().outcome == "INVALID_USER"


def test_a_target_is_required(db: None) -> None:
    with pytest.raises(CommandError):
        run("twocheckout_sso_link")
