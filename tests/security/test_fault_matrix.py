"""Every upstream fault, through the views, against the emulator, on every backend.

For each fault the shopper gets the documented outcome (the friendly 503 page, or a
transparent success where a re-login fixes it), the audit log records the failure with
its code, exactly one warning is logged, retries stay bounded, and nothing is a 500.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from django_2co_sso.models import SSOAuditLog
from tests.security.conftest import Shop

pytestmark = [pytest.mark.emulator, pytest.mark.django_db]

PAGE = "/account/billing/payment_methods/"
OPERATION = "getSingleSignOnByCustomer"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _refused(shop: Shop, settings: Any) -> None:
    settings.TWOCHECKOUT_SSO = {
        **settings.TWOCHECKOUT_SSO,
        "API_URL": f"http://127.0.0.1:{_closed_port()}",
    }


def _bad_credentials(shop: Shop, settings: Any) -> None:
    settings.TWOCHECKOUT_SSO = {**settings.TWOCHECKOUT_SSO, "SECRET_KEY": "not-the-secret"}


FAULTS: dict[str, tuple[Callable[[Shop, Any], Any], str]] = {
    "slow": (lambda shop, s: shop.emulator.inject("*", delay=2.0), "TIMEOUT"),
    "refused": (_refused, "CONNECTION_ERROR"),
    "dropped": (lambda shop, s: shop.emulator.inject(OPERATION, drop=True), "CONNECTION_ERROR"),
    "http-500": (lambda shop, s: shop.emulator.inject(OPERATION, http_status=500), "BAD_RESPONSE"),
    "http-503": (lambda shop, s: shop.emulator.inject(OPERATION, http_status=503), "BAD_RESPONSE"),
    "malformed": (lambda shop, s: shop.emulator.inject(OPERATION, malformed=True), "BAD_RESPONSE"),
    "unknown-code": (
        lambda shop, s: shop.emulator.inject(OPERATION, error_code="NEVER_SEEN_BEFORE"),
        "NEVER_SEEN_BEFORE",
    ),
    "internal-error": (
        lambda shop, s: shop.emulator.inject(OPERATION, error_code="INTERNAL_ERROR"),
        "INTERNAL_ERROR",
    ),
    "bad-credentials": (_bad_credentials, "AUTHENTICATION_FAILED"),
}


def _warnings(caplog: Any) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name.startswith("django_2co_sso") and r.levelno >= logging.WARNING
    ]


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("method", ["get", "post"])
def test_fault_gives_the_friendly_503(
    shop: Shop, settings: Any, caplog: Any, fault: str, method: str
) -> None:
    arrange, code = FAULTS[fault]
    if shop.protocol == "soap" and fault not in ("refused", "bad-credentials"):
        shop.ada.get(PAGE)  # the WSDL is loaded before the fault, as in steady state
        SSOAuditLog.objects.all().delete()
        shop.emulator.calls.reset()
    arrange(shop, settings)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = getattr(shop.ada, method)(PAGE)
    assert response.status_code == 503
    assert b"Billing is temporarily unavailable" in response.content
    assert response["Retry-After"]
    assert "no-store" in response["Cache-Control"]
    assert SSOAuditLog.objects.get().outcome == code
    assert len(_warnings(caplog)) == 1, [r.getMessage() for r in _warnings(caplog)]
    # Bounded: at most one login and one re-login, one call and one repeat.
    assert shop.emulator.calls.count("login") <= 2
    assert shop.emulator.calls.count(OPERATION) <= 2


def test_expired_session_is_transparent(shop: Shop, caplog: Any) -> None:
    assert shop.ada.get(PAGE).status_code == 302
    shop.emulator.clock.advance(601)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = shop.ada.get(PAGE)
    assert response.status_code == 302
    assert _warnings(caplog) == []
    assert list(SSOAuditLog.objects.values_list("outcome", flat=True)) == ["ok", "ok"]
    expected_logins = 0 if shop.protocol == "rest" else 2
    assert shop.emulator.calls.count("login") == expected_logins


def test_forced_session_expiry_is_retried_once_only(shop: Shop) -> None:
    if shop.protocol == "rest":
        pytest.skip("REST has no sessions")
    shop.ada.get(PAGE)
    shop.emulator.calls.reset()
    shop.emulator.inject(OPERATION, error_code="SESSION_EXPIRED")  # expired on every call
    response = shop.ada.get(PAGE)
    assert response.status_code == 503
    assert shop.emulator.calls.count("login") == 1  # one re-login
    assert shop.emulator.calls.count(OPERATION) == 2  # the call and one repeat


@pytest.mark.parametrize(
    ("partner", "code"), [("ACMEDIST", "INVALID_USER"), ("OLDRESELLER", "INVALID_PARTNER")]
)
def test_partner_errors_are_shown_audited_and_never_500(
    shop: Shop, caplog: Any, partner: str, code: str
) -> None:
    from django_2co_sso.models import Partner, PartnerUser

    record = Partner.objects.get(code=partner)
    PartnerUser.objects.create(partner=record, email="stranger@example.com")
    with caplog.at_level(logging.INFO):
        response = shop.staff.post(
            reverse("admin:django_2co_sso_partner_changelist"),
            {"action": "generate_sso_links", "_selected_action": [record.pk]},
        )
    assert response.status_code == 200
    messages = " ".join(str(m) for m in response.context["messages"])
    assert code in messages
    assert code in set(SSOAuditLog.objects.values_list("outcome", flat=True))
    assert len([w for w in _warnings(caplog) if code in w.getMessage()]) >= 1
