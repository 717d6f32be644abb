"""Model constraints and helpers."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from django_2co_sso.models import CustomerLink, CustomerReference, SSOAuditLog
from tests.factories import (
    CustomerLinkFactory,
    PartnerFactory,
    PartnerUserFactory,
    SubscriptionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_customer_link_needs_at_least_one_reference() -> None:
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerLink.objects.create(user=user)


def test_customer_link_rejects_empty_references_at_database_level() -> None:
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        # bulk_create bypasses save(), which would turn "" into NULL
        CustomerLink.objects.bulk_create(
            [CustomerLink(user=user, external_reference="", twocheckout_reference="")]
        )


def test_empty_reference_is_stored_as_null() -> None:
    link = CustomerLink.objects.create(
        user=UserFactory(), external_reference="", twocheckout_reference="CO-1"
    )
    link.refresh_from_db()
    assert link.external_reference is None


def test_external_reference_is_unique_when_set() -> None:
    CustomerLinkFactory(external_reference="SAME")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerLinkFactory(external_reference="SAME")


def test_twocheckout_reference_is_unique_when_set() -> None:
    CustomerLinkFactory(external_reference=None, twocheckout_reference="CO-SAME")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerLinkFactory(external_reference=None, twocheckout_reference="CO-SAME")


def test_unset_references_do_not_collide() -> None:
    CustomerLinkFactory(external_reference=None, twocheckout_reference="CO-A")
    CustomerLinkFactory(external_reference=None, twocheckout_reference="CO-B")
    CustomerLinkFactory(external_reference="EXT-A", twocheckout_reference=None)
    CustomerLinkFactory(external_reference="EXT-B", twocheckout_reference=None)
    assert CustomerLink.objects.count() == 4


def test_one_customer_link_per_user() -> None:
    link = CustomerLinkFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerLinkFactory(user=link.user)


def test_customer_reference_prefers_external() -> None:
    both = CustomerLinkFactory(external_reference="EXT-9", twocheckout_reference="CO-9")
    only_2co = CustomerLinkFactory(external_reference=None, twocheckout_reference="CO-10")
    assert both.customer_reference() == CustomerReference("EXT-9", "external")
    assert only_2co.customer_reference() == CustomerReference("CO-10", "2checkout")


def test_subscription_reference_is_unique() -> None:
    SubscriptionFactory(reference="SUB-DUP")
    with pytest.raises(IntegrityError), transaction.atomic():
        SubscriptionFactory(reference="SUB-DUP")


def test_partner_code_is_unique() -> None:
    PartnerFactory(code="P1")
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerFactory(code="P1")


def test_partner_user_email_is_unique_per_partner_only() -> None:
    first = PartnerUserFactory(email="same@example.com")
    PartnerUserFactory(email="same@example.com")  # another partner: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerUserFactory(partner=first.partner, email="same@example.com")


def test_reverse_accessors() -> None:
    subscription = SubscriptionFactory()
    user = subscription.customer.user
    assert user.twocheckout_customer == subscription.customer
    assert list(user.twocheckout_customer.subscriptions.all()) == [subscription]
    partner_user = PartnerUserFactory()
    assert list(partner_user.partner.users.all()) == [partner_user]


def test_audit_log_has_no_field_for_urls_or_tokens() -> None:
    names = {field.name for field in SSOAuditLog._meta.get_fields()}
    assert not {name for name in names if "url" in name or "token" in name}


def test_partner_permission_is_defined() -> None:
    from django.contrib.auth.models import Permission

    assert Permission.objects.filter(
        content_type__app_label="django_2co_sso", codename="generate_partner_sso"
    ).exists()
