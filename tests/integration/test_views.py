"""The SSO views: pages, ownership, login, unmapped users, failures, headers, CSRF."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from django_2co_sso.backends import locmem
from django_2co_sso.exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadResponseError,
    DisallowedRedirectError,
    ServiceUnavailableError,
    SessionExpiredError,
    TransportError,
    UpstreamError,
)
from django_2co_sso.models import SSOAuditLog
from django_2co_sso.validation import CUSTOMER_PAGES, SUBSCRIPTION_PAGES
from tests.factories import UserFactory

from .conftest import sent

pytestmark = pytest.mark.django_db

CART = "https://secure.2checkout.com/order/checkout.php?PRODS=123&QTY=1"

#: Customer pages that need no extra parameter.
PLAIN_CUSTOMER_PAGES = [page for page in CUSTOMER_PAGES if page != "my_subscription"]


def billing(page: str | None = None) -> str:
    if page is None:
        return reverse("twocheckout_sso:billing")
    return reverse("twocheckout_sso:billing_page", kwargs={"page": page})


def subscription(reference: str, page: str | None = None) -> str:
    if page is None:
        return reverse("twocheckout_sso:subscription", kwargs={"reference": reference})
    return reverse(
        "twocheckout_sso:subscription_page", kwargs={"reference": reference, "page": page}
    )


def cart(url: str = CART) -> str:
    return reverse("twocheckout_sso:cart") + "?" + urlencode({"url": url})


def my_subscription(reference: str) -> str:
    return billing("my_subscription") + f"?subscription={reference}"


#: One URL of each kind that succeeds for alice.
ALICE_URLS = [
    billing(),
    billing("payment_methods"),
    my_subscription("SUBALICE1"),
    subscription("SUBALICE1"),
    subscription("SUBALICE1", "change_card"),
    cart(),
]


# -- success ------------------------------------------------------------------------------


def test_billing_home_redirects_to_a_fresh_customer_link(alice_client: Client) -> None:
    response = alice_client.get(billing(), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    [call] = sent("getSingleSignOnByCustomer")
    assert call.customer_reference == "ALICE-EXT"
    assert call.reference_type == "external"
    assert call.page is None
    assert call.validation_ip == "203.0.113.7"
    assert response["Location"].startswith("https://secure.2checkout.com/myaccount/?logintoken=")


@pytest.mark.parametrize("page", PLAIN_CUSTOMER_PAGES)
def test_every_customer_page(alice_client: Client, page: str) -> None:
    response = alice_client.get(billing(page))
    assert response.status_code == 302
    [call] = sent("getSingleSignOnByCustomer")
    assert call.page == page
    assert call.subscription_reference is None
    assert f"/myaccount/{page}/" in response["Location"]


def test_my_subscription_page_for_own_subscription(alice_client: Client) -> None:
    response = alice_client.get(my_subscription("SUBALICE1"))
    assert response.status_code == 302
    [call] = sent("getSingleSignOnByCustomer")
    assert call.page == "my_subscription"
    assert call.subscription_reference == "SUBALICE1"
    assert call.request == "Request[]=code=SUBALICE1"


def test_my_subscription_page_needs_a_subscription(alice_client: Client) -> None:
    assert alice_client.get(billing("my_subscription")).status_code == 404
    assert locmem.outbox == []


def test_subscription_home(alice_client: Client) -> None:
    response = alice_client.get(subscription("SUBALICE1"))
    assert response.status_code == 302
    [call] = sent("getSingleSignOn")
    assert call.subscription_reference == "SUBALICE1"
    assert call.page is None


@pytest.mark.parametrize("page", SUBSCRIPTION_PAGES)
def test_every_subscription_page(alice_client: Client, page: str) -> None:
    response = alice_client.get(subscription("SUBALICE1", page), REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 302
    [call] = sent("getSingleSignOn")
    assert (call.subscription_reference, call.page) == ("SUBALICE1", page)
    assert call.validation_ip == "198.51.100.4"
    assert call.language == "en"


def test_cart_redirects_to_the_tokenised_cart(alice_client: Client) -> None:
    response = alice_client.get(reverse("twocheckout_sso:cart"), {"url": CART})
    assert response.status_code == 302
    [call] = sent("getSingleSignOnInCart")
    assert call.cart_url == CART
    assert call.customer_reference == "ALICE-EXT"
    assert response["Location"].startswith(CART + "&logintoken=")


def test_customer_known_only_by_2checkout_reference(bob: Any) -> None:
    client = Client()
    client.force_login(bob)
    assert client.get(billing("user_data")).status_code == 302
    [call] = sent("getSingleSignOnByCustomer")
    assert (call.customer_reference, call.reference_type) == ("BOB2CO", "2checkout")
    assert call.customer_type == "AvangateCustomerReference"


def test_each_click_mints_a_new_link(alice_client: Client) -> None:
    alice_client.get(billing("faq"))
    alice_client.get(billing("faq"))
    assert len(sent("getSingleSignOnByCustomer")) == 2


# -- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ALICE_URLS)
def test_redirect_is_never_cached_and_sends_no_referrer(alice_client: Client, url: str) -> None:
    response = alice_client.get(url)
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_error_pages_are_never_cached_either(alice_client: Client) -> None:
    locmem.fail_with(APITimeoutError("slow"))
    response = alice_client.get(billing())
    assert response.status_code == 503
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


# -- unknown pages and ownership ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        billing("change_card"),  # a subscription page, not a customer page
        billing("nope"),
        subscription("SUBALICE1", "nope"),
        subscription("SUBALICE1", "my_subscription"),
    ],
)
def test_unknown_page_is_404(alice_client: Client, url: str) -> None:
    assert alice_client.get(url).status_code == 404
    assert locmem.outbox == []


@pytest.mark.parametrize(
    "url",
    [
        subscription("SUBBOB1"),
        *[subscription("SUBBOB1", page) for page in SUBSCRIPTION_PAGES],
        my_subscription("SUBBOB1"),
    ],
)
def test_another_shoppers_subscription_is_404_like_a_missing_one(
    alice_client: Client, bob: Any, url: str
) -> None:
    theirs = alice_client.get(url)
    missing = alice_client.get(url.replace("SUBBOB1", "SUBNOSUCH"))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content
    assert locmem.outbox == []
    # both attempts are audited (someone probing references shows up), none reached 2Checkout
    assert list(SSOAuditLog.objects.values_list("outcome", flat=True)) == ["NOT_FOUND"] * 2


def test_post_for_another_shoppers_subscription_is_404(alice_client: Client, bob: Any) -> None:
    response = alice_client.post(billing("my_subscription"), {"subscription": "SUBBOB1"})
    assert response.status_code == 404
    assert locmem.outbox == []


# -- login required -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ALICE_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_user_is_sent_to_login(alice: Any, url: str, method: str) -> None:
    response = getattr(Client(), method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert locmem.outbox == []


# -- user without a 2Checkout customer ----------------------------------------------------


@pytest.fixture
def stranger_client(db: None) -> Client:
    client = Client()
    client.force_login(UserFactory(username="stranger"))
    return client


@pytest.mark.parametrize("url", [billing(), billing("faq"), subscription("SUBALICE1"), cart()])
def test_user_without_customer_gets_the_no_billing_account_page(
    stranger_client: Client, alice: Any, url: str
) -> None:
    response = stranger_client.get(
        url + ("?url=https://secure.2checkout.com/x" if url == cart() else "")
    )
    assert response.status_code == 404
    assert "django_2co_sso/no_customer.html" in [t.name for t in response.templates]
    assert b"<h1>No billing account yet</h1>" in response.content
    assert locmem.outbox == []


def test_user_without_customer_gets_plain_404_when_the_template_is_none(
    stranger_client: Client, alice: Any, sso_settings: Any
) -> None:
    sso_settings(NO_CUSTOMER_TEMPLATE=None)
    response = stranger_client.get(billing())
    assert response.status_code == 404
    assert "django_2co_sso/no_customer.html" not in [t.name for t in response.templates]
    assert locmem.outbox == []


def test_refused_cart_url_page_does_not_repeat_its_heading(alice_client: Client) -> None:
    response = alice_client.get(cart(), {"url": "http://evil.example/x"})
    assert response.status_code == 400
    assert response.content.decode().count("This link cannot be opened") == 2  # title, h1


@pytest.fixture
def test_templates(settings: Any) -> None:
    from pathlib import Path

    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [Path(__file__).parent / "templates"]}]


def test_no_customer_template_is_rendered_with_404(
    stranger_client: Client, sso_settings: Any, test_templates: None
) -> None:
    sso_settings(NO_CUSTOMER_TEMPLATE="tests/no_customer.html")
    response = stranger_client.get(billing())
    assert response.status_code == 404
    assert b"No billing account for stranger yet." in response.content


# -- upstream failures --------------------------------------------------------------------

UPSTREAM_ERRORS = [
    APIError("nope", code="SOME_FAULT", method="getSingleSignOnByCustomer"),
    AuthenticationError("refused", code="AUTHENTICATION_FAILED", method="login"),
    SessionExpiredError("expired", code="SESSION_EXPIRED", method="getSingleSignOn"),
    TransportError("no answer"),
    APITimeoutError("slow"),
    APIConnectionError("refused"),
    BadResponseError("HTTP 500", status=500),
    ServiceUnavailableError("circuit open"),
]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name.startswith("django_2co_sso") and record.levelno >= logging.WARNING
    ]


@pytest.mark.parametrize("error", UPSTREAM_ERRORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("url", ALICE_URLS)
def test_upstream_failure_shows_friendly_503(
    alice_client: Client, caplog: pytest.LogCaptureFixture, error: UpstreamError, url: str
) -> None:
    locmem.fail_with(error)
    response = alice_client.get(url)
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    assert b"Billing is temporarily unavailable" in response.content
    # the retry link repeats the request the shopper made
    assert f'href="{url.replace("&", "&amp;")}"'.encode() in response.content
    [warning] = _warnings(caplog)
    assert warning.levelno == logging.WARNING
    assert error.code in warning.getMessage()
    [row] = SSOAuditLog.objects.all()
    assert row.outcome == error.code


def test_retry_link_after_a_post_repeats_the_request_by_get(alice_client: Client) -> None:
    locmem.fail_with(APITimeoutError("slow"))
    response = alice_client.post(billing("my_subscription"), {"subscription": "SUBALICE1"})
    assert response.status_code == 503
    assert b'href="/account/billing/my_subscription/?subscription=SUBALICE1"' in response.content


def test_circuit_open_asks_to_retry_after_the_cooldown(
    alice_client: Client, sso_settings: Any
) -> None:
    sso_settings(CIRCUIT_BREAKER_COOLDOWN=42)
    locmem.fail_with(ServiceUnavailableError("open"))
    assert alice_client.get(billing())["Retry-After"] == "42"


def test_unavailable_template_can_be_overridden(
    alice_client: Client, sso_settings: Any, test_templates: None
) -> None:
    sso_settings(UNAVAILABLE_TEMPLATE="tests/unavailable.html")
    locmem.fail_with(APITimeoutError("slow"))
    response = alice_client.get(billing("faq"))
    assert response.status_code == 503
    assert b"Custom outage page. Retry: /account/billing/faq/" in response.content


def test_unavailable_page_is_translated(alice_client: Client) -> None:
    locmem.fail_with(APITimeoutError("slow"))
    response = alice_client.get(billing(), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"


def test_unexpected_exception_is_503_not_500(
    alice_client: Client, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("bug in a backend")

    monkeypatch.setattr(locmem.LocmemBackend, "customer_sso_url", broken)
    response = alice_client.get(billing())
    assert response.status_code == 503
    assert SSOAuditLog.objects.get().outcome == "INTERNAL_ERROR"
    [error_log] = _warnings(caplog)
    assert error_log.levelno == logging.ERROR


def test_misconfigured_setting_is_503_not_500(
    alice_client: Client, sso_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Raised before minting: one ERROR line, the 503 page, no call and no audit row."""
    sso_settings(CLIENT_IP_FUNCTION="no.such.module.client_ip")
    response = alice_client.get(billing())
    assert response.status_code == 503
    assert locmem.outbox == []
    [record] = _warnings(caplog)
    assert record.levelno == logging.ERROR
    assert "CLIENT_IP_FUNCTION" in record.getMessage()
    assert not SSOAuditLog.objects.exists()


