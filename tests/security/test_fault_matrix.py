"""Every upstream fault, through the views, against the emulator, on every backend.

For each fault the shopper gets the documented outcome (the friendly 503 page, or a
transparent success where a re-login fixes it), the audit log records the failure with
its code, exactly one warning is logged, retries stay bounded, and nothing is a 500.

The second part points the API URL at a rogue server on 127.0.0.1 that redirects to
another origin, trickles its answer a byte at a time, or serves an HTML page where the WSDL
should be: nothing is sent to the other origin, no call outlives its deadline (``TIMEOUT``)
however slowly bytes come, and a broken WSDL is counted by the circuit breaker.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from django.urls import reverse

from django_2co_sso.models import SSOAuditLog
from django_2co_sso.signals import sso_link_failed
from tests.rogue import RogueServer, plain, redirect, trickle, trickle_headers
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


# -- a hostile upstream: redirects, trickles, a broken WSDL ------------------------------

WSDL_PATH = "/soap/6.0/?wsdl"
#: Long enough that, without a deadline, the answer would end long after TIMEOUT.
SLOW_BODY = b'{"result": "' + b"x" * 200 + b'"}'


@pytest.fixture
def errors() -> Iterator[list[BaseException]]:
    seen: list[BaseException] = []

    def collect(sender: Any, error: BaseException, **kwargs: Any) -> None:
        seen.append(error)

    sso_link_failed.connect(collect)
    yield seen
    sso_link_failed.disconnect(collect)


def _point_at(shop: Shop, settings: Any, server: RogueServer, **keys: Any) -> None:
    """The shop's API is now the rogue server (serving the emulator's real WSDL)."""
    from django_2co_sso.backends.soap import clear_clients

    clear_clients()  # a parsed WSDL of an earlier test's server on a recycled port
    wsdl = requests.get(f"{shop.emulator.base_url}{WSDL_PATH}", timeout=5).content
    server.answers[WSDL_PATH] = plain(200, wsdl, "text/xml")
    settings.TWOCHECKOUT_SSO = {
        **settings.TWOCHECKOUT_SSO,
        "API_URL": server.base_url,
        "TIMEOUT": 0.5,
        "CONNECT_TIMEOUT": 0.5,
        **keys,
    }


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_is_never_followed(
    shop: Shop,
    settings: Any,
    rogue: RogueServer,
    other_origin: RogueServer,
    errors: list[BaseException],
    caplog: Any,
    status: int,
) -> None:
    _point_at(shop, settings, rogue)
    rogue.answers[""] = redirect(status, f"{other_origin.base_url}/steal")
    with caplog.at_level(logging.INFO):
        response = shop.ada.get(PAGE)
    assert response.status_code == 503
    assert other_origin.received == []  # no envelope, body or signed header went there
    assert SSOAuditLog.objects.get().outcome == "BAD_RESPONSE"
    (error,) = errors
    assert f"HTTP {status}" in str(error)
    assert getattr(error, "status", None) == status
    assert len(_warnings(caplog)) == 1


def test_redirect_at_the_wsdl_url_is_never_followed(
    shop: Shop,
    settings: Any,
    rogue: RogueServer,
    other_origin: RogueServer,
    errors: list[BaseException],
) -> None:
    if shop.protocol != "soap":
        pytest.skip("only SOAP downloads a WSDL")
    _point_at(shop, settings, rogue)
    rogue.answers[WSDL_PATH] = redirect(307, f"{other_origin.base_url}/evil.wsdl")
    assert shop.ada.get(PAGE).status_code == 503
    assert other_origin.received == []
    assert SSOAuditLog.objects.get().outcome == "BAD_RESPONSE"
    assert "HTTP 307" in str(errors[0])


@pytest.mark.parametrize("how", ["body", "headers"])
def test_trickling_answer_ends_at_the_deadline(
    shop: Shop,
    settings: Any,
    rogue: RogueServer,
    errors: list[BaseException],
    caplog: Any,
    how: str,
) -> None:
    """A byte every 50 ms never trips a 0.5 s read timeout; the per-call deadline ends it."""
    _point_at(shop, settings, rogue)
    rogue.answers[""] = trickle(SLOW_BODY, 0.05) if how == "body" else trickle_headers(0.05)
    with caplog.at_level(logging.INFO):
        response = shop.ada.get(PAGE)
    assert response.status_code == 503
    assert SSOAuditLog.objects.get().outcome == "TIMEOUT"
    assert len(_warnings(caplog)) == 1
    assert len([r for r in rogue.received if "wsdl" not in r.path]) == 1  # no retry


def test_html_page_at_the_wsdl_url_is_a_bad_response_counted_by_the_breaker(
    shop: Shop, settings: Any, rogue: RogueServer, caplog: Any
) -> None:
    if shop.protocol != "soap":
        pytest.skip("only SOAP downloads a WSDL")
    _point_at(shop, settings, rogue, CIRCUIT_BREAKER_FAILURES=2)
    rogue.answers[WSDL_PATH] = plain(
        200, b"<html><body>Down for maintenance</body></html>", "text/html"
    )
    outcomes = []
    for _ in range(4):
        assert shop.ada.get(PAGE).status_code == 503
        outcomes.append(SSOAuditLog.objects.order_by("-pk").values_list("outcome", flat=True)[0])
    assert outcomes == ["BAD_RESPONSE", "BAD_RESPONSE", "CIRCUIT_OPEN", "CIRCUIT_OPEN"]
    # No download of the WSDL per click while the breaker is open.
    assert len([r for r in rogue.received if r.path == WSDL_PATH]) == 2


def test_warm_up_with_an_html_wsdl_returns_false_with_one_warning(
    shop: Shop, settings: Any, rogue: RogueServer, caplog: Any
) -> None:
    import django_2co_sso

    _point_at(shop, settings, rogue)
    rogue.answers[WSDL_PATH] = plain(200, b"<html>maintenance</html>", "text/html")
    rogue.answers[""] = plain(200, b"<html>maintenance</html>", "text/html")
    caplog.clear()
    expected = shop.protocol != "soap"  # only SOAP loads anything upstream at warm-up
    assert django_2co_sso.warm_up() is expected
    assert len(_warnings(caplog)) == (0 if expected else 1)


def test_hung_login_is_made_once_for_many_concurrent_clicks(
    shop: Shop, settings: Any, rogue: RogueServer
) -> None:
    """The login hangs until its deadline; twelve clicks at once make one login, and the
    eleven that waited share its failure instead of logging in themselves."""
    import threading

    from django_2co_sso import get_backend
    from django_2co_sso.exceptions import UpstreamError
    from tests.rogue import hang

    if shop.protocol == "rest":
        pytest.skip("REST has no login")
    _point_at(shop, settings, rogue, LOGIN_LOCK_TIMEOUT=5.0)
    rogue.answers[""] = hang
    backend = get_backend()
    if shop.protocol == "soap":
        backend.warm_up()  # the WSDL, served at once
    barrier = threading.Barrier(12)
    outcomes: list[str] = []

    def click() -> None:
        barrier.wait()
        try:
            backend.customer_sso_url("shop-customer-1")
        except UpstreamError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=click) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    logins = [r for r in rogue.received if "wsdl" not in r.path]
    assert len(logins) == 1
    assert sorted(outcomes) == ["LOGIN_UNAVAILABLE"] * 11 + ["TIMEOUT"]
