"""The emulator's error model: one exception, and how each protocol numbers it.

Every API failure is an :class:`ApiError` carrying a 2Checkout-style string code (for example
``AUTHENTICATION_FAILED``). Each protocol renders it its own way:

* SOAP: a SOAP 1.1 fault, HTTP 500, ``<faultcode>`` = the string code, unqualified, as PHP's
  ``SoapFault`` sends it.
* JSON-RPC: HTTP 200, ``error.code`` = the numeric code of the code's family (table below),
  ``error.message`` = the message, ``error.data.error_code`` = the string code.
* REST: the HTTP status of the family (table below), body ``{"error_code": ..., "message": ...}``.

========================  =====================================================  ========  ====
family                    string codes                                           JSON-RPC  REST
========================  =====================================================  ========  ====
legacy access (notes)     ``FORBIDDEN``                                          10000     401
legacy access (notes)     ``INVALID_SESSION``                                    10001     401
legacy access (notes)     ``SESSION_EXPIRED`` (expired *or unknown* sessionID)   10002     401
authentication            ``AUTHENTICATION_FAILED``                              10401     401
validation                ``INVALID_PAGE``, ``INVALID_URL``,                     10400     400
                          ``INVALID_VALIDITY_TIME``, ``INVALID_IP``,
                          ``INVALID_CUSTOMER_TYPE``, ``INVALID_EMAIL``,
                          ``INVALID_REQUEST``, ``INVALID_LANGUAGE``,
                          ``INVALID_PARAMS``
partner                   ``INVALID_PARTNER``, ``INVALID_USER``                  10403     403
not found                 ``CUSTOMER_NOT_FOUND``, ``SUBSCRIPTION_NOT_FOUND``,    10404     404
                          ``INVALID_TOKEN``, ``RESOURCE_NOT_FOUND``
internal / anything else  ``INTERNAL_ERROR`` and any other (injected) code       10500     500
========================  =====================================================  ========  ====

JSON-RPC protocol errors keep the JSON-RPC 2.0 numbers: -32700 (parse error), -32600 (invalid
request), -32601 (method not found), -32602 (wrong parameter count or shape; ``data.error_code``
``INVALID_PARAMS``).
"""

from __future__ import annotations

from typing import Final

#: JSON-RPC numeric code for each family; see the module docstring.
_LEGACY: Final[dict[str, int]] = {
    "FORBIDDEN": 10000,
    "INVALID_SESSION": 10001,
    "SESSION_EXPIRED": 10002,
}
_FAMILIES: Final[tuple[tuple[frozenset[str], int, int], ...]] = (
    (frozenset({"FORBIDDEN", "INVALID_SESSION", "SESSION_EXPIRED"}), 0, 401),
    (frozenset({"AUTHENTICATION_FAILED"}), 10401, 401),
    (
        frozenset(
            {
                "INVALID_PAGE",
                "INVALID_URL",
                "INVALID_VALIDITY_TIME",
                "INVALID_IP",
                "INVALID_CUSTOMER_TYPE",
                "INVALID_EMAIL",
                "INVALID_REQUEST",
                "INVALID_LANGUAGE",
                "INVALID_PARAMS",
            }
        ),
        10400,
        400,
    ),
    (frozenset({"INVALID_PARTNER", "INVALID_USER"}), 10403, 403),
    (
        frozenset(
            {"CUSTOMER_NOT_FOUND", "SUBSCRIPTION_NOT_FOUND", "INVALID_TOKEN", "RESOURCE_NOT_FOUND"}
        ),
        10404,
        404,
    ),
)
_INTERNAL_RPC: Final = 10500
_INTERNAL_HTTP: Final = 500

#: Standard JSON-RPC 2.0 error numbers.
JSONRPC_PARSE_ERROR: Final = -32700
JSONRPC_INVALID_REQUEST: Final = -32600
JSONRPC_METHOD_NOT_FOUND: Final = -32601
JSONRPC_INVALID_PARAMS: Final = -32602


class ApiError(Exception):
    """A 2Checkout API error: ``code`` is the string code, ``message`` a human sentence.

    The message never contains a secret, a hash, a sessionID or a token.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def jsonrpc_code(code: str) -> int:
    """Return the JSON-RPC ``error.code`` number for a string error ``code``."""
    if code in _LEGACY:
        return _LEGACY[code]
    for codes, number, _status in _FAMILIES:
        if code in codes:
            return number
    return _INTERNAL_RPC


def rest_status(code: str) -> int:
    """Return the HTTP status a REST request answers with for a string error ``code``."""
    for codes, _number, status in _FAMILIES:
        if code in codes:
            return status
    return _INTERNAL_HTTP