# -- redirect host check ------------------------------------------------------------------


@pytest.mark.parametrize("url", ALICE_URLS[:-1])
def test_link_to_a_host_not_allowed_is_502(
    alice_client: Client, sso_settings: Any, caplog: pytest.LogCaptureFixture, url: str
) -> None:
    # the locmem backend answers on secure.2checkout.com, which is no longer allowed
    sso_settings(ALLOWED_SSO_HOSTS=["store.example.com"])
    response = alice_client.get(url)
    assert response.status_code == 502
    assert "Location" not in response
    assert b"logintoken" not in response.content
    assert SSOAuditLog.objects.get().outcome == "DISALLOWED_REDIRECT"
    assert any(r.levelno == logging.ERROR for r in _warnings(caplog))


def test_disallowed_redirect_is_logged_at_error_exactly_once(
    alice_client: Client, sso_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sso_settings(ALLOWED_SSO_HOSTS=["store.example.com"])
    assert alice_client.get(billing()).status_code == 502
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "redirect host not allowed" in error.getMessage()
    assert "'secure.2checkout.com'" in error.getMessage()
    assert "logintoken" not in caplog.text


def test_disallowed_redirect_from_cart_is_502(alice_client: Client) -> None:
    locmem.fail_with(DisallowedRedirectError("bad host", host="evil.example"))
    response = alice_client.get(cart())
    assert response.status_code == 502
    assert SSOAuditLog.objects.get().outcome == "DISALLOWED_REDIRECT"


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cart_url",
    [
        "http://secure.2checkout.com/order/checkout.php?PRODS=1",  # not https
        "https://evil.example.com/order/checkout.php?PRODS=1",  # host not allowed
        "https://user@secure.2checkout.com/order/",  # user info
        "javascript:alert(1)",
        "not a url",
    ],
)
def test_cart_url_must_be_https_on_an_allowed_host(alice_client: Client, cart_url: str) -> None:
    response = alice_client.get(reverse("twocheckout_sso:cart"), {"url": cart_url})
    assert response.status_code == 400
    assert b"must be an https address" in response.content
    assert locmem.outbox == []
    assert SSOAuditLog.objects.get().outcome == "INVALID_URL"


