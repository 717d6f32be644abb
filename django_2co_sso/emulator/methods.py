"""The positional methods shared by SOAP and JSON-RPC: names, parameter order, dispatch.

Parameters are taken BY POSITION, as 2Checkout's clients send them. Each protocol layer decodes
its wire format to a list of Python scalars (``str``, ``int``, ``float``, ``bool`` or None for
null/absent) and calls :func:`invoke`. String parameters accept numbers (PHP would cast them);
integer parameters are checked by the service (``INVALID_VALIDITY_TIME``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Final

from .errors import ApiError
from .service import Service

Scalar = str | int | float | bool | None


@dataclasses.dataclass(frozen=True)
class Method:
    """A positional API method: its parameters in order, which are integers, how many are
    required (the rest are optional trailing ones) and what it returns."""

    name: str
    params: tuple[str, ...]
    required: int
    returns: str
    int_params: frozenset[str] = frozenset()


#: Every method, with its parameters in wire order.
METHODS: Final[dict[str, Method]] = {
    m.name: m
    for m in (
        Method("login", ("merchantCode", "date", "hash", "algo"), 3, "string"),
        Method(
            "getSingleSignOn",
            (
                "sessionID",
                "subscriptionReference",
                "email",
                "validityTime",
                "accessPage",
                "validationIp",
            ),
            6,
            "string",
            frozenset({"validityTime"}),
        ),
        Method(
            "getSingleSignOnByCustomer",
            (
                "sessionID",
                "idCustomer",
                "customerType",
                "page",
                "request",
                "validityTime",
                "validationIp",
                "languageCode",
            ),
            7,
            "string",
            frozenset({"validityTime"}),
        ),
        Method(
            "getSingleSignOnInCart",
            ("sessionID", "idCustomer", "customerType", "url", "validityTime", "validationIp"),
            6,
            "string",
            frozenset({"validityTime"}),
        ),
        Method(
            "getCustomerInformationBySSOToken",
            ("sessionID", "singleSignOnToken"),
            2,
            "Customer",
        ),
        Method("setPartner", ("sessionID", "partnerCode"), 2, "boolean"),
        Method(
            "getPartnerSingleSignOn",
            ("sessionID", "email", "partnerCode", "accessPage", "validityTime", "validationIP"),
            6,
            "string",
            frozenset({"validityTime"}),
        ),
        Method(
            "getCustomerSubscriptions",
            ("sessionID", "AvangateCustomerReference", "ExternalCustomerReference"),
            2,
            "SubscriptionList",
        ),
    )
}


def _text(value: Scalar, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise ApiError("INVALID_PARAMS", f"Parameter {name} must be a string.")
    return str(value)


def _args(method: Method, values: Sequence[Scalar]) -> list[Scalar]:
    """Pad to the full parameter count with None and coerce string parameters."""
    padded = [*values, *([None] * (len(method.params) - len(values)))]
    return [
        value if name in method.int_params else _text(value, name)
        for name, value in zip(method.params, padded, strict=True)
    ]


def _s(value: Scalar) -> str | None:
    # After _args every non-integer parameter is str or None.
    return value if isinstance(value, str) else None


_Handler = Callable[[Service, list[Scalar]], object]


def _login(service: Service, a: list[Scalar]) -> object:
    return service.login(a[0], a[1], a[2], a[3])


def _sso(service: Service, a: list[Scalar]) -> object:
    service.session(a[0])
    return service.sso_by_subscription(_s(a[1]), _s(a[2]), a[3], _s(a[4]), _s(a[5]))


def _sso_customer(service: Service, a: list[Scalar]) -> object:
    service.session(a[0])
    return service.sso_by_customer(_s(a[1]), _s(a[2]), _s(a[3]), _s(a[4]), a[5], _s(a[6]), _s(a[7]))


def _sso_cart(service: Service, a: list[Scalar]) -> object:
    service.session(a[0])
    return service.sso_in_cart(_s(a[1]), _s(a[2]), _s(a[3]), a[4], _s(a[5]))


def _customer_info(service: Service, a: list[Scalar]) -> object:
    service.session(a[0])
    return service.customer_by_token(_s(a[1]))


def _set_partner(service: Service, a: list[Scalar]) -> object:
    return service.set_partner(service.session(a[0]), _s(a[1]))


def _partner_sso(service: Service, a: list[Scalar]) -> object:
    session = service.session(a[0])
    return service.partner_sso(session, _s(a[1]), _s(a[2]), _s(a[3]), a[4], _s(a[5]))


def _customer_subscriptions(service: Service, a: list[Scalar]) -> object:
    service.session(a[0])
    return service.customer_subscriptions(_s(a[1]), _s(a[2]))


_HANDLERS: Final[dict[str, _Handler]] = {
    "login": _login,
    "getSingleSignOn": _sso,
    "getSingleSignOnByCustomer": _sso_customer,
    "getSingleSignOnInCart": _sso_cart,
    "getCustomerInformationBySSOToken": _customer_info,
    "setPartner": _set_partner,
    "getPartnerSingleSignOn": _partner_sso,
    "getCustomerSubscriptions": _customer_subscriptions,
}


def invoke(service: Service, method: Method, values: Sequence[Scalar]) -> object:
    """Call ``method`` with positional ``values`` (fewer = trailing nulls; more is an error).

    Returns a ``str`` URL/sessionID, a ``bool``, a customer ``dict`` or a list of subscription
    ``dict``; raises
    :class:`~.errors.ApiError`.
    """
    if len(values) > len(method.params):
        raise ApiError(
            "INVALID_PARAMS",
            f"{method.name} takes at most {len(method.params)} parameters, got {len(values)}.",
        )
    return _HANDLERS[method.name](service, _args(method, values))
