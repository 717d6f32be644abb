"""The notifications admin: read-only rows, the unmatched filter, the re-process action."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from django_2co_sso.models import Subscription, WebhookNotification
from tests.factories import CustomerLinkFactory, SubscriptionFactory, UserFactory
from tests.webhooks.conftest import Post
from tests.webhooks.payloads import LCN, replace, signed

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:django_2co_sso_webhooknotification_changelist")
Outcome = WebhookNotification.Outcome


def staff(*codenames: str, username: str = "staff") -> Client:
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="django_2co_sso", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    return client


def reprocess(client: Client, rows: list[WebhookNotification]) -> Any:
    return client.post(
        CHANGELIST,
        {"action": "reprocess", "_selected_action": [row.pk for row in rows]},
        follow=True,
    )


def test_unmatched_notifications_are_listed_and_filterable(post: Post, jose: Any) -> None:
    post("lcn", signed(replace(LCN, EXTERNAL_CUSTOMER_REFERENCE="stranger-9")))
    post("lcn", signed(replace(LCN, LICENSE_CODE="OTHERSUB1")))
    client = staff("view_webhooknotification")
    page = client.get(CHANGELIST, {"outcome__exact": "unmatched"}).content.decode()
    assert "stranger-9" in page
    assert "OTHERSUB1" not in page
    everything = client.get(CHANGELIST).content.decode()
    assert "OTHERSUB1" in everything
    assert "stranger-9" in everything


def test_a_stored_notification_shows_its_fields_and_cannot_be_edited(post: Post, jose: Any) -> None:
    post("lcn", signed(LCN))
    row = WebhookNotification.objects.get()
    client = staff("view_webhooknotification", "change_webhooknotification")
    page = client.get(reverse("admin:django_2co_sso_webhooknotification_change", args=[row.pk]))
    text = page.content.decode()
    assert "Müller" in text
    assert "LICENSE_CODE" in text
    assert 'name="_save"' not in text
    for _name, value in signed(LCN)[len(LCN) :]:
        assert value not in text  # signatures are not stored
    assert client.get(reverse("admin:django_2co_sso_webhooknotification_add")).status_code == 403


def test_reprocess_after_a_failure_applies_the_notification(
    post: Post, jose: Any, refuse_subscription_writes: Any
) -> None:
    refuse_subscription_writes(True)
    assert post("lcn", signed(LCN)).status_code == 503
    row = WebhookNotification.objects.get()
    assert row.outcome == Outcome.ERROR
    refuse_subscription_writes(False)

    response = reprocess(staff("view_webhooknotification", "reprocess_webhooknotification"), [row])
    assert "Re-processed 1 notification(s) (Processed: 1)." in response.content.decode()
    row.refresh_from_db()
    assert row.outcome == Outcome.PROCESSED
    assert Subscription.objects.get().customer.user == jose


def test_reprocess_links_an_unmatched_customer_once_staff_linked_it(post: Post, db: None) -> None:
    post("lcn", signed(replace(LCN, EXTERNAL_CUSTOMER_REFERENCE="late-link")))
    row = WebhookNotification.objects.get()
    assert row.outcome == Outcome.UNMATCHED
    link = CustomerLinkFactory(external_reference="late-link")
    reprocess(staff("view_webhooknotification", "reprocess_webhooknotification"), [row])
    row.refresh_from_db()
    assert (row.outcome, row.customer) == (Outcome.PROCESSED, link)
    assert Subscription.objects.get().customer == link


def test_a_failing_reprocess_is_reported_as_an_error(
    post: Post, jose: Any, refuse_subscription_writes: Any
) -> None:
    refuse_subscription_writes(True)
    post("lcn", signed(LCN))
    row = WebhookNotification.objects.get()
    response = reprocess(staff("view_webhooknotification", "reprocess_webhooknotification"), [row])
    assert "Error: 1" in response.content.decode()


def test_the_action_is_hidden_and_refused_without_the_permission(post: Post, jose: Any) -> None:
    post("lcn", signed(replace(LCN, EXTERNAL_CUSTOMER_REFERENCE="nobody")))
    row = WebhookNotification.objects.get()
    client = staff("view_webhooknotification")
    assert 'value="reprocess"' not in client.get(CHANGELIST).content.decode()
    reprocess(client, [row])
    row.refresh_from_db()
    assert row.processed_at is not None
    before = row.processed_at
    reprocess(client, [row])
    row.refresh_from_db()
    assert row.processed_at == before  # not run


def test_subscription_admin_shows_an_unknown_status_as_2checkout_wrote_it(db: None) -> None:
    SubscriptionFactory(
        reference="SUBODD1", status=Subscription.Status.UNKNOWN, upstream_status="ON_HOLD_X"
    )
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:django_2co_sso_subscription_changelist")).content.decode()
    assert "ON_HOLD_X" in page


def test_the_new_labels_are_translated() -> None:
    from django.utils import translation

    with translation.override("de"):
        assert str(WebhookNotification.Outcome.UNMATCHED.label) == "Unbekannter Kunde"
        assert str(Subscription.Status.UNKNOWN.label) == "Unbekannt"
        assert str(WebhookNotification._meta.verbose_name_plural) == "2Checkout-Benachrichtigungen"
