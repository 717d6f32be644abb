"""Pages the benchmark needs beside the example project's.

* ``/bench/ping/``: a logged-in page that loads the session, the user and the customer link
  but calls nothing upstream (readiness probe; the baseline of a worker's memory).
* ``/bench/nodelay/``: whether the socket gunicorn accepted has TCP_NODELAY set.
* ``/bench/naive/billing/``: the same redirect as ``/account/billing/``, written the way
  the vendor's samples do it: a new API client for every link and a login before every
  call, no shared session, no connection reuse.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
from datetime import UTC, datetime

import requests
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse

from django_2co_sso.models import CustomerLink


@login_required
def ping(request: HttpRequest) -> HttpResponse:
    link = CustomerLink.objects.get(user=request.user)
    return HttpResponse(f"ok {link.pk}\n", content_type="text/plain")


def nodelay(request: HttpRequest) -> JsonResponse:
    sock = request.META.get("gunicorn.socket")
    value = None
    if isinstance(sock, socket.socket):
        value = bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    return JsonResponse({"tcp_nodelay": value})


def _sso_setting(key: str) -> str:
    return str(settings.TWOCHECKOUT_SSO[key])


def _verify() -> str | bool:
    """The run's CA bundle when the emulator serves https (the vendor samples use the system's)."""
    return settings.TWOCHECKOUT_SSO.get("CA_BUNDLE") or True


def _date() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _hash(code: str, date: str, key: str) -> str:
    signed = f"{len(code.encode())}{code}{len(date.encode())}{date}"
    return hmac.new(key.encode(), signed.encode(), hashlib.sha256).hexdigest()


def _naive_soap(api: str, code: str, key: str, customer: str, ip: str) -> str:
    import zeep

    # As the vendor's samples: a new client (WSDL download and parse), the endpoint forced.
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE would override verify
    session.verify = _verify()
    client = zeep.Client(f"{api}/soap/6.0/?wsdl", transport=zeep.Transport(session=session))
    binding = next(
        port.binding.name
        for service in client.wsdl.services.values()
        for port in service.ports.values()
    )
    service = client.create_service(binding, f"{api}/soap/6.0/")
    date = _date()
    session_id = service.login(code, date, _hash(code, date, key), "sha256")
    return str(
        service.getSingleSignOnByCustomer(
            session_id,
            customer,
            "ExternalCustomerReference",
            zeep.xsd.Nil,
            zeep.xsd.Nil,
            10,
            ip,
            "en",
        )
    )


def _naive_rpc(api: str, code: str, key: str, customer: str, ip: str) -> str:
    endpoint = f"{api}/rpc/6.0/"
    date = _date()
    login = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "login",
        "params": [code, date, _hash(code, date, key), "sha256"],
    }
    session_id = requests.post(endpoint, json=login, timeout=10, verify=_verify()).json()["result"]
    call = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "getSingleSignOnByCustomer",
        "params": [session_id, customer, "ExternalCustomerReference", None, None, 10, ip, "en"],
    }
    return str(requests.post(endpoint, json=call, timeout=10, verify=_verify()).json()["result"])


def _naive_rest(api: str, code: str, key: str, customer: str, ip: str) -> str:
    date = _date()
    header = f'code="{code}" date="{date}" hash="{_hash(code, date, key)}" algo="sha256"'
    response = requests.get(
        f"{api}/rest/6.0/customers/{customer}/account/index/",
        params={"Lang": "en", "ValidityTime": 10, "ValidationIp": ip},
        headers={"X-Avangate-Authentication": header, "Accept": "application/json"},
        timeout=10,
        verify=_verify(),
    )
    body = response.json()
    return str(body["url"] if isinstance(body, dict) else body)


_NAIVE = {
    "django_2co_sso.backends.soap.SoapBackend": _naive_soap,
    "django_2co_sso.backends.jsonrpc.JsonRpcBackend": _naive_rpc,
    "django_2co_sso.backends.rest.RestBackend": _naive_rest,
}


@login_required
def naive_billing(request: HttpRequest) -> HttpResponse:
    link = CustomerLink.objects.get(user=request.user)
    naive = _NAIVE[_sso_setting("BACKEND")]
    url = naive(
        _sso_setting("API_URL").rstrip("/"),
        _sso_setting("MERCHANT_CODE"),
        _sso_setting("SECRET_KEY"),
        str(link.external_reference),
        str(request.META.get("REMOTE_ADDR", "")),
    )
    return HttpResponseRedirect(url)


__all__ = ["naive_billing", "nodelay", "ping"]
