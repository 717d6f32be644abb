"""The JSON-RPC 2.0 backend: ``POST {API_URL}/rpc/6.0/`` with positional params.

Success is ``{"result": ...}``; failure ``{"error": {"code", "message", "data"?}}``,
whose 2Checkout code is ``data.error_code`` when present, else the numeric ``code``.
One pooled ``requests.Session`` per transport; every call has the configured timeouts.
The parameters of each call and their order come from the operation table
(:mod:`django_2co_sso.backends.operations`), with the sessionID first.
"""

from __future__ import annotations

import itertools
from typing import Any

from ..conf import SSOConfig
from ..exceptions import BadResponseError
from .base import BaseBackend
from .http import HttpTransport, json_body, mapped_transport_errors
from .operations import Operation


class JsonRpcTransport(HttpTransport):
    """Sends operations as JSON-RPC 2.0 requests with positional ``params``."""

    protocol = "rpc"
    uses_session = True

    def __init__(self, config: SSOConfig) -> None:
        super().__init__(config)
        self._ids = itertools.count(1)

    def send(self, operation: Operation, request: Any, session_id: str | None) -> Any:
        method = operation.name
        body = {
            "jsonrpc": "2.0",
            "id": next(self._ids),
            "method": method,
            "params": operation.positional(request, session_id),
        }
        with mapped_transport_errors(method):
            response = self.http.post(self.endpoint, json=body, timeout=self.timeout)
        payload = json_body(response, method)
        if not isinstance(payload, dict):
            raise BadResponseError(f"2Checkout answered {method} with a non-object JSON body.")
        error = payload.get("error")
        if error is not None:
            if not isinstance(error, dict):
                raise self.api_error(method, "UNKNOWN", error, session_id)
            data = error.get("data")
            code = data.get("error_code") if isinstance(data, dict) else None
            raise self.api_error(
                method, code or error.get("code", "UNKNOWN"), error.get("message"), session_id
            )
        if response.status_code != 200 or "result" not in payload:
            raise BadResponseError(
                f"2Checkout answered {method} with HTTP {response.status_code} and no result.",
                status=response.status_code,
            )
        return payload["result"]


class JsonRpcBackend(BaseBackend):
    """2Checkout API 6.0 over JSON-RPC."""

    transport_class = JsonRpcTransport
