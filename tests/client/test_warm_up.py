"""django_2co_sso.warm_up(): load the client at worker start, without any API call."""

from __future__ import annotations

from typing import Any

import requests

import django_2co_sso
from django_2co_sso import get_backend
from tests.client.conftest import SOAP_URL, RpcServer, SoapServer, use
from tests.client.wsdl import build_wsdl


def test_soap_warm_up_parses_the_wsdl_and_calls_nothing(soap_server: SoapServer) -> None:
    assert django_2co_sso.warm_up() is True
    assert soap_server.calls == []  # no login, no SSO call
    assert get_backend().channel.transport._service is not None  # the WSDL is loaded and bound


def test_rpc_warm_up_makes_no_call(rpc_server: RpcServer) -> None:
    assert django_2co_sso.warm_up() is True
    assert rpc_server.calls == []


def test_unreachable_wsdl_does_not_stop_the_worker(requests_mock: Any, caplog: Any) -> None:
    requests_mock.get(f"{SOAP_URL}?wsdl", exc=requests.ConnectionError)
    with use("soap"):
        assert django_2co_sso.warm_up() is False
        assert "warm-up failed (CONNECTION_ERROR)" in caplog.text
        requests_mock.get(f"{SOAP_URL}?wsdl", text=build_wsdl())
        assert django_2co_sso.warm_up() is True


def test_warm_up_never_raises_on_an_unexpected_error(rpc_server: RpcServer, caplog: Any) -> None:
    """Even a bug below warm_up() (here: StopIteration) leaves the worker booting."""
    from unittest import mock

    backend_class = type(get_backend())
    with mock.patch.object(backend_class, "warm_up", side_effect=StopIteration):
        assert django_2co_sso.warm_up() is False
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "warm-up failed (StopIteration" in warnings[0].getMessage()
