"""The rules of django_2co_sso.sync that notifications and the resync command share."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest

from django_2co_sso import sync
from django_2co_sso.exceptions import BadResponseError
from django_2co_sso.models import CustomerLink, Subscription
from tests.factories import CustomerLinkFactory, SubscriptionFactory, UserFactory

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20 10:00:00", dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
        ("2026-11-20T10:00:00+02:00", dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
        ("20261120100000", dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
        ("2026-11-20", dt.datetime(2026, 11, 20, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_dates_and_times_are_read_as_utc(text: str | None, expected: Any) -> None:
    assert sync.parse_datetime(text) == expected


def test_a_date_that_does_not_parse_is_logged_and_ignored(caplog: Any) -> None:
    caplog.set_level(logging.WARNING)
    assert sync.parse_datetime("next tuesday") is None
    assert sync.parse_date("31/12/2026") is None
    assert "does not parse" in caplog.text
    assert sync.parse_date("9999-12-31 23:59:59") == dt.date(9999, 12, 31)


@pytest.mark.parametrize(
    ("raw", "trial", "expected"),
    [
        ("active", False, "active"),
        ("ACTIVE", True, "trial"),
        ("past due", False, "past_due"),
        ("EXPIRED", True, "expired"),
        ("WHATEVER", False, "unknown"),
    ],
)
def test_status_mapping(raw: str, trial: bool, expected: str) -> None:
    assert sync.map_status(raw, trial=trial) == expected


def test_api_objects_become_states() -> None:
    state = sync.state_from_api(
        {
            "SubscriptionReference": "SUB1",
            "SubscriptionEnabled": False,
            "ExpirationDate": "2027-01-01",
            "TestSubscription": True,
            "Product": {"ProductCode": "PRO", "ProductName": "Pro"},
        }
    )
    assert state == sync.SubscriptionState(
        reference="SUB1",
        status="DISABLED",
        product_code="PRO",
        product_name="Pro",
        expires_on=dt.date(2027, 1, 1),
        is_test=True,
    )
    with pytest.raises(BadResponseError):
        sync.state_from_api({"Status": "ACTIVE"})
    with pytest.raises(BadResponseError):
        sync.state_from_api(["not", "an", "object"])


@pytest.mark.django_db
def test_a_different_2checkout_reference_is_kept_and_logged(caplog: Any) -> None:
    link = CustomerLinkFactory(twocheckout_reference="70000001")
    assert not sync.record_twocheckout_reference(link, "70000002", source="lcn")
    assert "already has another 2Checkout reference" in caplog.text
    link.refresh_from_db()
    assert link.twocheckout_reference == "70000001"


@pytest.mark.django_db
def test_a_2checkout_reference_of_another_user_is_not_copied(caplog: Any) -> None:
    CustomerLinkFactory(twocheckout_reference="70000003")
    link = CustomerLinkFactory()
    assert not sync.record_twocheckout_reference(link, "70000003", source="ipn")
    assert "already linked to another user" in caplog.text
    assert not sync.record_twocheckout_reference(link, "not a reference!", source="ipn")


@pytest.mark.django_db
def test_link_user_reuses_refuses_and_creates() -> None:
    user = UserFactory(username="mapped")
    existing = CustomerLinkFactory(user=user, external_reference="mine", twocheckout_reference=None)
    assert sync.link_user(user, "other", "70000004", source="ipn") == existing
    existing.refresh_from_db()
    assert existing.twocheckout_reference == "70000004"

    taken_by_someone = UserFactory(username="second")
    assert sync.link_user(taken_by_someone, "mine", None, source="ipn") is None
    assert sync.link_user(taken_by_someone, None, None, source="ipn") is None
    assert sync.link_user(taken_by_someone, "bad ref!", "", source="ipn") is None
    assert not CustomerLink.objects.filter(user=taken_by_someone).exists()

    created = sync.link_user(taken_by_someone, "fresh-ref", None, source="lcn")
    assert created is not None
    assert created.external_reference == "fresh-ref"


@pytest.mark.django_db
def test_apply_without_change_is_unchanged_and_older_is_stale() -> None:
    customer = CustomerLinkFactory()
    state = sync.SubscriptionState(
        reference="SUBR1", status="ACTIVE", changed_at=dt.datetime(2026, 1, 2, tzinfo=UTC)
    )
    assert sync.apply(customer, state, source="lcn").result is sync.Result.CREATED
    assert sync.apply(customer, state, source="lcn").result is sync.Result.UNCHANGED
    older = sync.SubscriptionState(
        reference="SUBR1", status="EXPIRED", changed_at=dt.datetime(2026, 1, 1, tzinfo=UTC)
    )
    change = sync.apply(customer, older, source="lcn")
    assert (change.result, change.old_status, change.new_status) == (
        sync.Result.STALE,
        "active",
        "active",
    )
    assert Subscription.objects.get(reference="SUBR1").status == "active"


@pytest.mark.django_db
def test_a_state_without_status_keeps_the_stored_one() -> None:
    row = SubscriptionFactory(reference="SUBR2", status=Subscription.Status.PAST_DUE)
    sync.apply(
        row.customer, sync.SubscriptionState(reference="SUBR2", product_name="New"), source="ipn"
    )
    row.refresh_from_db()
    assert (row.status, row.display_name) == ("past_due", "New")
