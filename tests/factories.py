"""factory-boy factories for the Django integration's models (tests only)."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from django_2co_sso.models import CustomerLink, Partner, PartnerUser, Subscription


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("pw")


class CustomerLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerLink

    user = factory.SubFactory(UserFactory)
    external_reference = factory.Sequence(lambda n: f"EXT-{n:04d}")
    twocheckout_reference = None


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    reference = factory.Sequence(lambda n: f"SUB{n:06d}")
    customer = factory.SubFactory(CustomerLinkFactory)
    display_name = factory.Sequence(lambda n: f"Product {n}")
    product_code = factory.Sequence(lambda n: f"PROD{n}")
    status = Subscription.Status.ACTIVE


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    code = factory.Sequence(lambda n: f"PARTNER{n}")
    name = factory.Sequence(lambda n: f"Reseller {n}")


class PartnerUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerUser

    partner = factory.SubFactory(PartnerFactory)
    email = factory.Sequence(lambda n: f"reseller{n}@example.com")
