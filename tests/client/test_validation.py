"""Every input rule, enforced before any network call."""

from __future__ import annotations

from typing import Any

import pytest

from django_2co_sso import get_backend
from django_2co_sso.backends import locmem
from django_2co_sso.exceptions import (
    InvalidEmailError,
    InvalidInputError,
    InvalidIPAddressError,
    InvalidLanguageError,
    InvalidPageError,
    InvalidReferenceError,
    InvalidTokenError,
    InvalidURLError,
    InvalidValidityTimeError,
)
from django_2co_sso.validation import SUBSCRIPTION_PAGES
from tests.client.conftest import use

CART = "https://store.2checkout.com/order/checkout.php?PRODS=1&QTY=1"
PANEL = "https://secure.2checkout.com/cpanel/"


def _no_calls() -> None:
    assert locmem.outbox == []


@pytest.mark.parametrize("page", ["", "index", "my_subscription", "CHANGE_CARD", "../x", 3])
def test_subscription_pages(page: Any) -> None:
    with pytest.raises(InvalidPageError) as caught:
        get_backend().subscription_sso_url("SUB1", page=page)
    assert caught.value.field == "page"
    _no_calls()


@pytest.mark.parametrize("page", SUBSCRIPTION_PAGES)
def test_every_documented_subscription_page_is_accepted(page: str) -> None:
    get_backend().subscription_sso_url("SUB1", page=page)
    assert locmem.outbox[-1].request.page == page


@pytest.mark.parametrize("page", ["change_card", "view_order", "index", "nope"])
def test_customer_pages(page: str) -> None:
    with pytest.raises(InvalidPageError):
        get_backend().customer_sso_url("CUST-1", page=page)
    _no_calls()


def test_my_subscription_needs_a_subscription_reference_and_only_it_takes_one() -> None:
    with pytest.raises(InvalidReferenceError):
        get_backend().customer_sso_url("CUST-1", page="my_subscription")
    with pytest.raises(InvalidPageError, match="only used with"):
        get_backend().customer_sso_url("CUST-1", page="user_data", subscription_reference="S1")
    _no_calls()
    get_backend().customer_sso_url("CUST-1", page="my_subscription", subscription_reference="S1")
    assert locmem.outbox[-1].request.request == "Request[]=code=S1"


@pytest.mark.parametrize(
    "reference", ["", " ", "a b", "x" * 101, "-lead", "ref/../x", "réf", "a\nb", None, 12]
)
def test_references(reference: Any) -> None:
    with pytest.raises(InvalidReferenceError):
        get_backend().subscription_sso_url(reference)
    with pytest.raises(InvalidReferenceError):
        get_backend().customer_sso_url(reference)
    with pytest.raises(InvalidReferenceError):
        get_backend().cart_sso_url(reference, cart_url=CART)
    with pytest.raises(InvalidReferenceError):
        get_backend().partner_sso_url(reference, email="a@example.com", access_page=PANEL)
    _no_calls()


def test_reference_type_is_external_or_2checkout() -> None:
    with pytest.raises(InvalidReferenceError, match="reference_type"):
        get_backend().customer_sso_url("C1", reference_type="avangate")
    _no_calls()


@pytest.mark.parametrize("validity", [0, -1, 301, 1.5, "10", True])
def test_validity_time(validity: Any) -> None:
    with pytest.raises(InvalidValidityTimeError):
        get_backend().subscription_sso_url("SUB1", validity_time=validity)
    _no_calls()


def test_validity_time_default_and_configured_maximum() -> None:
    with use("rpc", DEFAULT_VALIDITY_TIME=20, MAX_VALIDITY_TIME=60):
        backend = get_backend()
        with pytest.raises(InvalidValidityTimeError, match="between 1 and 60"):
            backend.subscription_sso_url("SUB1", validity_time=61)
    get_backend().subscription_sso_url("SUB1")
    assert locmem.outbox[-1].request.validity_time == 10


@pytest.mark.parametrize(
    "ip", ["256.1.1.1", "1.2.3", "fe80::1%eth0", " 1.2.3.4", "localhost", "1.2.3.4/24", 7]
)
def test_ip(ip: Any) -> None:
    with pytest.raises(InvalidIPAddressError):
        get_backend().subscription_sso_url("SUB1", validation_ip=ip)
    _no_calls()


@pytest.mark.parametrize(
    ("ip", "sent"), [("", ""), (None, ""), ("2001:DB8::1", "2001:db8::1"), ("10.0.0.1", "10.0.0.1")]
)
def test_valid_ips_are_canonical(ip: Any, sent: str) -> None:
    get_backend().subscription_sso_url("SUB1", validation_ip=ip)
    assert locmem.outbox[-1].request.validation_ip == sent


@pytest.mark.parametrize("language", ["xx", "eng", "en-us", "", "e", 5])
def test_language(language: Any) -> None:
    with pytest.raises(InvalidLanguageError):
        get_backend().customer_sso_url("C1", language=language)
    _no_calls()


def test_language_is_lowercased_and_default_applies() -> None:
    get_backend().customer_sso_url("C1", language="DE")
    assert locmem.outbox[-1].request.language == "de"
    with use("rpc", DEFAULT_LANGUAGE="fr", BACKEND="django_2co_sso.backends.locmem.LocmemBackend"):
        get_backend().customer_sso_url("C1")
    assert locmem.outbox[-1].request.language == "fr"


