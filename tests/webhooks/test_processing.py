"""What a verified notification changes: customers, subscriptions, duplicates, order, signals."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from django_2co_sso.models import CustomerLink, Subscription, WebhookNotification
from django_2co_sso.signals import notification_received, subscription_changed
from tests.factories import CustomerLinkFactory, SubscriptionFactory, UserFactory
from tests.webhooks.conftest import Post
from tests.webhooks.payloads import IPN, KEY, LCN, replace, signed

pytestmark = pytest.mark.django_db

Outcome = WebhookNotification.Outcome


def lcn(**changes: str) -> list[tuple[str, str]]:
    return signed(replace(LCN, **changes))


def test_a_repeated_delivery_is_acknowledged_and_not_processed_again(
    post: Post, jose: Any, received: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = post("lcn", lcn())
    with django_capture_on_commit_callbacks(execute=True):
        second = post("lcn", signed(LCN, ["md5"]))  # same fields, signed again: a retry
    assert first.status_code == second.status_code == 200
    assert "<EPAYMENT>" in second.content.decode()  # receipt in the family it was verified in
    stored = WebhookNotification.objects.get()
    assert stored.deliveries == 2
    assert len(received["subscription_changed"]) == 1
    assert len(received["notification_received"]) == 1


def test_an_older_lcn_arriving_late_is_recorded_but_does_not_roll_back(
    post: Post, jose: Any
) -> None:
    newer = lcn(STATUS="EXPIRED", DATE_UPDATED="2026-11-21 09:00:00")
    older = lcn(STATUS="ACTIVE", DATE_UPDATED="2026-11-20 10:00:00")
    assert post("lcn", newer).status_code == 200
    response = post("lcn", older)
    assert response.status_code == 200
    assert "<sig" in response.content.decode()  # acknowledged: no point in retrying it
    subscription = Subscription.objects.get(reference="3C343D0FAF")
    assert subscription.status == Subscription.Status.EXPIRED
    assert subscription.changed_at.isoformat() == "2026-11-21T09:00:00+00:00"
    outcomes = list(WebhookNotification.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == [Outcome.PROCESSED, Outcome.STALE]


def test_unknown_status_is_kept_raw_and_shown_as_such(post: Post, jose: Any) -> None:
    post("lcn", lcn(STATUS="SUSPENDED_BY_FRAUD_REVIEW"))
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.UNKNOWN
    assert subscription.upstream_status == "SUSPENDED_BY_FRAUD_REVIEW"
    assert subscription.status_label == "SUSPENDED_BY_FRAUD_REVIEW"


@pytest.mark.parametrize(
    ("status", "license_type", "expected"),
    [
        ("ACTIVE", "TRIAL", "trial"),
        ("PASTDUE", "REGULAR", "past_due"),
        ("CANCELED", "REGULAR", "cancelled"),
        ("DISABLED", "REGULAR", "disabled"),
        ("PENDING", "REGULAR", "pending"),
    ],
)
def test_statuses_are_mapped(
    post: Post, jose: Any, status: str, license_type: str, expected: str
) -> None:
    post("lcn", lcn(STATUS=status, LICENSE_TYPE=license_type))
    subscription = Subscription.objects.get()
    assert (subscription.status, subscription.upstream_status) == (expected, status)


def test_unknown_customer_is_kept_as_unmatched_and_acknowledged(post: Post, db: None) -> None:
    response = post("lcn", lcn(EXTERNAL_CUSTOMER_REFERENCE="nobody-here"))
    assert response.status_code == 200
    assert "<sig" in response.content.decode()
    stored = WebhookNotification.objects.get()
    assert stored.outcome == Outcome.UNMATCHED
    assert stored.external_customer_reference == "nobody-here"
    assert stored.twocheckout_customer_reference == "70123456"
    assert stored.customer is None
    assert not Subscription.objects.exists()


def by_email(data: Any) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(email=data.email).first()


def test_a_mapping_function_may_name_the_user(
    post: Post, sso_settings: Any, received: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory(username="zoe2", email="zoe@example.com")
    sso_settings(CUSTOMER_MAPPING_FUNCTION="tests.webhooks.test_processing.by_email")
    with django_capture_on_commit_callbacks(execute=True):
        assert post("ipn", signed(IPN)).status_code == 200
    link = CustomerLink.objects.get(user=user)
    assert (link.external_reference, link.twocheckout_reference) == (
        "shop-customer-2",
        "70999001",
    )
    assert link.subscriptions.count() == 2
    assert [call["created"] for call in received["customer_linked"]] == [True]
    assert WebhookNotification.objects.get().customer == link


def test_a_mapping_function_that_finds_nobody_leaves_it_unmatched(
    post: Post, sso_settings: Any, db: None
) -> None:
    sso_settings(CUSTOMER_MAPPING_FUNCTION="tests.webhooks.test_processing.by_email")
    post("ipn", signed(IPN))
    assert WebhookNotification.objects.get().outcome == Outcome.UNMATCHED


def test_ipn_records_2checkouts_reference_and_creates_the_subscriptions(
    post: Post, zoe: Any, received: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post("ipn", signed(IPN))
    link = CustomerLink.objects.get(user=zoe)
    assert link.twocheckout_reference == "70999001"
    rows = {s.reference: s for s in link.subscriptions.all()}
    assert rows["SUBA1B2C3"].product_code == "SOFT1"
    assert rows["SUBD4E5F6"].display_name == "Café add-on"
    assert rows["SUBD4E5F6"].status == Subscription.Status.ACTIVE
    assert [c["twocheckout_reference"] for c in received["customer_linked"]] == ["70999001"]
    changes = received["subscription_changed"]
    assert sorted((c["old_status"], c["new_status"], c["created"]) for c in changes) == [
        (None, "active", True),
        (None, "active", True),
    ]
    assert {c["source"] for c in changes} == {"ipn"}


def test_a_customer_known_only_by_2checkouts_reference_is_found(post: Post, db: None) -> None:
    user = UserFactory(username="old")
    CustomerLinkFactory(user=user, external_reference=None, twocheckout_reference="70123456")
    post("lcn", lcn(EXTERNAL_CUSTOMER_REFERENCE=""))
    assert Subscription.objects.get().customer.user == user


def test_an_ipn_for_an_unfinished_order_links_the_customer_only(post: Post, zoe: Any) -> None:
    post("ipn", signed(replace(IPN, ORDERSTATUS="PENDING")))
    assert CustomerLink.objects.get(user=zoe).twocheckout_reference == "70999001"
    assert not Subscription.objects.exists()
    assert WebhookNotification.objects.get().outcome == Outcome.PROCESSED


def test_an_lcn_without_customer_fields_updates_the_stored_subscription(post: Post) -> None:
    subscription = SubscriptionFactory(reference="3C343D0FAF")
    fields = [(n, v) for n, v in LCN if "CUSTOMER_REFERENCE" not in n]
    post("lcn", signed(replace(fields, STATUS="EXPIRED")))
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.EXPIRED
    assert WebhookNotification.objects.get().customer == subscription.customer


def test_a_subscription_2checkout_reports_for_another_customer_moves(post: Post, jose: Any) -> None:
    subscription = SubscriptionFactory(reference="3C343D0FAF")
    post("lcn", lcn())
    subscription.refresh_from_db()
    assert subscription.customer.user == jose


def test_test_notifications_are_processed_and_flagged(post: Post, jose: Any) -> None:
    post("lcn", lcn(TEST="1"))
    assert Subscription.objects.get().is_test
    assert WebhookNotification.objects.get().is_test


def test_test_notifications_can_be_ignored(post: Post, jose: Any, sso_settings: Any) -> None:
    sso_settings(WEBHOOK_IGNORE_TEST_NOTIFICATIONS=True)
    response = post("lcn", lcn(TEST="1"))
    assert response.status_code == 200
    assert "<sig" in response.content.decode()
    assert WebhookNotification.objects.get().outcome == Outcome.IGNORED
    assert not Subscription.objects.exists()
    post("lcn", lcn(TEST="0", STATUS="EXPIRED"))  # real ones still apply
    assert Subscription.objects.get().status == Subscription.Status.EXPIRED


def test_an_lcn_without_license_code_is_an_error(post: Post, jose: Any) -> None:
    fields = [(n, v) for n, v in LCN if n != "LICENSE_CODE"]
    assert post("lcn", signed(fields)).status_code == 503
    assert "LICENSE_CODE" in WebhookNotification.objects.get().error


def test_a_processing_failure_is_stored_logged_and_retried(
    post: Post, jose: Any, refuse_subscription_writes: Any, caplog: Any
) -> None:
    refuse_subscription_writes(True)
    response = post("lcn", lcn())
    assert response.status_code == 503
    assert "<sig" not in response.content.decode()  # no receipt: 2Checkout sends it again
    stored = WebhookNotification.objects.get()
    assert stored.outcome == Outcome.ERROR
    assert stored.error
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "failed to process" in errors[0].getMessage()
    assert not Subscription.objects.exists()

    refuse_subscription_writes(False)
    retry = post("lcn", lcn())  # 2Checkout's next attempt
    assert retry.status_code == 200
    assert "<sig" in retry.content.decode()
    stored.refresh_from_db()
    assert (stored.outcome, stored.error, stored.deliveries) == (Outcome.PROCESSED, "", 2)
    assert Subscription.objects.get().status == Subscription.Status.ACTIVE


BUY_SECRET = "buy-link-secret-word-in-a-traceback"
ACCOUNT_KEY = "notification-key-in-a-traceback"


def leaky_mapping(data: Any) -> Any:
    raise RuntimeError(f"cannot map with key {KEY}, {ACCOUNT_KEY} and {BUY_SECRET}")


def test_a_processing_failure_logs_no_frame_variables_and_no_key(
    post: Post, sso_settings: Any, caplog: Any, db: None
) -> None:
    # An unknown customer goes to the mapping function, which fails quoting three secrets.
    sso_settings(
        CUSTOMER_MAPPING_FUNCTION="tests.webhooks.test_processing.leaky_mapping",
        BUY_LINK_SECRET=BUY_SECRET,
        WEBHOOK_ACCOUNTS={"shop": ACCOUNT_KEY},
    )
    assert post("ipn", signed(IPN, key=ACCOUNT_KEY)).status_code == 503
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    # exc_info would let AdminEmailHandler mail every frame's locals (the IPN's personal
    # data among them); the traceback comes as text instead.
    assert record.exc_info is None
    message = record.getMessage()
    assert "failed to process" in message
    assert "in leaky_mapping" in message  # where it failed
    stored = WebhookNotification.objects.get()
    assert stored.error.startswith("RuntimeError: cannot map with key [redacted]")
    for text in (message, stored.error):
        for secret in (KEY, ACCOUNT_KEY, BUY_SECRET):
            assert secret not in text


def test_signals_wait_for_the_commit(
    post: Post, jose: Any, received: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post("lcn", lcn())
    assert received["subscription_changed"] == []  # not committed yet
    for callback in callbacks:
        callback()
    (change,) = received["subscription_changed"]
    assert change["sender"] is Subscription
    assert (change["old_status"], change["new_status"], change["source"]) == (
        None,
        "active",
        "lcn",
    )
    (notice,) = received["notification_received"]
    assert (notice["kind"], notice["outcome"]) == ("lcn", "processed")


def test_a_status_change_reports_old_and_new(
    post: Post, jose: Any, received: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post("lcn", lcn())
        post("lcn", lcn(STATUS="EXPIRED", DATE_UPDATED="2026-11-22 00:00:00"))
    assert [(c["old_status"], c["new_status"]) for c in received["subscription_changed"]] == [
        (None, "active"),
        ("active", "expired"),
    ]


def failing_receiver(sender: Any, **kwargs: Any) -> None:
    raise RuntimeError("a receiver's bug")


@pytest.mark.django_db(transaction=True)  # on_commit runs for real, as in production
def test_a_failing_receiver_does_not_cost_the_receipt_or_the_other_receivers(
    post: Post, jose: Any, received: Any, caplog: Any
) -> None:
    subscription_changed.connect(failing_receiver)
    notification_received.connect(failing_receiver)
    try:
        response = post("lcn", lcn())  # the test client would re-raise a view's exception
    finally:
        subscription_changed.disconnect(failing_receiver)
        notification_received.disconnect(failing_receiver)
    assert response.status_code == 200
    assert "<sig" in response.content.decode()
    assert WebhookNotification.objects.get().outcome == Outcome.PROCESSED
    assert len(received["subscription_changed"]) == 1  # the other receiver still ran
    assert len(received["notification_received"]) == 1
    logged = [r for r in caplog.records if r.name == "django.dispatch"]
    assert len(logged) == 2
    assert all(r.levelno == logging.ERROR for r in logged)
