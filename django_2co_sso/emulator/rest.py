"""REST 6.0 at ``/rest/6.0/``: the SSO resources, authenticated per request.

Every request carries ``X-Avangate-Authentication: code="X" date="..." hash="..." algo="..."``
(checked like login; missing or wrong -> 401 ``AUTHENTICATION_FAILED``). ``Accept`` may be
absent; if present it must allow JSON (else 406 ``NOT_ACCEPTABLE``). Trailing slashes are
optional. Resources (all ``GET``) and the operation name each counts as:

* ``/subscriptions/{SubscriptionReference}/signon/{PageType}/`` (getSingleSignOn): query
  ``Email``, ``LanguageCode``, ``ValidityTime``, ``ValidationIp``; PageType from the
  getSingleSignOn list or ``index``.
* ``/customers/{CustomerReference}/account/{PageType}/`` (getSingleSignOnByCustomer): query
  ``Lang`` (or ``LanguageCode``), ``ValidityTime``, ``ValidationIp``, ``Request``
  (``Request[]=code=<SubscriptionReference>`` for ``my_subscription``), optional
  ``CustomerType``; PageType ``index``, ``my_subscription``, ``user_data``, ``order_lookup``,
  ``faq``, ``payment_methods``.
* ``/customers/{CustomerReference}/cart/`` (getSingleSignOnInCart): query ``Url`` (required),
  ``ValidityTime``, ``ValidationIp``, optional ``CustomerType``.
* ``/customers/?ssotoken={token}`` (getCustomerInformationBySSOToken): the customer object.
* ``/subscriptions/?AvangateCustomerReference=...`` or ``?ExternalCustomerReference=...``
  (counted as getCustomerSubscriptions): ``{"Items": [subscription objects],
  "Pagination": {"Page": P, "Limit": L, "Count": total}}``, paged with ``Page`` (from 1) and
  ``Limit`` (1 to 200, default 10); without either reference every subscription of the account.
  A page number or limit out of range is ``INVALID_PARAMS``.

Without ``CustomerType`` a customer reference is looked up as an external reference first,
then as a 2Checkout reference. Success bodies: a JSON string (the URL) or the customer object.
Errors: ``{"error_code": "CODE", "message": "..."}`` with the status of :func:`.errors.rest_status`
(401 auth, 400 validation, 404 unknown reference or token, 406, 405 wrong method).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final
from urllib.parse import unquote

from .errors import ApiError, rest_status
from .gate import CallGate
from .messages import Request, Response, json_response
from .service import Service

PREFIX: Final = "/rest/6.0/"
CONTENT_TYPE: Final = "application/json; charset=utf-8"
_JSON_TYPES: Final = ("application/json", "application/*", "*/*")

_Action = Callable[[Service, Request], object]


def _error(code: str, message: str, status: int | None = None) -> Response:
    return json_response({"error_code": code, "message": message}, status or rest_status(code))


def _signon(reference: str, page: str) -> _Action:
    def action(service: Service, request: Request) -> object:
        return service.sso_by_subscription(
            reference,
            request.query_value("Email"),
            request.query_value("ValidityTime"),
            page,
            request.query_value("ValidationIp"),
            request.query_value("LanguageCode"),
        )

    return action


def _account(reference: str, page: str) -> _Action:
    def action(service: Service, request: Request) -> object:
        return service.sso_by_customer(
            reference,
            request.query_value("CustomerType"),
            page,
            request.query_value("Request"),
            request.query_value("ValidityTime"),
            request.query_value("ValidationIp"),
            request.query_value("Lang", "LanguageCode"),
            rest=True,
        )

    return action


def _cart(reference: str) -> _Action:
    def action(service: Service, request: Request) -> object:
        return service.sso_in_cart(
            reference,
            request.query_value("CustomerType"),
            request.query_value("Url"),
            request.query_value("ValidityTime"),
            request.query_value("ValidationIp"),
            rest=True,
        )

    return action


def _customer_by_token(service: Service, request: Request) -> object:
    token = request.query_value("ssotoken", "SsoToken", "SSOToken")
    if not token:
        raise ApiError("INVALID_TOKEN", "The ssotoken query parameter is required.")
    return service.customer_by_token(token)


#: Default and largest ``Limit`` of a paged search (the vendor's pagination notes).
DEFAULT_LIMIT: Final = 10
MAX_LIMIT: Final = 200


def _positive(request: Request, name: str, default: int, largest: int) -> int:
    value = request.query_value(name)
    if value is None or value == "":
        return default
    if not value.isdigit() or not 1 <= int(value) <= largest:
        raise ApiError("INVALID_PARAMS", f"{name} must be an integer from 1 to {largest}.")
    return int(value)


def _search_subscriptions(service: Service, request: Request) -> object:
    page = _positive(request, "Page", 1, 1_000_000)
    limit = _positive(request, "Limit", DEFAULT_LIMIT, MAX_LIMIT)
    avangate = request.query_value("AvangateCustomerReference")
    external = request.query_value("ExternalCustomerReference")
    if avangate or external:
        items = service.customer_subscriptions(avangate, external)
    else:
        items = service.all_subscriptions()
    start = (page - 1) * limit
    return {
        "Items": items[start : start + limit],
        "Pagination": {"Page": page, "Limit": limit, "Count": len(items)},
    }


def route(path: str) -> tuple[str, _Action] | None:
    """Map a path under ``/rest/6.0/`` to (operation name, action), or None if unknown."""
    parts = [unquote(p) for p in path[len(PREFIX) :].strip("/").split("/")]
    match parts:
        case ["subscriptions", ref, "signon", page] if ref and page:
            return "getSingleSignOn", _signon(ref, page)
        case ["customers", ref, "account", page] if ref and page:
            return "getSingleSignOnByCustomer", _account(ref, page)
        case ["customers", ref, "cart"] if ref:
            return "getSingleSignOnInCart", _cart(ref)
        case ["customers"]:
            return "getCustomerInformationBySSOToken", _customer_by_token
        case ["subscriptions"]:
            return "getCustomerSubscriptions", _search_subscriptions
    return None


def _accepts_json(accept: str | None) -> bool:
    if not accept:
        return True
    kinds = [item.split(";", 1)[0].strip().lower() for item in accept.split(",")]
    return any(kind in _JSON_TYPES for kind in kinds)


def handle(request: Request, service: Service, gate: CallGate) -> Response:
    """Answer a REST request."""
    found = route(request.path)
    if found is None:
        return _error("RESOURCE_NOT_FOUND", "No such REST resource.", 404)
    operation, action = found
    if request.method != "GET":
        response = _error("METHOD_NOT_ALLOWED", "Only GET is supported here.", 405)
        response.headers["Allow"] = "GET"
        return response
    if not _accepts_json(request.header("Accept")):
        return _error("NOT_ACCEPTABLE", "This API answers application/json only.", 406)
    try:
        override = gate.enter(request, "rest", operation, CONTENT_TYPE)
        if override is not None:
            return override
        service.authenticator.check_rest_header(request.header("X-Avangate-Authentication"))
        return json_response(action(service, request))
    except ApiError as exc:
        return _error(exc.code, exc.message)
