"""sessionID reuse through the cache, one login for concurrent callers, re-login on expiry."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.cache import cache

from django_2co_sso import get_backend
from django_2co_sso.exceptions import (
    APITimeoutError,
    AuthenticationError,
    ServiceUnavailableError,
    SessionExpiredError,
)
from django_2co_sso.session_store import SessionStore
from tests.client.conftest import SECRET, RpcServer, SoapServer, use

URL = "https://secure.2checkout.com/myaccount/?logintoken=" + "a" * 40


def test_session_is_reused_across_calls(rpc_server: RpcServer) -> None:
    rpc_server.returns("getSingleSignOn", URL)
    for _ in range(5):
        get_backend().subscription_sso_url("SUB1")
    assert rpc_server.names().count("login") == 1
    assert [c["params"][0] for c in rpc_server.calls[1:]] == ["SESSION-1"] * 5


def test_session_is_shared_through_the_cache_by_another_backend_instance(
    rpc_server: RpcServer,
) -> None:
    rpc_server.returns("getSingleSignOn", URL)
    get_backend().subscription_sso_url("SUB1")
    other_process_backend = type(get_backend())(get_backend().config)  # a fresh instance
    other_process_backend.subscription_sso_url("SUB1")
    assert rpc_server.names() == ["login", "getSingleSignOn", "getSingleSignOn"]


def test_cache_key_never_contains_the_secret(rpc_server: RpcServer) -> None:
    rpc_server.returns("getSingleSignOn", URL)
    backend = get_backend()
    backend.subscription_sso_url("SUB1")
    assert SECRET not in backend.sessions.key
    assert cache.get(backend.sessions.key) == "SESSION-1"


def test_session_is_stored_for_the_configured_lifetime_only(requests_mock: Any) -> None:
    with use("rpc", SESSION_LIFETIME=1):
        server = RpcServer(requests_mock)
        server.returns("getSingleSignOn", URL)
        get_backend().subscription_sso_url("SUB1")
        time.sleep(1.1)
        get_backend().subscription_sso_url("SUB1")
    assert server.names().count("login") == 2


def test_expired_session_logs_in_again_and_repeats_once(rpc_server: RpcServer) -> None:
    logins = iter(["SESSION-1", "SESSION-2"])
    rpc_server.handlers["login"] = lambda params: {"result": next(logins)}

    def sso(params: list[Any]) -> dict[str, Any]:
        if params[0] == "SESSION-1":
            return {"error": {"code": 10002, "message": "Session expired"}}
        return {"result": URL}

    rpc_server.handlers["getSingleSignOn"] = sso
    assert get_backend().subscription_sso_url("SUB1") == URL
    assert rpc_server.names() == ["login", "getSingleSignOn", "login", "getSingleSignOn"]
    assert cache.get(get_backend().sessions.key) == "SESSION-2"


@pytest.mark.parametrize("code", ["SESSION_EXPIRED", "INVALID_SESSION", "FORBIDDEN"])
def test_session_error_codes_from_data_trigger_relogin(rpc_server: RpcServer, code: str) -> None:
    calls = {"n": 0}

    def sso(params: list[Any]) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 1:
            return {"error": {"code": 1, "message": "nope", "data": {"error_code": code}}}
        return {"result": URL}

    rpc_server.handlers["getSingleSignOn"] = sso
    assert get_backend().subscription_sso_url("SUB1") == URL
    assert rpc_server.names().count("login") == 2


def test_retry_is_bounded_to_one(rpc_server: RpcServer) -> None:
    rpc_server.fails("getSingleSignOn", 10002, "Session expired")
    with pytest.raises(SessionExpiredError):
        get_backend().subscription_sso_url("SUB1")
    assert rpc_server.names() == ["login", "getSingleSignOn", "login", "getSingleSignOn"]


def test_soap_fault_session_expired_relogs_in(soap_server: SoapServer) -> None:
    from tests.client.wsdl import soap_fault, soap_response

    answers = iter([soap_fault("SESSION_EXPIRED", "Session expired"), soap_response("x", URL)])
    soap_server.handlers["getSingleSignOn"] = lambda params: next(answers)
    assert get_backend().subscription_sso_url("SUB1") == URL
    assert soap_server.names() == ["login", "getSingleSignOn", "login", "getSingleSignOn"]


def test_partner_retry_repeats_set_partner_in_the_new_session(rpc_server: RpcServer) -> None:
    logins = iter(["SESSION-1", "SESSION-2"])
    rpc_server.handlers["login"] = lambda params: {"result": next(logins)}
    rpc_server.returns("setPartner", True)

    def partner(params: list[Any]) -> dict[str, Any]:
        if params[0] == "SESSION-1":
            return {"error": {"code": 10001, "message": "Invalid session"}}
        return {"result": URL}

    rpc_server.handlers["getPartnerSingleSignOn"] = partner
    get_backend().partner_sso_url(
        "P1", email="r@example.com", access_page="https://secure.2checkout.com/cpanel/"
    )
    assert [(c["method"], c["params"][0]) for c in rpc_server.calls] == [
        ("login", "TESTMERCH"),
        ("setPartner", "SESSION-1"),
        ("getPartnerSingleSignOn", "SESSION-1"),
        ("login", "TESTMERCH"),
        ("setPartner", "SESSION-2"),
        ("getPartnerSingleSignOn", "SESSION-2"),
    ]


def test_bad_credentials_raise_authentication_error(rpc_server: RpcServer) -> None:
    rpc_server.fails("login", 10000, "Authentication failed", "AUTHENTICATION_FAILED")
    with pytest.raises(AuthenticationError) as caught:
        get_backend().subscription_sso_url("SUB1")
    assert caught.value.code == "AUTHENTICATION_FAILED"
    assert caught.value.method == "login"
    assert rpc_server.names() == ["login"]


def test_one_login_for_many_concurrent_callers(requests_mock: Any) -> None:
    """Twenty threads find no session at once; only one of them logs in."""
    barrier = threading.Barrier(20)
    with use("rpc"):
        server = RpcServer(requests_mock)

        def slow_login(params: list[Any]) -> dict[str, Any]:
            time.sleep(0.2)  # long enough for every thread to find no session
            return {"result": "SESSION-1"}

        server.handlers["login"] = slow_login
        server.returns("getSingleSignOn", URL)
        backend = get_backend()
        errors: list[BaseException] = []

        def worker() -> None:
            barrier.wait()
            try:
                backend.subscription_sso_url("SUB1")
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=worker) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert server.names().count("login") == 1
    assert server.names().count("getSingleSignOn") == 20


def _store(lock_timeout: float, **extra: Any) -> SessionStore:
    return SessionStore(
        cache_alias="default",
        key_prefix="t",
        merchant_code="M",
        api_url="u",
        protocol="rpc",
        lock_timeout=lock_timeout,
        **{"lifetime": 60, **extra},
    )


def test_waiter_never_logs_in_while_another_holds_the_lock() -> None:
    store = _store(lock_timeout=0.2)
    cache.add(store.lock_key, "someone-else", timeout=60)  # a holder whose login hangs
    logins: list[str] = []
    with pytest.raises(ServiceUnavailableError) as caught:
        store.obtain(lambda: logins.append("login") or "MINE")
    assert caught.value.code == "LOGIN_UNAVAILABLE"
    assert logins == []


def _in_threads(count: int, target: Any) -> list[BaseException | str]:
    results: list[BaseException | str] = []
    barrier = threading.Barrier(count)

    def run() -> None:
        barrier.wait()
        try:
            results.append(target())
        except BaseException as error:  # collected for the assertions
            results.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize(
    ("failure", "expected", "code"),
    [
        (
            AuthenticationError("refused", code="AUTHENTICATION_FAILED", method="login"),
            AuthenticationError,
            "AUTHENTICATION_FAILED",
        ),
        (APITimeoutError("hung"), ServiceUnavailableError, "LOGIN_UNAVAILABLE"),
    ],
)
def test_waiters_share_the_failure_of_the_login_they_waited_for(
    failure: Exception, expected: type[Exception], code: str
) -> None:
    """Ten callers, one login that fails after a while: nobody else logs in."""
    store = _store(lock_timeout=5)
    logins: list[str] = []
    started = threading.Event()

    def login() -> str:
        logins.append("login")
        started.set()
        time.sleep(0.3)  # the others are waiting meanwhile
        raise failure

    results = _in_threads(10, lambda: store.obtain(login))
    assert logins == ["login"]
    assert sum(result is failure for result in results) == 1  # the holder's own error
    others = [result for result in results if result is not failure]
    assert all(isinstance(result, expected) for result in others), others
    assert {getattr(result, "code", None) for result in others} == {code}


def test_waiters_recheck_the_breaker_and_stop_when_it_opened() -> None:
    store = _store(lock_timeout=5)
    cache.add(store.lock_key, "someone-else", timeout=60)
    checks: list[str] = []

    def breaker() -> None:
        checks.append("checked")
        if len(checks) >= 3:
            raise ServiceUnavailableError("open")

    with pytest.raises(ServiceUnavailableError, match="open"):
        store.obtain(lambda: "MINE", before_login=breaker)
    assert len(checks) == 3


def test_one_login_per_process_even_when_the_shared_lock_expires() -> None:
    """The login hangs past the shared lock's life: the process's own lock still holds."""
    store = _store(lock_timeout=0.5)
    logins: list[str] = []

    def hung_login() -> str:
        logins.append("login")
        cache.delete(store.lock_key)  # the shared lock expired while the login hangs
        time.sleep(0.3)
        return "SESSION"

    results = _in_threads(8, lambda: store.obtain(hung_login))
    assert logins == ["login"]
    assert results == ["SESSION"] * 8


def test_shared_lock_outlives_a_login_that_hangs_to_its_timeout() -> None:
    assert _store(lock_timeout=2, login_timeout=10).lock_ttl > 10


def test_discard_keeps_a_newer_session() -> None:
    store = _store(lock_timeout=1)
    store.obtain(lambda: "NEW")
    store.discard("OLD")
    assert store.get() == "NEW"
    store.discard("NEW")
    assert store.get() is None


def test_process_reuses_the_session_without_reading_the_cache(rpc_server: RpcServer) -> None:
    from unittest import mock

    rpc_server.returns("getSingleSignOn", URL)
    backend = get_backend()
    backend.subscription_sso_url("SUB1")
    from django.core.cache import caches

    cache_class = type(caches["default"])
    with mock.patch.object(cache_class, "get", side_effect=AssertionError("cache read")):
        backend.subscription_sso_url("SUB1")  # neither the session nor the breaker is read
    assert rpc_server.names() == ["login", "getSingleSignOn", "getSingleSignOn"]


def test_process_memo_never_outlives_upstream_lifetime() -> None:
    from django_2co_sso.session_store import UPSTREAM_LIFETIME

    for lifetime in (1, 60, 540, 570, 599):
        store = _store(lock_timeout=1, lifetime=lifetime)
        assert store._local_ttl <= lifetime
        assert lifetime + store._local_ttl < UPSTREAM_LIFETIME


def test_override_settings_gives_a_fresh_backend(rpc_server: RpcServer) -> None:
    """Same content, but override_settings fires setting_changed: no inherited memo."""
    from django.conf import settings
    from django.test import override_settings

    first = get_backend()
    with override_settings(TWOCHECKOUT_SSO=dict(settings.TWOCHECKOUT_SSO)):
        assert get_backend() is not first


def test_permanent_session_error_code_does_not_log_in_again_on_every_call(
    rpc_server: RpcServer,
) -> None:
    """FORBIDDEN is a session error code by default; when a brand-new session gets it too,
    it is about the account, not the session: later calls do not log in for it again."""
    logins = iter(f"SESSION-{n}" for n in range(1, 10))
    rpc_server.handlers["login"] = lambda params: {"result": next(logins)}
    rpc_server.fails("getSingleSignOn", 1, "Forbidden", "FORBIDDEN")
    for _ in range(4):
        with pytest.raises(SessionExpiredError):
            get_backend().subscription_sso_url("SUB1")
    # The first call: login, call, one re-login, repeat. Then one call each, no login.
    assert (
        rpc_server.names()
        == ["login", "getSingleSignOn", "login", "getSingleSignOn"] + ["getSingleSignOn"] * 3
    )


def test_refused_login_is_not_retried_on_every_click(requests_mock: Any) -> None:
    """One login attempt per breaker cool-down, not per call; an explicit check still asks."""
    with use("rpc", CIRCUIT_BREAKER_FAILURES=5):
        server = RpcServer(requests_mock)
        server.fails("login", 10000, "Authentication failed", "AUTHENTICATION_FAILED")
        for _ in range(3):
            with pytest.raises(AuthenticationError) as caught:
                get_backend().subscription_sso_url("SUB1")
            assert caught.value.code == "AUTHENTICATION_FAILED"
        assert server.names() == ["login"]
        server.returns("login", "SESSION-OK")
        get_backend().check_credentials()  # asks although the refusal is remembered ...
        server.returns("getSingleSignOn", URL)
        assert get_backend().subscription_sso_url("SUB1") == URL  # ... and clears it
    assert server.names().count("login") == 3
