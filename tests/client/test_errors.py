"""Upstream failures surface as their own exception types, without secrets."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from django_2co_sso import get_backend
from django_2co_sso.exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadResponseError,
    DisallowedRedirectError,
    ServiceUnavailableError,
    UpstreamError,
)
from tests.client.conftest import REST_URL, RPC_URL, SECRET, SOAP_URL, RpcServer, SoapServer, use
from tests.client.wsdl import build_wsdl, soap_fault, soap_response

URL = "https://secure.2checkout.com/myaccount/?logintoken=" + "a" * 40


@pytest.mark.parametrize("protocol", ["soap", "rpc", "rest"])
@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (requests.ReadTimeout, APITimeoutError),
        (requests.ConnectTimeout, APITimeoutError),
        (requests.ConnectionError, APIConnectionError),
    ],
)
def test_network_failures_have_their_own_types(
    requests_mock: Any, protocol: str, exc: type[Exception], expected: type[Exception]
) -> None:
    requests_mock.get(f"{SOAP_URL}?wsdl", text=build_wsdl())
    requests_mock.post(SOAP_URL, exc=exc)
    requests_mock.post(RPC_URL, exc=exc)
    requests_mock.get(f"{REST_URL}subscriptions/SUB1/signon/index/", exc=exc)
    with use(protocol), pytest.raises(expected) as caught:
        get_backend().subscription_sso_url("SUB1")
    assert isinstance(caught.value, UpstreamError)


@pytest.mark.parametrize("protocol", ["rpc", "rest"])
def test_every_request_carries_the_configured_timeouts(requests_mock: Any, protocol: str) -> None:
    requests_mock.post(RPC_URL, json={"result": "S"})
    requests_mock.get(f"{REST_URL}subscriptions/SUB1/signon/index/", json=URL)
    seen: list[Any] = []
    original = requests.Session.send

    def spy(self: requests.Session, request: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("timeout"))
        return original(self, request, **kwargs)

    with use(protocol, TIMEOUT=4.5, CONNECT_TIMEOUT=1.5):
        requests_mock.post(RPC_URL, [{"json": {"result": "S"}}, {"json": {"result": URL}}])
        from unittest import mock

        with mock.patch.object(requests.Session, "send", spy):
            get_backend().subscription_sso_url("SUB1")
    assert seen
    assert all(timeout == (1.5, 4.5) for timeout in seen)


def test_soap_calls_carry_the_configured_timeouts(soap_server: SoapServer) -> None:
    from django_2co_sso.backends import soap

    soap_server.returns("getSingleSignOn", URL)
    get_backend().subscription_sso_url("SUB1")
    (client,) = soap._clients.values()
    assert client.transport.operation_timeout == (5.0, 10.0)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_http_5xx_with_html_is_bad_response(requests_mock: Any, status: int) -> None:
    requests_mock.post(RPC_URL, status_code=status, text="<html>down</html>")
    with use("rpc"), pytest.raises(BadResponseError) as caught:
        get_backend().subscription_sso_url("SUB1")
    assert caught.value.status == status


def test_soap_http_503_is_bad_response(requests_mock: Any) -> None:
    requests_mock.get(f"{SOAP_URL}?wsdl", text=build_wsdl())
    requests_mock.post(SOAP_URL, status_code=503, text="Service Unavailable")
    with use("soap"), pytest.raises(BadResponseError) as caught:
        get_backend().subscription_sso_url("SUB1")
    assert caught.value.status == 503


@pytest.mark.parametrize("protocol", ["soap", "rpc", "rest"])
def test_malformed_body_is_bad_response(requests_mock: Any, protocol: str) -> None:
    requests_mock.get(f"{SOAP_URL}?wsdl", text=build_wsdl())
    requests_mock.post(SOAP_URL, text="<<<garbage")
    requests_mock.post(RPC_URL, text="{not json")
    requests_mock.get(f"{REST_URL}subscriptions/SUB1/signon/index/", text="{not json")
    with use(protocol), pytest.raises(BadResponseError):
        get_backend().subscription_sso_url("SUB1")


def test_unreachable_wsdl_is_a_connection_error_and_retried_next_time(requests_mock: Any) -> None:
    requests_mock.get(f"{SOAP_URL}?wsdl", exc=requests.ConnectionError)
    with use("soap"):
        with pytest.raises(APIConnectionError):
            get_backend().subscription_sso_url("SUB1")
        server = SoapServer(requests_mock)  # the WSDL is reachable again
        server.returns("getSingleSignOn", URL)
        assert get_backend().subscription_sso_url("SUB1") == URL


def test_unknown_fault_code_is_a_generic_api_error(soap_server: SoapServer) -> None:
    soap_server.handlers["getSingleSignOn"] = lambda p: soap_fault("WEIRD_NEW_CODE", "Odd thing")
    with pytest.raises(APIError) as caught:
        get_backend().subscription_sso_url("SUB1")
    assert type(caught.value) is APIError
    assert caught.value.code == "WEIRD_NEW_CODE"
    assert caught.value.method == "getSingleSignOn"
    assert "Odd thing" in str(caught.value)


def test_namespaced_fault_code_is_stripped(soap_server: SoapServer) -> None:
    soap_server.handlers["getPartnerSingleSignOn"] = lambda p: soap_fault(
        "ns1:INVALID_PARTNER", "Partner code provided is not associated to an active partner."
    )
    soap_server.handlers["setPartner"] = lambda p: soap_response("setPartner", "true")
    with pytest.raises(APIError) as caught:
        get_backend().partner_sso_url(
            "P1", email="r@example.com", access_page="https://secure.2checkout.com/cpanel/"
        )
    assert caught.value.code == "INVALID_PARTNER"


def test_soap_login_fault_is_authentication_error(soap_server: SoapServer) -> None:
    soap_server.handlers["login"] = lambda p: soap_fault("AUTHENTICATION_FAILED", "Bad hash")
    with pytest.raises(AuthenticationError):
        get_backend().subscription_sso_url("SUB1")


def test_rest_error_body_and_auth_status(requests_mock: Any) -> None:
    requests_mock.get(
        f"{REST_URL}subscriptions/NOPE/signon/index/",
        status_code=404,
        json={"error_code": "SUBSCRIPTION_NOT_FOUND", "message": "No such subscription"},
    )
    requests_mock.get(
        f"{REST_URL}subscriptions/SUB1/signon/index/",
        status_code=401,
        json={"error_code": "AUTHENTICATION_FAILED", "message": "Bad hash"},
    )
    with use("rest"):
        with pytest.raises(APIError) as caught:
            get_backend().subscription_sso_url("NOPE")
        assert caught.value.code == "SUBSCRIPTION_NOT_FOUND"
        with pytest.raises(AuthenticationError):
            get_backend().subscription_sso_url("SUB1")


def test_secrets_are_scrubbed_from_upstream_messages(rpc_server: RpcServer) -> None:
    rpc_server.fails(
        "getSingleSignOn",
        500,
        f"Internal error for session SESSION-1 key {SECRET} at x?logintoken=abcdef123456",
        "INTERNAL_ERROR",
    )
    with pytest.raises(APIError) as caught:
        get_backend().subscription_sso_url("SUB1")
    text = str(caught.value) + repr(caught.value)
    assert SECRET not in text
    assert "SESSION-1" not in text
    assert "abcdef123456" not in text


@pytest.mark.parametrize(
    "returned",
    [
        "https://evil.example.com/myaccount/?logintoken=abc",
        "http://secure.2checkout.com/myaccount/",
        "javascript:alert(1)",
        "https://secure.2checkout.com.evil.com/",
        "https://user@secure.2checkout.com/",
    ],
)
def test_returned_url_must_be_on_an_allowed_host(rpc_server: RpcServer, returned: str) -> None:
    rpc_server.returns("getSingleSignOn", returned)
    with pytest.raises(DisallowedRedirectError) as caught:
        get_backend().subscription_sso_url("SUB1")
    assert "logintoken=abc" not in str(caught.value)


def test_non_string_result_is_bad_response(rpc_server: RpcServer) -> None:
    rpc_server.returns("getSingleSignOn", 42)
    with pytest.raises(BadResponseError):
        get_backend().subscription_sso_url("SUB1")


def test_circuit_opens_after_repeated_failures_and_fails_fast(requests_mock: Any) -> None:
    requests_mock.post(RPC_URL, exc=requests.ConnectionError)
    with use("rpc", CIRCUIT_BREAKER_FAILURES=3, CIRCUIT_BREAKER_COOLDOWN=30):
        for _ in range(3):
            with pytest.raises(APIConnectionError):
                get_backend().subscription_sso_url("SUB1")
        sent_before = requests_mock.call_count
        with pytest.raises(ServiceUnavailableError):
            get_backend().subscription_sso_url("SUB1")
        assert requests_mock.call_count == sent_before  # nothing went upstream
        get_backend().circuit.reset()
        requests_mock.post(RPC_URL, [{"json": {"result": "S"}}, {"json": {"result": URL}}])
        assert get_backend().subscription_sso_url("SUB1") == URL


def test_api_errors_do_not_open_the_circuit(rpc_server: RpcServer) -> None:
    rpc_server.fails("getSingleSignOn", 1, "no", "SUBSCRIPTION_NOT_FOUND")
    with use("rpc", CIRCUIT_BREAKER_FAILURES=2):
        RpcServer  # noqa: B018
    for _ in range(4):
        with pytest.raises(APIError):
            get_backend().subscription_sso_url("SUB1")
    assert not get_backend().circuit.is_open()


def test_open_circuit_is_shared_through_the_cache_by_every_instance(requests_mock: Any) -> None:
    """Another process (another backend instance on the same cache) fails fast too."""
    requests_mock.post(RPC_URL, exc=requests.ConnectionError)
    with use("rpc", CIRCUIT_BREAKER_FAILURES=2):
        first = get_backend()
        second = type(first)(first.config)  # as another worker process would build it
        with pytest.raises(APIConnectionError):
            first.subscription_sso_url("SUB1")
        with pytest.raises(APIConnectionError):
            second.subscription_sso_url("SUB1")  # failures add up across instances
        sent = requests_mock.call_count
        with pytest.raises(ServiceUnavailableError):
            first.subscription_sso_url("SUB1")
        with pytest.raises(ServiceUnavailableError):
            second.subscription_sso_url("SUB1")
        assert requests_mock.call_count == sent


def test_circuit_closes_after_the_cooldown(requests_mock: Any) -> None:
    import time

    requests_mock.post(RPC_URL, exc=requests.ConnectionError)
    with use("rpc", CIRCUIT_BREAKER_FAILURES=1, CIRCUIT_BREAKER_COOLDOWN=1):
        with pytest.raises(APIConnectionError):
            get_backend().subscription_sso_url("SUB1")
        with pytest.raises(ServiceUnavailableError):
            get_backend().subscription_sso_url("SUB1")
        time.sleep(1.1)
        requests_mock.post(RPC_URL, [{"json": {"result": "S"}}, {"json": {"result": URL}}])
        assert get_backend().subscription_sso_url("SUB1") == URL


class _DeadCache:
    """A cache whose server is gone: every call raises what redis-py raises."""

    def __getattr__(self, name: str) -> Any:
        from redis.exceptions import ConnectionError as RedisConnectionError

        def fail(*args: Any, **kwargs: Any) -> Any:
            raise RedisConnectionError("Connection refused")

        return fail


def test_breaker_bookkeeping_after_a_call_never_raises_when_the_cache_died(caplog: Any) -> None:
    """The cache died during the call: the call's own outcome stands, one warning each."""
    from django_2co_sso.circuit import CircuitBreaker
    from django_2co_sso.exceptions import CacheUnavailableError

    class DeadBreaker(CircuitBreaker):
        @property
        def cache(self) -> Any:
            return _DeadCache()

    breaker = DeadBreaker(cache_alias="default", key="t", threshold=2, cooldown=5)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_refusal("AUTHENTICATION_FAILED")
    messages = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(messages) == 3
    assert all("unreachable (circuit breaker: ConnectionError)" in m for m in messages)
    with pytest.raises(CacheUnavailableError) as caught:
        breaker.before_call()  # no call goes upstream without the breaker's reading
    assert caught.value.code == "CACHE_UNAVAILABLE"
    assert caught.value.cause == "ConnectionError"


def test_deadline_caps_every_form_of_timeout() -> None:
    from django_2co_sso.backends.http import _capped

    assert _capped(None, 2.0) == (2.0, 2.0)
    assert _capped(5, 2.0) == 2.0
    assert _capped(1, 2.0) == 1
    assert _capped((5, None), 2.0) == (2.0, 2.0)
    assert _capped((1, 3), 2.0) == (1, 2.0)
