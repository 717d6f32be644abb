"""Every failure is classified once: audit outcome, log level, shopper page."""

from __future__ import annotations

import logging

import pytest

from django_2co_sso.exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadResponseError,
    ConfigurationError,
    DisallowedRedirectError,
    InvalidPageError,
    InvalidURLError,
    ServiceUnavailableError,
    TwoCheckoutError,
)
from django_2co_sso.failures import Kind, Page, classify

CASES = [
    (
        InvalidPageError("x", field="page"),
        Kind.REJECTED,
        "INVALID_PAGE",
        logging.INFO,
        Page.NOT_FOUND,
    ),
    (
        InvalidURLError("x", field="cart_url"),
        Kind.REJECTED,
        "INVALID_URL",
        logging.INFO,
        Page.BAD_REQUEST,
    ),
    (
        DisallowedRedirectError("x", host="evil.example"),
        Kind.DISALLOWED,
        "DISALLOWED_REDIRECT",
        logging.ERROR,
        Page.BAD_GATEWAY,
    ),
    (
        APIError("x", code="INVALID_PARTNER"),
        Kind.REFUSED,
        "INVALID_PARTNER",
        logging.WARNING,
        Page.UNAVAILABLE,
    ),
    (
        AuthenticationError("x", code="AUTHENTICATION_FAILED", method="login"),
        Kind.REFUSED,
        "AUTHENTICATION_FAILED",
        logging.WARNING,
        Page.UNAVAILABLE,
    ),
    (APITimeoutError("x"), Kind.UNAVAILABLE, "TIMEOUT", logging.WARNING, Page.UNAVAILABLE),
    (
        APIConnectionError("x"),
        Kind.UNAVAILABLE,
        "CONNECTION_ERROR",
        logging.WARNING,
        Page.UNAVAILABLE,
    ),
    (
        BadResponseError("x", status=502),
        Kind.UNAVAILABLE,
        "BAD_RESPONSE",
        logging.WARNING,
        Page.UNAVAILABLE,
    ),
    (
        ServiceUnavailableError("x"),
        Kind.UNAVAILABLE,
        "CIRCUIT_OPEN",
        logging.WARNING,
        Page.UNAVAILABLE,
    ),
    (ConfigurationError("x"), Kind.MISCONFIGURED, "CONFIGURATION", logging.ERROR, Page.UNAVAILABLE),
    (TwoCheckoutError("x"), Kind.INTERNAL, "ERROR", logging.ERROR, Page.UNAVAILABLE),
    (RuntimeError("bug"), Kind.INTERNAL, "INTERNAL_ERROR", logging.ERROR, Page.UNAVAILABLE),
]


@pytest.mark.parametrize(("error", "kind", "outcome", "level", "page"), CASES)
def test_classification(
    error: BaseException, kind: Kind, outcome: str, level: int, page: Page
) -> None:
    failure = classify(error)
    assert (failure.kind, failure.outcome, failure.level, failure.page) == (
        kind,
        outcome,
        level,
        page,
    )
    assert failure.unexpected is (not isinstance(error, TwoCheckoutError))


def test_details_name_the_field_or_host_never_a_message_from_upstream() -> None:
    assert classify(InvalidPageError("x", field="page")).detail == "field=page"
    assert classify(DisallowedRedirectError("x", host="evil.example")).detail == (
        "host='evil.example'"
    )
    upstream = classify(APIError("sessionID ABC leaked?", code="X"))
    assert upstream.detail == "error=APIError"
    assert classify(ConfigurationError("BACKEND is wrong")).detail == "BACKEND is wrong"
