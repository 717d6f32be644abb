"""Edge cases of the integration: misconfiguration, odd input, races. None may be a 500."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import translation

from django_2co_sso import services
from django_2co_sso.backends import locmem
from django_2co_sso.conf import get_config
from django_2co_sso.exceptions import InvalidPageError
from django_2co_sso.models import CustomerLink, SSOAuditLog
from django_2co_sso.ratelimit import check_rate_limit
from tests.factories import PartnerFactory, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db

HERE = __name__


def always_owner(request: Any, reference: str) -> bool:
    return True


# -- views --------------------------------------------------------------------------------


def test_invalid_setting_shows_the_default_unavailable_page(
    alice_client: Client, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.TWOCHECKOUT_SSO = {"NO_SUCH_KEY": 1}
    response = alice_client.get("/account/billing/")
    assert response.status_code == 503
    assert b"Billing is temporarily unavailable" in response.content
    assert any("NO_SUCH_KEY" in r.getMessage() for r in caplog.records)


def test_backend_that_does_not_import_is_a_logged_503(
    alice_client: Client, sso_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sso_settings(BACKEND="no.such.Backend")
    response = alice_client.get("/account/subscriptions/SUBALICE1/")
    assert response.status_code == 503
    assert SSOAuditLog.objects.get().outcome == "CONFIGURATION"
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.levelno == logging.ERROR
    assert "CONFIGURATION" in record.getMessage()


def test_customer_function_that_is_not_callable_is_a_503(
    alice_client: Client, sso_settings: Any
) -> None:
    sso_settings(CUSTOMER_REFERENCE_FUNCTION="django_2co_sso.validation.SUBSCRIPTION_PAGES")
    assert alice_client.get("/account/billing/").status_code == 503


def test_page_the_backend_does_not_support_is_404(alice_client: Client, sso_settings: Any) -> None:
    # REST has no my_products customer page; refused before any network call
    sso_settings(BACKEND="django_2co_sso.backends.rest.RestBackend")
    assert alice_client.get("/account/billing/my_products/").status_code == 404
    assert SSOAuditLog.objects.get().outcome == "INVALID_PAGE"


def test_reference_refused_by_the_client_is_a_400(alice_client: Client, sso_settings: Any) -> None:
    sso_settings(SUBSCRIPTION_OWNER_FUNCTION=f"{HERE}.always_owner")
    response = alice_client.get("/account/subscriptions/bad%20ref/")
    assert response.status_code == 400
    assert b"This link is not valid" in response.content
    assert locmem.outbox == []
    assert SSOAuditLog.objects.get().outcome == "INVALID_REFERENCE"


def test_unparseable_cart_url_is_a_400_and_audited_without_it(alice_client: Client) -> None:
    response = alice_client.get("/account/cart/", {"url": "https://[broken/order?PRODS=1"})
    assert response.status_code == 400
    row = SSOAuditLog.objects.get()
    assert (row.outcome, row.detail) == ("INVALID_URL", "")


# -- services -----------------------------------------------------------------------------


def test_no_active_language_sends_none() -> None:
    with translation.override(None):
        assert services.current_language() is None


def test_resolve_customer_without_a_user(db: None) -> None:
    assert services.resolve_customer(RequestFactory().get("/")) is None


def test_owns_subscription_needs_a_customer(alice: Any) -> None:
    assert not services.owns_subscription(RequestFactory().get("/"), "SUBALICE1", None)


# -- models -------------------------------------------------------------------------------


def test_reference_format_is_validated_by_full_clean(db: None) -> None:
    link = CustomerLink(user=UserFactory(), external_reference="has spaces")
    with pytest.raises(ValidationError) as raised:
        link.full_clean()
    assert "external_reference" in raised.value.message_dict


# -- rate limit ---------------------------------------------------------------------------


def test_rate_limit_survives_a_key_expiring_between_add_and_incr(
    sso_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sso_settings(RATE_LIMIT="5/m")
    cache = caches["default"]

    def expired(*args: Any, **kwargs: Any) -> int:
        raise ValueError("Key not found")

    monkeypatch.setattr(cache, "incr", expired)
    assert check_rate_limit(get_config(), "42").allowed


# -- template tags ------------------------------------------------------------------------


def test_subscription_url_rejects_other_objects() -> None:
    with pytest.raises(TypeError):
        Template("{% load twocheckout_sso %}{% subscription_url 42 %}").render(Context())


def test_billing_button_for_my_subscription_needs_the_subscription() -> None:
    with pytest.raises(InvalidPageError):
        Template('{% load twocheckout_sso %}{% billing_button "my_subscription" %}').render(
            Context()
        )


# -- admin action edge cases --------------------------------------------------------------


@pytest.fixture
def superuser_client(db: None) -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _run(client: Client, *partners: Any) -> Any:
    return client.post(
        "/admin/django_2co_sso/partner/",
        {"action": "generate_sso_links", "_selected_action": [p.pk for p in partners]},
    )


def test_partner_without_active_users(superuser_client: Client) -> None:
    partner = PartnerFactory(name="Lonely")
    PartnerUserFactory(partner=partner, is_active=False)
    response = _run(superuser_client, partner)
    assert [str(m) for m in response.context["messages"]] == [
        f"Lonely ({partner.code}) has no active users."
    ]
    assert locmem.outbox == []


def test_partner_panel_url_not_allowed_is_reported_per_user(
    superuser_client: Client, sso_settings: Any
) -> None:
    sso_settings(PARTNER_PANEL_URL="https://evil.example.com/cpanel/")
    user = PartnerUserFactory()
    [message] = [str(m) for m in _run(superuser_client, user.partner).context["messages"]]
    assert "invalid access_page (INVALID_URL)" in message


def test_partner_misconfiguration_is_reported(superuser_client: Client, sso_settings: Any) -> None:
    sso_settings(BACKEND="no.such.Backend")
    user = PartnerUserFactory()
    [message] = [str(m) for m in _run(superuser_client, user.partner).context["messages"]]
    assert message.endswith(": CONFIGURATION")


def test_partner_unexpected_error_is_reported(
    superuser_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("bug")

    monkeypatch.setattr(locmem.LocmemBackend, "partner_sso_url", broken)
    user = PartnerUserFactory()
    response = _run(superuser_client, user.partner)
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert "unexpected error, see the server log." in message
    assert SSOAuditLog.objects.get().outcome == "INTERNAL_ERROR"