@pytest.mark.parametrize("email", ["nope", "a@", "@b.com", "a b@c.com", 5])
def test_email(email: Any) -> None:
    with pytest.raises(InvalidEmailError):
        get_backend().subscription_sso_url("SUB1", email=email)
    with pytest.raises(InvalidEmailError):
        get_backend().partner_sso_url("P1", email=email, access_page=PANEL)
    _no_calls()


def test_partner_email_is_required() -> None:
    with pytest.raises(InvalidEmailError, match="required"):
        get_backend().partner_sso_url("P1", email="", access_page=PANEL)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://store.2checkout.com/order/checkout.php",
        "https://evil.com/order/checkout.php",
        "javascript:alert(1)",
        "//evil.com/x",
        "https://store.2checkout.com@evil.com/",
        "https://evil.com\\@store.2checkout.com/",
        "https://store.2checkout.com.evil.com/",
        "https://store.2\u0441heckout.com/",  # Cyrillic es, a look-alike of "c"
        "https://xn--2heckout-8ng.com/",
        "https://store.2checkout.com:99999/",
        "https://store.2checkout.com/ x",
        "ftp://store.2checkout.com/",
        "https://store.2checkout.com/" + "a" * 2100,
    ],
)
def test_cart_urls(url: str) -> None:
    with pytest.raises(InvalidURLError) as caught:
        get_backend().cart_sso_url("C1", cart_url=url)
    assert caught.value.field == "cart_url"
    with pytest.raises(InvalidURLError):
        get_backend().partner_sso_url("P1", email="a@example.com", access_page=url)
    _no_calls()


def test_cart_url_on_allowed_hosts_and_loopback_http_when_listed() -> None:
    get_backend().cart_sso_url("C1", cart_url=CART)
    get_backend().cart_sso_url("C1", cart_url="https://2checkout.com/order/checkout.php?PRODS=1")
    with pytest.raises(InvalidURLError):
        get_backend().cart_sso_url("C1", cart_url="http://127.0.0.1:8765/order/checkout.php")
    with use(
        "rpc",
        BACKEND="django_2co_sso.backends.locmem.LocmemBackend",
        ALLOWED_SSO_HOSTS=["127.0.0.1:8765", "store.example.com"],
    ):
        get_backend().cart_sso_url("C1", cart_url="http://127.0.0.1:8765/order/checkout.php")
        get_backend().cart_sso_url("C1", cart_url="https://store.example.com/order/checkout.php")
        with pytest.raises(InvalidURLError, match="not https"):
            get_backend().cart_sso_url("C1", cart_url="http://store.example.com/order/")


@pytest.mark.parametrize("token", ["", "short", "a" * 129, "abc def" * 4, "x' OR 1=1 --xx", None])
def test_tokens(token: Any) -> None:
    with pytest.raises(InvalidTokenError):
        get_backend().customer_by_sso_token(token)
    _no_calls()


def test_validation_errors_are_value_errors_without_the_token() -> None:
    with pytest.raises(ValueError, match="token must be") as caught:
        get_backend().customer_by_sso_token("secret token value!")
    assert isinstance(caught.value, InvalidInputError)
    assert "secret token value" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "hosts", "allowed"),
    [
        ("https://store.2checkout.com/order/", (".2checkout.com",), True),
        ("https://store.2checkout.com:443/order/", (".2checkout.com",), True),
        ("https://store.2checkout.com:8443/order/", (".2checkout.com",), False),
        ("https://store.2checkout.com:8443/order/", (".2checkout.com:8443",), True),
        ("https://store.2checkout.com:8443/order/", ("store.2checkout.com:8443",), True),
        ("https://store.2checkout.com/order/", ("store.2checkout.com:8443",), False),
        ("https://store.2checkout.com:9443/order/", ("store.2checkout.com:8443",), False),
        ("http://127.0.0.1:8765/order/", ("127.0.0.1",), False),
        ("http://127.0.0.1:8765/order/", ("127.0.0.1:8765",), True),
        ("http://127.0.0.1:8766/order/", ("127.0.0.1:8765",), False),
        ("http://127.0.0.1/order/", ("127.0.0.1",), True),
        ("http://[::1]:8000/order/", ("[::1]:8000",), True),
        ("http://[::1]:8001/order/", ("[::1]:8000",), False),
        ("http://[::1]/order/", ("::1",), True),
        ("https://store.example.com:8443/", ("store.example.com:0",), False),
        # an entry naming the scheme's default port is the entry without a port
        ("https://store.2checkout.com/order/", ("store.2checkout.com:443",), True),
        ("https://store.2checkout.com:443/order/", (".2checkout.com:443",), True),
        ("http://127.0.0.1/order/", ("127.0.0.1:80",), True),
        ("http://127.0.0.1:443/order/", ("127.0.0.1:443",), True),
        ("http://127.0.0.1/order/", ("127.0.0.1:443",), False),
        ("https://store.2checkout.com:8443/order/", ("store.2checkout.com:443",), False),
    ],
)
def test_cart_host_check_honours_ports(url: str, hosts: tuple[str, ...], allowed: bool) -> None:
    from django_2co_sso.validation import url_host_problem

    problem = url_host_problem(url, hosts)
    assert (problem is None) is allowed, problem


def test_cart_url_on_another_port_is_refused_before_any_call() -> None:
    with pytest.raises(InvalidURLError, match="port 8443"):
        get_backend().cart_sso_url("C1", cart_url="https://store.2checkout.com:8443/order/")
    _no_calls()
