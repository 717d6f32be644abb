"""JSON-RPC 2.0 at ``POST /rpc/6.0/``: the same methods as SOAP, positional ``params``.

Success: ``{"jsonrpc": "2.0", "id": <request id>, "result": ...}``. Failure (HTTP 200):
``{"jsonrpc": "2.0", "id": ..., "error": {"code": <int>, "message": "...",
"data": {"error_code": "<2Checkout code>"}}}`` with the numbers of :mod:`.errors`. Protocol
errors: malformed JSON -32700, not a request object -32600, unknown method -32601, ``params``
not a list or a wrong count (the documented optional trailing parameters, ``algo`` of login and
``languageCode`` of getSingleSignOnByCustomer, may be left out) -32602 with ``INVALID_PARAMS``.
"""

from __future__ import annotations

from typing import Any, Final

from . import jsonbody
from .errors import (
    JSONRPC_INVALID_PARAMS,
    JSONRPC_INVALID_REQUEST,
    JSONRPC_METHOD_NOT_FOUND,
    JSONRPC_PARSE_ERROR,
    ApiError,
    jsonrpc_code,
)
from .gate import CallGate
from .messages import Request, Response, json_response
from .methods import METHODS, Scalar, invoke
from .service import Service

CONTENT_TYPE: Final = "application/json; charset=utf-8"


def _error(request_id: Any, code: int, message: str, error_code: str | None = None) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if error_code is not None:
        error["data"] = {"error_code": error_code}
    return json_response({"jsonrpc": "2.0", "id": request_id, "error": error})


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def handle_post(request: Request, service: Service, gate: CallGate) -> Response:
    """Answer one JSON-RPC request object (batches are not supported: -32600)."""
    try:
        payload = jsonbody.loads(request.body)
    except jsonbody.BadJSON:
        return _error(None, JSONRPC_PARSE_ERROR, "Parse error", "PARSE_ERROR")
    if not isinstance(payload, dict) or not isinstance(payload.get("method"), str):
        return _error(None, JSONRPC_INVALID_REQUEST, "Invalid Request", "INVALID_REQUEST")
    request_id = payload.get("id")
    name: str = payload["method"]
    method = METHODS.get(name)
    if method is None:
        return _error(
            request_id, JSONRPC_METHOD_NOT_FOUND, f"Method not found: {name}", "METHOD_NOT_FOUND"
        )
    params = payload.get("params", [])
    if (
        not isinstance(params, list)
        or not method.required <= len(params) <= len(method.params)
        or not all(_is_scalar(p) for p in params)
    ):
        expected = (
            f"{method.required}"
            if method.required == len(method.params)
            else f"{method.required} to {len(method.params)}"
        )
        return _error(
            request_id,
            JSONRPC_INVALID_PARAMS,
            f"Invalid params: {name} takes a list of {expected} scalar parameters "
            f"({', '.join(method.params)}).",
            "INVALID_PARAMS",
        )
    values: list[Scalar] = params
    try:
        override = gate.enter(request, "rpc", name, CONTENT_TYPE)
        if override is not None:
            return override
        result = invoke(service, method, values)
    except ApiError as exc:
        return _error(request_id, jsonrpc_code(exc.code), exc.message, exc.code)
    return json_response({"jsonrpc": "2.0", "id": request_id, "result": result})
