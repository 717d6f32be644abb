"""The JSON-RPC 2.0 backend: ``POST {API_URL}/rpc/6.0/`` with positional params.

Success is ``{"result": ...}``; failure ``{"error": {"code", "message", "data"?}}``,
whose 2Checkout code is ``data.error_code`` when present, else the numeric ``code``.
One pooled ``requests.Session`` per backend; every call has the configured timeouts.
"""

from __future__ import annotations

import itertools
from typing import Any

from ..conf import SSOConfig
from ..exceptions import BadResponseError
from .base import SessionBackend
from .http import json_body, mapped_transport_errors, new_session


class JsonRpcBackend(SessionBackend):
    """2Checkout API 6.0 over JSON-RPC."""

    protocol = "rpc"

    def __init__(self, config: SSOConfig) -> None:
        super().__init__(config)
        self.endpoint = config.endpoint("rpc")
        self.http = new_session(ca_bundle=config.ca_bundle)
        self._ids = itertools.count(1)
        self._timeout = (config.connect_timeout, config.timeout)

    def _invoke(self, method: str, params: list[Any]) -> Any:
        return self._upstream(method, lambda: self._post(method, params))

    def _post(self, method: str, params: list[Any]) -> Any:
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        with mapped_transport_errors(method):
            response = self.http.post(self.endpoint, json=body, timeout=self._timeout)
        if response.status_code >= 500 and "json" not in response.headers.get("Content-Type", ""):
            raise BadResponseError(
                f"2Checkout answered {method} with HTTP {response.status_code}.",
                status=response.status_code,
            )
        payload = json_body(response, method)
        if not isinstance(payload, dict):
            raise BadResponseError(f"2Checkout answered {method} with a non-object JSON body.")
        error = payload.get("error")
        if error is not None:
            if not isinstance(error, dict):
                raise self._api_error(method, "UNKNOWN", error)
            data = error.get("data")
            code = data.get("error_code") if isinstance(data, dict) else None
            raise self._api_error(
                method, code or error.get("code", "UNKNOWN"), error.get("message")
            )
        if response.status_code != 200 or "result" not in payload:
            raise BadResponseError(
                f"2Checkout answered {method} with HTTP {response.status_code} and no result.",
                status=response.status_code,
            )
        return payload["result"]