def test_cart_without_url_is_400(alice_client: Client) -> None:
    response = alice_client.get(reverse("twocheckout_sso:cart"))
    assert response.status_code == 400
    assert b"does not say which cart" in response.content


def test_other_http_methods_are_refused(alice_client: Client) -> None:
    assert alice_client.put(billing()).status_code == 405
    assert alice_client.delete(subscription("SUBALICE1")).status_code == 405


# -- GET and POST, CSRF -------------------------------------------------------------------

CSRF_TOKEN = "a" * 32

POSTS: list[tuple[str, dict[str, str]]] = [
    (billing(), {}),
    (billing("payment_methods"), {}),
    (billing("my_subscription"), {"subscription": "SUBALICE1"}),
    (subscription("SUBALICE1"), {}),
    (subscription("SUBALICE1", "change_card"), {}),
    (reverse("twocheckout_sso:cart"), {"url": CART}),
]


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_post_without_csrf_token_is_refused(
    csrf_client: Client, url: str, data: dict[str, str]
) -> None:
    response = csrf_client.post(url, data)
    assert response.status_code == 403
    assert locmem.outbox == []


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_post_with_csrf_token_redirects(
    csrf_client: Client, url: str, data: dict[str, str]
) -> None:
    csrf_client.cookies["csrftoken"] = CSRF_TOKEN
    response = csrf_client.post(url, {**data, "csrfmiddlewaretoken": CSRF_TOKEN})
    assert response.status_code == 302
    assert len(locmem.outbox) == 1
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("url", ALICE_URLS)
def test_get_needs_no_csrf_token(csrf_client: Client, url: str) -> None:
    assert csrf_client.get(url).status_code == 302
