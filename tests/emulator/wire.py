"""Hand-written wire formats for talking to the emulator in tests.

Deliberately independent of both the API client (``django_2co_sso.backends``) and the emulator's
own helpers: the HMAC, the SOAP envelopes, the JSON-RPC bodies and the REST header are built
here from the notes in ``shared/2checkout-api.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import itertools
from typing import Any
from xml.sax.saxutils import escape

import requests
from lxml import etree

MERCHANT = "EMULATOR"
SECRET = "emulator-secret-key"
DIGESTS = {"md5": hashlib.md5, "sha256": hashlib.sha256, "sha3-256": hashlib.sha3_256}
_ids = itertools.count(1)


def utc_date(offset_seconds: float = 0.0) -> str:
    """The UTC date string 2Checkout wants, ``offset_seconds`` away from now."""
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def login_hash(code: str, date: str, secret: str = SECRET, algo: str = "sha256") -> str:
    """HMAC of ``<bytes of code><code><bytes of date><date>``, hex."""
    signed = f"{len(code.encode())}{code}{len(date.encode())}{date}"
    return hmac.new(secret.encode(), signed.encode(), DIGESTS[algo]).hexdigest()


def soap_envelope(operation: str, params: list[Any], nil_prefix: str = "xsi") -> bytes:
    """An rpc envelope; None params are sent as ``<p xsi:nil="true"/>`` (prefix adjustable)."""
    parts = []
    for index, value in enumerate(params):
        name = f"param{index}"
        if value is None:
            parts.append(f'<{name} {nil_prefix}:nil="true"/>')
        else:
            parts.append(f"<{name}>{escape(str(value))}</{name}>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:ns1="urn:order" xmlns:{nil_prefix}="http://www.w3.org/2001/XMLSchema-instance">'
        f"<SOAP-ENV:Body><ns1:{operation}>{''.join(parts)}</ns1:{operation}>"
        "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


@dataclasses.dataclass
class SoapAnswer:
    """A decoded SOAP answer: ``value`` of ``return`` or ``fault_code``/``fault_string``."""

    status: int
    value: Any = None
    fault_code: str | None = None
    fault_string: str | None = None


def decode_soap(status: int, body: bytes) -> SoapAnswer:
    """Decode a SOAP answer body."""
    root = etree.fromstring(body)
    fault = root.find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    if fault is not None:
        return SoapAnswer(
            status,
            fault_code=fault.findtext("faultcode"),
            fault_string=fault.findtext("faultstring"),
        )
    ret = root.find(".//return")
    assert ret is not None
    if len(ret):
        return SoapAnswer(status, {child.tag: child.text for child in ret})
    return SoapAnswer(status, ret.text)


class Wire:
    """Raw HTTP to one emulator, with one keep-alive session."""

    def __init__(self, base_url: str, control_token: str | None = None) -> None:
        self.base = base_url
        self.http = requests.Session()
        if control_token:  # every request of this helper carries it, as a script's would
            self.http.headers["X-Emulator-Token"] = control_token

    # -- SOAP ------------------------------------------------------------------------------
    def soap_raw(self, body: bytes) -> requests.Response:
        return self.http.post(
            f"{self.base}/soap/6.0/",
            data=body,
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=10,
        )

    def soap(self, operation: str, *params: Any) -> SoapAnswer:
        response = self.soap_raw(soap_envelope(operation, list(params)))
        return decode_soap(response.status_code, response.content)

    # -- JSON-RPC --------------------------------------------------------------------------
    def rpc_raw(self, payload: Any) -> requests.Response:
        return self.http.post(
            f"{self.base}/rpc/6.0/",
            json=payload,
            headers={"Accept": "application/json"},
            timeout=10,
        )

    def rpc(self, method: str, *params: Any) -> dict[str, Any]:
        request_id = next(_ids)
        answer = self.rpc_raw(
            {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}
        )
        assert answer.status_code == 200
        data: dict[str, Any] = answer.json()
        assert data["id"] == request_id
        return data

    # -- REST ------------------------------------------------------------------------------
    @staticmethod
    def rest_auth(
        code: str = MERCHANT,
        secret: str = SECRET,
        algo: str | None = "sha256",
        date: str | None = None,
    ) -> str:
        date = date or utc_date()
        digest = login_hash(code, date, secret, algo or "md5")
        header = f'code="{code}" date="{date}" hash="{digest}"'
        return f'{header} algo="{algo}"' if algo else header

    def rest(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        auth: str | None = "default",
        **headers: str,
    ) -> requests.Response:
        all_headers = {"Accept": "application/json", **headers}
        if auth == "default":
            all_headers["X-Avangate-Authentication"] = self.rest_auth()
        elif auth is not None:
            all_headers["X-Avangate-Authentication"] = auth
        return self.http.get(
            f"{self.base}/rest/6.0/{path}", params=params, headers=all_headers, timeout=10
        )

    # -- sessions --------------------------------------------------------------------------
    def login_soap(self, algo: str = "sha256") -> str:
        date = utc_date()
        answer = self.soap("login", MERCHANT, date, login_hash(MERCHANT, date, algo=algo), algo)
        assert answer.status == 200, answer
        return str(answer.value)

    def login_rpc(self) -> str:
        date = utc_date()
        data = self.rpc("login", MERCHANT, date, login_hash(MERCHANT, date), "sha256")
        return str(data["result"])

    def get(self, url: str) -> requests.Response:
        return self.http.get(url, timeout=10)

    def control(self, method: str, endpoint: str, payload: Any = None) -> requests.Response:
        return self.http.request(
            method,
            f"{self.base}/__emulator__/{endpoint}",
            json=payload,
            timeout=10,
        )
