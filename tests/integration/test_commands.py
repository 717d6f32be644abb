"""The twocheckout_check and twocheckout_sso_link management commands."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from django_2co_sso.backends import locmem
from django_2co_sso.exceptions import APIConnectionError, APIError, AuthenticationError
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


def test_check_failure_names_the_code_once_the_url_and_the_credentials(settings: Any) -> None:
    locmem.fail_with(
        AuthenticationError("Invalid credentials", code="AUTHENTICATION_FAILED", method="login")
    )
    with pytest.raises(CommandError) as raised:
        run("twocheckout_check")
    message = str(raised.value)
    assert message.count("AUTHENTICATION_FAILED") == 1
    assert "TESTMERCH" in message
    assert "LocmemBackend (no network)" in message
    assert "Hint: Check MERCHANT_CODE and SECRET_KEY" in message


def test_check_transport_failure_hints_at_api_url() -> None:
    locmem.fail_with(APIConnectionError("Connection refused"))
    with pytest.raises(CommandError) as raised:
        run("twocheckout_check")
    message = str(raised.value)
    assert message.count("CONNECTION_ERROR") == 1
    assert "Hint: Check API_URL" in message


def test_check_other_api_error_points_at_the_error_reference() -> None:
    locmem.fail_with(APIError("Try later", code="SOME_FAULT", method="login"))
    with pytest.raises(CommandError) as raised:
        run("twocheckout_check")
    message = str(raised.value)
    assert message.count("SOME_FAULT") == 1
    assert "Hint: See the error reference" in message


def test_check_with_an_invalid_setting_is_a_command_error(settings: Any) -> None:
    settings.TWOCHECKOUT_SSO = {**settings.TWOCHECKOUT_SSO, "TIMEOUT": "soon"}
    with pytest.raises(CommandError, match=r"TIMEOUT.*\n.*manage\.py check"):
        run("twocheckout_check")


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
        (["--user", "alice", "--validity", "0"], "between 1 and 300 seconds"),
        (["--user", "alice", "--validity", "301"], "between 1 and 300 seconds"),
        (["--user", "alice", "--validity", "-5"], "not -5"),
        (["--subscription", "SUBALICE1", "--page", "my_subscription"], "--page must be one of"),
        (["--partner", "ACME", "--email", "a@b.example", "--page", "faq"], "--page does not"),
        (["--user", "alice", "--email", "a@b.example"], "--email applies to --partner only"),
        (
            ["--subscription", "SUBALICE1", "--subscription-page-ref", "SUBALICE1"],
            "applies to --user --page my_subscription only",
        ),
        (
            ["--user", "alice", "--page", "faq", "--subscription-page-ref", "SUBALICE1"],
            "applies to --user --page my_subscription only",
        ),
    ],
)
def test_bad_arguments_are_command_errors(alice: Any, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("twocheckout_sso_link", *args)
    assert locmem.outbox == []


def test_validity_is_honoured_when_in_range(alice: Any) -> None:
    run("twocheckout_sso_link", "--user", "alice", "--validity", "1")
    [call] = sent("getSingleSignOnByCustomer")
    assert call.validity_time == 1


def test_help_lists_the_pages_and_the_validity_range() -> None:
    from django_2co_sso import validation
    from django_2co_sso.management.commands.twocheckout_sso_link import Command

    help_text = Command().create_parser("manage.py", "twocheckout_sso_link").format_help()
    flat = " ".join(help_text.split())
    for page in {*validation.CUSTOMER_PAGES, *validation.SUBSCRIPTION_PAGES}:
        assert page in flat
    assert "1 to 300 (MAX_VALIDITY_TIME)" in flat
    assert "default 120 (STAFF_LINK_VALIDITY_TIME)" in flat


def test_help_works_with_a_broken_setting(settings: Any) -> None:
    from django_2co_sso.management.commands.twocheckout_sso_link import Command

    settings.TWOCHECKOUT_SSO = {"NOPE": 1}
    help_text = Command().create_parser("manage.py", "twocheckout_sso_link").format_help()
    assert "MAX_VALIDITY_TIME" in help_text


def test_no_link_for_an_inactive_user(alice: Any) -> None:
    alice.is_active = False
    alice.save()
    for args in (["--user", "alice"], ["--subscription", "SUBALICE1"]):
        with pytest.raises(CommandError, match=r"inactive.*; no link minted"):
            run("twocheckout_sso_link", *args)
    assert locmem.outbox == []


def test_no_link_for_an_inactive_partner_or_partner_user(db: None) -> None:
    from tests.factories import PartnerFactory, PartnerUserFactory

    active = PartnerFactory(code="ACME")
    PartnerUserFactory(partner=active, email="gone@acme.example", is_active=False)
    PartnerFactory(code="OLD", is_active=False)
    with pytest.raises(CommandError, match=r"'GONE@acme\.example' is inactive"):
        run("twocheckout_sso_link", "--partner", "ACME", "--email", "GONE@acme.example")
    with pytest.raises(CommandError, match="'OLD' is inactive"):
        run("twocheckout_sso_link", "--partner", "OLD", "--email", "x@old.example")
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


def test_check_command_stops_at_a_missing_redis_package_with_e010(
    settings: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Redis cache without the redis package: a system check error, not a traceback."""
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "redis" else find_spec(name, *args),
    )
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"},
    }
    with pytest.raises(SystemExit) as raised:
        execute_from_command_line(["manage.py", "twocheckout_check"])
    assert raised.value.code == 1
    err = capsys.readouterr().err
    assert "django_2co_sso.E010" in err
    assert "pip install 'django-2co-sso[redis]'" in err
    assert "Traceback" not in err
    assert sent("login") == []
