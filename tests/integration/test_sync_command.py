"""``twocheckout_sync`` and ``customer_subscriptions``: in memory, then over real HTTP.

The emulator tests run on SOAP, JSON-RPC and REST against the emulator's packaged seed
(customers 352365983 / ``shop-customer-1``, 352365984 / ``shop-customer-2`` and 352365985
without an external reference, and their subscriptions).
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from django_2co_sso import get_backend
from django_2co_sso.backends import locmem
from django_2co_sso.exceptions import InvalidReferenceError
from django_2co_sso.models import CustomerLink, Subscription
from tests.factories import CustomerLinkFactory, SubscriptionFactory, UserFactory

from .conftest import sent

pytestmark = pytest.mark.django_db

BACKENDS = {
    "soap": "django_2co_sso.backends.soap.SoapBackend",
    "rpc": "django_2co_sso.backends.jsonrpc.JsonRpcBackend",
    "rest": "django_2co_sso.backends.rest.RestBackend",
}


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("twocheckout_sync", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[str, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("twocheckout_sync", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(failed.value)


# -- in memory (the locmem backend) -------------------------------------------------------


def test_customer_subscriptions_sends_both_references_and_needs_one() -> None:
    locmem.add_subscription("SUBX1", twocheckout_reference="70001", Status="ACTIVE")
    answer = get_backend().customer_subscriptions(twocheckout_reference="70001")
    assert [item["SubscriptionReference"] for item in answer] == ["SUBX1"]
    get_backend().customer_subscriptions(external_reference="shop-9")
    (first, second) = sent("getCustomerSubscriptions")
    assert (first.twocheckout_reference, first.external_reference) == (70001, None)
    assert (second.twocheckout_reference, second.external_reference) == (None, "shop-9")
    with pytest.raises(InvalidReferenceError):
        get_backend().customer_subscriptions()


def test_sync_creates_updates_and_is_idempotent() -> None:
    user = UserFactory(username="ann")
    link = CustomerLinkFactory(user=user, external_reference="shop-ann")
    SubscriptionFactory(customer=link, reference="SUBA", status=Subscription.Status.ACTIVE)
    locmem.add_subscription(
        "SUBA",
        twocheckout_reference="70002",
        external_reference="shop-ann",
        Status="EXPIRED",
        ExpirationDate="2026-01-31 23:59:59",
        Product={"ProductCode": "PRO", "ProductName": "Pro plan"},
    )
    locmem.add_subscription(
        "SUBB", external_reference="shop-ann", Status="ACTIVE", TestSubscription=True
    )
    out, _err = run("--user", "ann")
    assert "customer shop-ann (external, user" in out
    assert "1 created, 1 updated, 0 unchanged" in out
    assert "1 customer(s): 1 created, 1 updated, 0 unchanged, 0 failed" in out
    a = Subscription.objects.get(reference="SUBA")
    assert (a.status, str(a.expires_on), a.product_code, a.display_name) == (
        "expired",
        "2026-01-31",
        "PRO",
        "Pro plan",
    )
    assert Subscription.objects.get(reference="SUBB").is_test
    link.refresh_from_db()
    assert link.twocheckout_reference == "70002"  # learned from the answer

    again, _ = run("--customer", "shop-ann")
    assert "0 created, 0 updated, 2 unchanged" in again


def test_a_subscription_without_reference_fails_that_customer_only() -> None:
    CustomerLinkFactory(user=UserFactory(username="a"), external_reference="shop-a")
    CustomerLinkFactory(user=UserFactory(username="b"), external_reference="shop-b")
    locmem.add_subscription("", external_reference="shop-a", Status="ACTIVE")
    locmem.add_subscription("SUBOK", external_reference="shop-b", Status="ACTIVE")
    out, err, message = run_failing("--all")
    assert "customer shop-a" in err
    assert "BAD_RESPONSE" in err
    assert "customer shop-b (external" in out
    assert "2 customer(s): 1 created, 0 updated, 0 unchanged, 1 failed" in message
    assert list(Subscription.objects.values_list("reference", flat=True)) == ["SUBOK"]


def test_all_with_limit_stops_early() -> None:
    for name in ("a", "b", "c"):
        CustomerLinkFactory(user=UserFactory(username=name), external_reference=f"shop-{name}")
    out, _ = run("--all", "--limit", "2")
    assert "2 customer(s)" in out
    assert "shop-c" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--customer", "nobody"], "No customer link"),
        (["--user", "nobody"], "has no 2Checkout customer link"),
        (["--user", "x", "--limit", "1"], "--limit needs --all"),
        (["--all", "--limit", "0"], "--limit needs --all"),
    ],
)
def test_bad_selections_are_errors(args: list[str], message: str) -> None:
    UserFactory(username="x")
    with pytest.raises(CommandError) as failed:
        run(*args)
    assert message in str(failed.value)


def test_exactly_one_selection_is_required() -> None:
    with pytest.raises(CommandError):
        run()
    with pytest.raises(CommandError):
        run("--all", "--user", "x")


def test_an_ambiguous_reference_is_an_error() -> None:
    CustomerLinkFactory(user=UserFactory(username="a"), external_reference="70003")
    CustomerLinkFactory(
        user=UserFactory(username="b"), external_reference=None, twocheckout_reference="70003"
    )
    with pytest.raises(CommandError) as failed:
        run("--customer", "70003")
    assert "sync them by --user" in str(failed.value)


def test_a_broken_setting_stops_the_run(sso_settings: Any) -> None:
    CustomerLinkFactory(user=UserFactory(username="a"), external_reference="shop-a")
    sso_settings(BACKEND="tests.nowhere.Backend")
    with pytest.raises(CommandError) as failed:
        run("--all")
    assert "CONFIGURATION" in str(failed.value)


# -- over real HTTP, against the emulator -------------------------------------------------


@pytest.fixture(params=sorted(BACKENDS))
def emulator(request: pytest.FixtureRequest, twocheckout_emulator: Any, sso_settings: Any) -> Any:
    sso_settings(BACKEND=BACKENDS[request.param], TIMEOUT=2.0, CIRCUIT_BREAKER_FAILURES=0)
    return twocheckout_emulator


@pytest.mark.emulator
def test_resync_against_the_emulator(emulator: Any) -> None:
    ada = CustomerLinkFactory(
        user=UserFactory(username="ada"), external_reference="shop-customer-1"
    )
    SubscriptionFactory(customer=ada, reference="4E2A1B9C70", status=Subscription.Status.EXPIRED)
    CustomerLinkFactory(
        user=UserFactory(username="grace"),
        external_reference="shop-customer-2",
        twocheckout_reference="352365984",
    )
    CustomerLinkFactory(
        user=UserFactory(username="emmy"),
        external_reference=None,
        twocheckout_reference="352365985",
    )
    CustomerLinkFactory(user=UserFactory(username="ghost"), external_reference="shop-customer-404")

    out, err, message = run_failing("--all")
    assert "customer shop-customer-1 (external, user" in out
    assert "1 created, 1 updated, 0 unchanged" in out  # ada: 7F3C2D1E60 new, 4E2A1B9C70 fixed
    assert "customer 352365985 (2checkout, user" in out
    assert "customer shop-customer-404" in err
    assert "CUSTOMER_NOT_FOUND" in err
    assert "4 customer(s): 3 created, 1 updated, 0 unchanged, 1 failed" in message

    rows = {row.reference: row for row in Subscription.objects.select_related("customer__user")}
    assert set(rows) == {"4E2A1B9C70", "7F3C2D1E60", "9B8C7D6E50", "1A2B3C4D5E"}
    assert rows["4E2A1B9C70"].status == "active"
    assert (rows["7F3C2D1E60"].status, str(rows["7F3C2D1E60"].expires_on)) == (
        "expired",
        "2024-06-10",
    )
    assert rows["7F3C2D1E60"].product_code == "STORAGE-ADDON"
    assert rows["1A2B3C4D5E"].customer.user.username == "emmy"
    assert rows["1A2B3C4D5E"].status == "trial"
    assert CustomerLink.objects.get(user__username="ada").twocheckout_reference == "352365983"
    calls = emulator.calls.count("getCustomerSubscriptions")
    assert calls == 4

    _out, _err, again = run_failing("--all")  # idempotent
    assert "4 customer(s): 0 created, 0 updated, 4 unchanged, 1 failed" in again


@pytest.mark.emulator
def test_one_user_against_the_emulator_when_2checkout_is_down(emulator: Any) -> None:
    CustomerLinkFactory(user=UserFactory(username="ada"), external_reference="shop-customer-1")
    emulator.inject("*", http_status=503, times=1)  # the first request of the run fails
    _out, err, message = run_failing("--user", "ada")
    assert "customer shop-customer-1 (external, user" in err
    assert "failed (BAD_RESPONSE" in err
    assert "0 created, 0 updated, 0 unchanged, 1 failed" in message
    assert not Subscription.objects.exists()
    out, _ = run("--user", "ada")
    assert "2 created" in out


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (None, []),
        ({"item": [{"SubscriptionReference": "A"}]}, [{"SubscriptionReference": "A"}]),
        ({"Items": [], "Pagination": {"Count": 0}}, []),
        ({"item": None}, []),
        ([{"SubscriptionReference": "B"}], [{"SubscriptionReference": "B"}]),
        ({"SubscriptionReference": "C"}, {"SubscriptionReference": "C"}),
    ],
)
def test_list_answers_are_unwrapped(answer: Any, expected: Any) -> None:
    from django_2co_sso.backends.base import _unwrapped_list

    assert _unwrapped_list(answer) == expected


def test_an_answer_that_is_no_list_is_a_bad_response(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_2co_sso.exceptions import BadResponseError

    monkeypatch.setitem(locmem.ANSWERS, "getCustomerSubscriptions", lambda request: "nope")
    with pytest.raises(BadResponseError):
        get_backend().customer_subscriptions(external_reference="shop-1")


@pytest.mark.emulator
def test_resync_logs_no_secret_at_debug(emulator: Any, caplog: Any) -> None:
    import logging

    noisy = ("zeep", "zeep.transports", "urllib3", "django_2co_sso")
    levels = {name: logging.getLogger(name).level for name in noisy}
    caplog.set_level(logging.DEBUG)
    for name in noisy:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        CustomerLinkFactory(user=UserFactory(username="ada"), external_reference="shop-customer-1")
        run("--all")
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    assert "getCustomerSubscriptions" in caplog.text
    for secret in [emulator.secret_key, *emulator.issued_sessions]:
        assert secret not in caplog.text
