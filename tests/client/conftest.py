"""Fixtures for the API client's unit tests (requests-mock, no network)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import override_settings
from lxml import etree

from django_2co_sso import get_backend
from django_2co_sso.backends import locmem, soap
from django_2co_sso.backends.base import BaseBackend
from django_2co_sso.registry import clear_backends
from tests.client.wsdl import build_wsdl, soap_fault, soap_response

API = "https://api.2checkout.com"
SOAP_URL = f"{API}/soap/6.0/"
RPC_URL = f"{API}/rpc/6.0/"
REST_URL = f"{API}/rest/6.0/"
MERCHANT = "TESTMERCH"
SECRET = "unit-test-secret-key"
BACKENDS = {
    "soap": "django_2co_sso.backends.soap.SoapBackend",
    "rpc": "django_2co_sso.backends.jsonrpc.JsonRpcBackend",
    "rest": "django_2co_sso.backends.rest.RestBackend",
}


def client_settings(protocol: str, **extra: Any) -> dict[str, Any]:
    """A TWOCHECKOUT_SSO dict for ``protocol`` against the mocked API."""
    return {
        "BACKEND": BACKENDS[protocol],
        "MERCHANT_CODE": MERCHANT,
        "SECRET_KEY": SECRET,
        "API_URL": API,
        **extra,
    }


@pytest.fixture(autouse=True)
def _no_preconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    """warm_up() opens no real connection here: these tests mock requests, not sockets."""
    from django_2co_sso.backends import http

    for module in (http, soap):  # HttpTransport (JSON-RPC, REST) and the SOAP transport
        monkeypatch.setattr(module, "preconnect", lambda *args, **kwargs: False)


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    for cache in caches.all():
        cache.clear()
    locmem.reset()
    soap.clear_clients()
    clear_backends()
    yield
    locmem.reset()


def use(protocol: str, **extra: Any) -> Any:
    """``override_settings`` for ``protocol``'s backend."""
    return override_settings(TWOCHECKOUT_SSO=client_settings(protocol, **extra))


def soap_call(request: Any) -> tuple[str, list[str | None]]:
    """(operation name, positional parameter texts; None for xsi:nil) of a SOAP request."""
    body = request.body if isinstance(request.body, bytes) else request.body.encode()
    root = etree.fromstring(body)
    operation = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
    params: list[str | None] = []
    for part in operation:
        nil = part.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
        params.append(None if nil else (part.text or ""))
    return etree.QName(operation).localname, params


def rpc_call(request: Any) -> dict[str, Any]:
    """The decoded JSON-RPC request body."""
    body: dict[str, Any] = json.loads(request.body)
    return body


class SoapServer:
    """Answers mocked SOAP calls by operation name and records them."""

    def __init__(self, mocker: Any) -> None:
        self.calls: list[tuple[str, list[str | None]]] = []
        self.handlers: dict[str, Callable[[list[str | None]], str]] = {
            "login": lambda params: soap_response("login", "SESSION-1"),
        }
        mocker.get(f"{SOAP_URL}?wsdl", text=build_wsdl())
        mocker.post(SOAP_URL, text=self._answer)

    def _answer(self, request: Any, context: Any) -> str:
        name, params = soap_call(request)
        self.calls.append((name, params))
        handler = self.handlers.get(name)
        if handler is None:
            context.status_code = 500
            return soap_fault("UNKNOWN_OPERATION", name)
        answer = handler(params)
        if "<SOAP-ENV:Fault>" in answer:
            context.status_code = 500
        return answer

    def returns(self, operation: str, value: str) -> None:
        """Answer ``operation`` with ``value`` (XML-escaped)."""
        from xml.sax.saxutils import escape

        self.handlers[operation] = lambda params: soap_response(operation, escape(value))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


class RpcServer:
    """Answers mocked JSON-RPC calls by method name and records them."""

    def __init__(self, mocker: Any) -> None:
        self.calls: list[dict[str, Any]] = []
        self.handlers: dict[str, Callable[[list[Any]], dict[str, Any]]] = {
            "login": lambda params: {"result": "SESSION-1"},
        }
        mocker.post(RPC_URL, json=self._answer)

    def _answer(self, request: Any, context: Any) -> dict[str, Any]:
        body = rpc_call(request)
        self.calls.append(body)
        handler = self.handlers.get(body["method"])
        if handler is None:
            return {"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32601, "message": "?"}}
        return {"jsonrpc": "2.0", "id": body["id"], **handler(body["params"])}

    def returns(self, method: str, value: Any) -> None:
        self.handlers[method] = lambda params: {"result": value}

    def fails(self, method: str, code: int, message: str, error_code: str | None = None) -> None:
        error: dict[str, Any] = {"code": code, "message": message}
        if error_code:
            error["data"] = {"error_code": error_code}
        self.handlers[method] = lambda params: {"error": error}

    def names(self) -> list[str]:
        return [call["method"] for call in self.calls]


@pytest.fixture
def soap_server(requests_mock: Any) -> Iterator[SoapServer]:
    with use("soap"):
        yield SoapServer(requests_mock)


@pytest.fixture
def rpc_server(requests_mock: Any) -> Iterator[RpcServer]:
    with use("rpc"):
        yield RpcServer(requests_mock)


@pytest.fixture
def backend() -> Callable[[], BaseBackend]:
    return get_backend
