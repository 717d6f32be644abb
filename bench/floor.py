"""The floor: the same SSO call as a redirect makes, sent bare with a prebuilt body.

One keep-alive ``requests`` session, a body built once (a SOAP envelope shaped as zeep
sends it, a JSON-RPC request, or a signed REST GET), nothing else: no validation, no
cache, no client library. Needs no Django.
"""

from __future__ import annotations

import json
import os
from typing import Any

CUSTOMER = "shop-customer-1"


def verify() -> str | bool:
    """The run's CA bundle (``BENCH_CA_BUNDLE``) when the emulator serves https."""
    return os.environ.get("BENCH_CA_BUNDLE") or True


def soap_envelope(method: str, params: list[tuple[str, Any]]) -> bytes:
    """The envelope zeep sends for an rpc call (``None`` as ``xsi:nil``)."""
    xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    parts = []
    for name, value in params:
        if value is None:
            parts.append(f'<{name} {xsi} xsi:nil="true"/>')
        else:
            parts.append(f"<{name}>{value}</{name}>")
    return (
        '<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<soap-env:Body><ns0:{method} xmlns:ns0="urn:order">{"".join(parts)}</ns0:{method}>'
        "</soap-env:Body></soap-env:Envelope>"
    ).encode()


SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


class Floor:
    """One keep-alive ``requests`` session sending the prebuilt SSO call for ``protocol``."""

    def __init__(self, protocol: str, api_url: str, session_id: str | None) -> None:
        import requests

        from django_2co_sso.signing import rest_auth_header, utc_date

        self.http = requests.Session()
        self.protocol = protocol
        api = api_url.rstrip("/")
        if protocol == "soap":
            self.url = f"{api}/soap/6.0/"
            self.body = soap_envelope(
                "getSingleSignOnByCustomer",
                [
                    ("sessionID", session_id),
                    ("idCustomer", CUSTOMER),
                    ("customerType", "ExternalCustomerReference"),
                    ("page", None),
                    ("request", None),
                    ("validityTime", 10),
                    ("validationIp", "127.0.0.1"),
                    ("languageCode", "en"),
                ],
            )
        elif protocol == "rpc":
            self.url = f"{api}/rpc/6.0/"
            self.body = json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "getSingleSignOnByCustomer",
                    "params": [
                        session_id,
                        CUSTOMER,
                        "ExternalCustomerReference",
                        None,
                        None,
                        10,
                        "127.0.0.1",
                        "en",
                    ],
                }
            ).encode()
        else:
            self.url = (
                f"{api}/rest/6.0/customers/{CUSTOMER}/account/index/"
                "?Lang=en&ValidityTime=10&ValidationIp=127.0.0.1"
            )
            header = rest_auth_header("EMULATOR", "emulator-secret-key", "sha256", utc_date())
            self.headers = {"X-Avangate-Authentication": header, "Accept": "application/json"}

    def __call__(self) -> float:
        """Send the call once; return the emulator's service time (ms)."""
        if self.protocol == "soap":
            response = self.http.post(
                self.url, data=self.body, headers=SOAP_HEADERS, verify=verify()
            )
        elif self.protocol == "rpc":
            response = self.http.post(
                self.url,
                data=self.body,
                headers={"Content-Type": "application/json"},
                verify=verify(),
            )
        else:
            response = self.http.get(self.url, headers=self.headers, verify=verify())
        if response.status_code != 200 or b"logintoken" not in response.content:
            raise RuntimeError(f"floor call failed: HTTP {response.status_code}")
        return float(response.headers.get("X-Emulator-Service-Time", "nan"))


def login_session_id(protocol: str, api_url: str) -> str:
    """A fresh sessionID from a bare login (for the floor of SOAP and JSON-RPC)."""
    import requests

    from django_2co_sso.signing import login_hash, utc_date

    date = utc_date()
    digest = login_hash("EMULATOR", date, "emulator-secret-key", "sha256")
    api = api_url.rstrip("/")
    if protocol == "soap":
        body = soap_envelope(
            "login",
            [("merchantCode", "EMULATOR"), ("date", date), ("hash", digest), ("algo", "sha256")],
        )
        text = requests.post(
            f"{api}/soap/6.0/", data=body, headers=SOAP_HEADERS, timeout=10, verify=verify()
        ).text
        start = text.index("<return")
        return text[text.index(">", start) + 1 : text.index("</return>")]
    payload = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "login",
        "params": ["EMULATOR", date, digest, "sha256"],
    }
    return str(
        requests.post(f"{api}/rpc/6.0/", json=payload, timeout=10, verify=verify()).json()["result"]
    )
