"""Property-based: arbitrary input to the backend API is rejected before any network call.

Each property throws generated values at a real (JSON-RPC) backend whose HTTP traffic is
captured by requests-mock: either the value is valid by an independent oracle, or the
call raises a validation error and nothing at all was sent upstream.
"""

from __future__ import annotations

import ipaddress
import re
import string
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests_mock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_2co_sso import get_backend
from django_2co_sso.exceptions import InvalidInputError
from django_2co_sso.validation import CUSTOMER_PAGES, ISO_639_1, SUBSCRIPTION_PAGES
from tests.client.conftest import RPC_URL, use

URL = "https://secure.2checkout.com/myaccount/?logintoken=" + "a" * 40
PROFILE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

anything = st.one_of(
    st.text(),
    st.text(alphabet=string.printable),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.binary(),
    st.lists(st.text(), max_size=2),
)
hostile_urls = st.one_of(
    st.text(),
    st.sampled_from(
        [
            "javascript:alert(1)",
            "//evil.example/x",
            "https://evil.example/",
            "https://store.2checkout.com@evil.example/",
            "https://evil.example#@store.2checkout.com/",
            "https://evil.example\\@store.2checkout.com",
            "https://store.2checkout.com.evil.example/",
            "https://store.2\u0441heckout.com/",
            "https://xn--80ak6aa92e.com/",
            "http://store.2checkout.com/",
            "data:text/html,<script>",
            "https://store.2checkout.com:0/",
            "https:/store.2checkout.com/",
            "https:///store.2checkout.com/",
            "\x00https://store.2checkout.com/",
        ]
    ),
    st.builds(
        lambda scheme, host, path: f"{scheme}://{host}/{path}",
        st.sampled_from(["https", "http", "HTTPS", "ftp", "javascript", ""]),
        st.text(min_size=0, max_size=40),
        st.text(max_size=20),
    ),
)


@pytest.fixture
def wire() -> Any:
    """A JSON-RPC backend whose every HTTP request is captured; yields the mocker."""
    with use("rpc"), requests_mock.Mocker() as mocker:
        mocker.post(RPC_URL, json={"result": URL})
        yield mocker


def _expect(call: Any, valid: bool, wire: Any) -> None:
    sent_before = wire.call_count
    if valid:
        call()
        return
    with pytest.raises(InvalidInputError):
        call()
    assert wire.call_count == sent_before, "an invalid value reached the upstream API"


def _valid_reference(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 100
        and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:@+\-]*", value) is not None
    )


def _valid_ip(value: Any) -> bool:
    if value in ("", None):
        return True
    if not isinstance(value, str) or "%" in value or value.strip() != value:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _allowed_https_url(value: Any) -> bool:
    if not isinstance(value, str) or not value or not value.isascii() or len(value) > 2048:
        return False
    if any(c.isspace() or c == "\\" or ord(c) < 32 for c in value):
        return False
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    labels_ok = all(
        re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", label) for label in host.split(".")
    )
    return (
        port_ok
        and labels_ok
        and parts.scheme == "https"
        and "@" not in parts.netloc
        and (
            host == "2checkout.com"
            or host.endswith(".2checkout.com")
            or host == "avangate.com"
            or host.endswith(".avangate.com")
        )
    )


@PROFILE
@given(page=st.one_of(anything, st.sampled_from([*SUBSCRIPTION_PAGES, *CUSTOMER_PAGES])))
def test_pages(wire: Any, page: Any) -> None:
    backend = get_backend()
    _expect(
        lambda: backend.subscription_sso_url("SUB1", page=page),
        page is None or page in SUBSCRIPTION_PAGES,
        wire,
    )
    _expect(
        lambda: backend.customer_sso_url("C1", page=page),
        page is None or (page in CUSTOMER_PAGES and page != "my_subscription"),
        wire,
    )


@PROFILE
@given(
    reference=st.one_of(
        anything, st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,120}", fullmatch=True)
    )
)
def test_references(wire: Any, reference: Any) -> None:
    backend = get_backend()
    valid = _valid_reference(reference)
    _expect(lambda: backend.subscription_sso_url(reference), valid, wire)
    _expect(lambda: backend.customer_sso_url(reference), valid, wire)
    _expect(
        lambda: backend.cart_sso_url(reference, cart_url="https://store.2checkout.com/order/"),
        valid,
        wire,
    )


@PROFILE
@given(language=st.one_of(anything, st.sampled_from(sorted(ISO_639_1)), st.text(max_size=3)))
def test_languages(wire: Any, language: Any) -> None:
    valid = language is None or (isinstance(language, str) and language.lower() in ISO_639_1)
    _expect(lambda: get_backend().customer_sso_url("C1", language=language), valid, wire)


@PROFILE
@given(
    ip=st.one_of(
        anything, st.ip_addresses().map(str), st.text(alphabet="0123456789abcdef:.%/", max_size=45)
    )
)
def test_ips(wire: Any, ip: Any) -> None:
    _expect(lambda: get_backend().customer_sso_url("C1", validation_ip=ip), _valid_ip(ip), wire)


@PROFILE
@given(validity=st.one_of(anything, st.integers(min_value=-(10**12), max_value=10**12)))
def test_validity_times(wire: Any, validity: Any) -> None:
    valid = validity is None or (
        isinstance(validity, int) and not isinstance(validity, bool) and 1 <= validity <= 300
    )
    _expect(lambda: get_backend().customer_sso_url("C1", validity_time=validity), valid, wire)


@PROFILE
@given(cart_url=st.one_of(hostile_urls, anything))
def test_cart_urls(wire: Any, cart_url: Any) -> None:
    _expect(
        lambda: get_backend().cart_sso_url("C1", cart_url=cart_url),
        _allowed_https_url(cart_url),
        wire,
    )


@PROFILE
@given(returned=st.one_of(hostile_urls, st.text()))
def test_returned_urls_are_followed_only_on_allowed_hosts(returned: str) -> None:
    from django_2co_sso.exceptions import BadResponseError, DisallowedRedirectError

    with use("rpc"), requests_mock.Mocker() as mocker:
        mocker.post(RPC_URL, [{"json": {"result": "S"}}, {"json": {"result": returned}}])
        from django.core.cache import cache

        cache.clear()
        if _allowed_https_url(returned):
            assert get_backend().customer_sso_url("C1") == returned
        else:
            with pytest.raises((DisallowedRedirectError, BadResponseError)):
                get_backend().customer_sso_url("C1")
