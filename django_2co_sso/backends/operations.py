"""The table of 2Checkout operations: one entry per API call the client makes.

This is the client's own description of the API (the emulator keeps its own, written
apart). Each :class:`Operation` in :data:`OPERATIONS` says everything the backends need to
know about one call, so that the pipeline (:mod:`django_2co_sso.backends.base`) and the
transports (SOAP, JSON-RPC, REST, in-memory) stay free of per-call code:

``name``
    2Checkout's method name: the SOAP operation and JSON-RPC method, and the name in the
    log line and the locmem outbox.
``request``
    The frozen request type (a :class:`Validated` dataclass): each field names its rule
    (:func:`rule`, built on :mod:`django_2co_sso.validation`), and
    ``validated(backend, **arguments)`` applies them in field order, returning the request or
    raising an :class:`~django_2co_sso.exceptions.InvalidInputError` before any network call.
``wire``
    The positional parameters for SOAP and JSON-RPC (after the sessionID), in the
    documented order: :class:`Param` entries naming request attributes, each saying how an
    empty value is sent (as it is, as null, or, for trailing optional ones, left out).
``rest``
    A :class:`RestRoute` (path template, query parameters, paging), or None when REST has
    no such request: the REST backend then sends the operation over JSON-RPC.
``answer``
    What 2Checkout answers, checked by the pipeline: :attr:`Answer.URL` (an SSO URL,
    followed only on ``ALLOWED_SSO_HOSTS``), :attr:`Answer.OBJECT` (one object, as a
    dict), :attr:`Answer.OBJECTS` (a list of objects; over REST possibly paged) or
    :attr:`Answer.ANY` (not checked).
``before``
    Operations sent first, in the same session and with the same request
    (``setPartner`` before ``getPartnerSingleSignOn``).

Adding an operation is one :class:`Operation` in :data:`OPERATIONS` and, when its
parameters are new, one request type whose fields name their rules; adding a parameter is
one field with its rule and one :class:`Param` (or query name). Nothing else in
``backends/`` changes. Call it with ``get_backend().call("name", **arguments)``.
"""

from __future__ import annotations

import dataclasses
import enum
import string
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Self, TypeAlias

from .. import validation as v
from ..exceptions import InvalidPageError, InvalidReferenceError

if TYPE_CHECKING:
    from .base import BaseBackend

__all__ = [
    "CART_SSO",
    "CUSTOMER_BY_TOKEN",
    "CUSTOMER_SSO",
    "CUSTOMER_SUBSCRIPTIONS",
    "LOGIN",
    "OPERATIONS",
    "PARTNER_SSO",
    "SET_PARTNER",
    "SUBSCRIPTION_SSO",
    "Answer",
    "Blank",
    "CartSSO",
    "CustomerSSO",
    "CustomerSubscriptions",
    "Login",
    "Operation",
    "Param",
    "PartnerSSO",
    "RestRoute",
    "SubscriptionSSO",
    "TokenRequest",
]


class Answer(enum.Enum):
    """What an operation's answer is, and so how the pipeline checks it."""

    #: An SSO URL (a string, or an object with ``url``): must be on ``ALLOWED_SSO_HOSTS``.
    URL = "url"
    #: One object, returned as a dict.
    OBJECT = "object"
    #: A list of objects (dicts); REST may spread it over pages.
    OBJECTS = "objects"
    #: Anything (``setPartner``'s boolean); not checked.
    ANY = "any"


class Blank(enum.Enum):
    """How a positional parameter whose value is None or ``""`` is sent."""

    #: As it is (None as null/``xsd:nil``, ``""`` as an empty string).
    SEND = "send"
    #: As null.
    NULL = "null"
    #: Left out: only for trailing optional parameters.
    OMIT = "omit"


@dataclasses.dataclass(frozen=True)
class Param:
    """One positional SOAP/JSON-RPC parameter: the request attribute it comes from."""

    field: str
    blank: Blank = Blank.SEND


@dataclasses.dataclass(frozen=True, eq=False)
class RestRoute:
    """How an operation is sent over REST: ``GET {API_URL}/rest/6.0/{path}?{query}``.

    ``path`` is a template whose ``{field}`` placeholders are request attributes, each
    sent as one URL-quoted segment (``defaults`` gives the segment for an empty value).
    ``query`` maps REST parameter names to request attributes; None and ``""`` are left
    out. ``customer_type`` adds ``REST_CUSTOMER_TYPE_PARAM`` (when that setting names one)
    with the request's ``customer_type``. ``paged``: the answer is a list that REST serves
    page by page (``Page``, ``Limit``), joined by the transport.
    """

    path: str
    query: Mapping[str, str] = dataclasses.field(default_factory=dict)
    defaults: Mapping[str, str] = dataclasses.field(default_factory=dict)
    customer_type: bool = False
    paged: bool = False
    fields: tuple[str, ...] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        names = tuple(name for _, name, _, _ in string.Formatter().parse(self.path) if name)
        object.__setattr__(self, "fields", names)


@dataclasses.dataclass(frozen=True, eq=False)
class Operation:
    """One 2Checkout API call; see the module docstring for each field."""

    name: str
    #: A frozen dataclass with a ``validated(backend, /, **arguments)`` class method.
    request: type[Any]
    #: :class:`Param` entries; a plain string is ``Param(string)`` (sent as it is).
    wire: tuple[Param | str, ...]
    rest: RestRoute | None
    answer: Answer
    before: tuple[Operation, ...] = ()
    params: tuple[Param, ...] = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        params = tuple(Param(p) if isinstance(p, str) else p for p in self.wire)
        object.__setattr__(self, "params", params)
        blanks = [param.blank for param in params]
        tail = blanks[blanks.index(Blank.OMIT) :] if Blank.OMIT in blanks else []
        if any(blank is not Blank.OMIT for blank in tail):
            raise ValueError(f"{self.name}: only trailing parameters may be left out.")

    def __repr__(self) -> str:
        return f"<Operation {self.name}>"

    def positional(self, request: Any, session_id: str | None = None) -> list[Any]:
        """The SOAP/JSON-RPC parameters for ``request`` in wire order, ``session_id`` first."""
        values: list[Any] = [] if session_id is None else [session_id]
        for param in self.params:
            value = getattr(request, param.field)
            if param.blank is not Blank.SEND and (value is None or value == ""):
                if param.blank is Blank.OMIT:
                    break
                value = None
            values.append(value)
        return values


# -- request types and their validation rules ---------------------------------------------

#: A validation rule: ``check(value, name, backend, values)`` returns the clean value of
#: field ``name`` or raises an InvalidInputError; ``values`` holds the fields checked before.
Check: TypeAlias = Callable[[Any, str, "BaseBackend", dict[str, Any]], Any]
_ABSENT: Any = object()


def rule(check: Check, *, default: Any = None, derived: bool = False, shown: bool = True) -> Any:
    """A request field validated by ``check``.

    ``default`` is used when the caller leaves the argument out; a ``derived`` field is no
    argument at all: ``check`` computes it from the fields before it. A field not ``shown``
    is left out of the request's repr (tokens).
    """
    return dataclasses.field(
        repr=shown, metadata={"check": check, "default": _ABSENT if derived else default}
    )


#: Each request type's (field name, default, check), in field order; filled on first use.
_CHECKS: dict[type, tuple[tuple[str, Any, Check], ...]] = {}


class Validated:
    """Base of the request types: :meth:`validated` checks each field, in field order."""

    @classmethod
    def validated(cls, backend: BaseBackend, /, **arguments: Any) -> Self:
        """The request for ``arguments``, or an InvalidInputError naming the bad one.

        Raises TypeError for an argument the request has no field for.
        """
        checks = _CHECKS.get(cls)
        if checks is None:
            fields = dataclasses.fields(cls)  # type: ignore[arg-type]
            checks = tuple((f.name, f.metadata["default"], f.metadata["check"]) for f in fields)
            _CHECKS[cls] = checks
        values: dict[str, Any] = {}
        for name, default, check in checks:
            value = None if default is _ABSENT else arguments.pop(name, default)
            values[name] = check(value, name, backend, values)
        if arguments:
            raise TypeError(f"{cls.__name__} has no argument {', '.join(sorted(arguments))}.")
        return cls(**values)


def reference(value: Any, name: str, backend: BaseBackend, values: dict[str, Any]) -> str:
    """A customer, subscription or partner reference."""
    return v.validate_reference(value, field=name)


def reference_type(value: Any, name: str, backend: BaseBackend, values: dict[str, Any]) -> str:
    """``"external"`` or ``"2checkout"``."""
    return v.validate_reference_type(value)


def customer_type(value: Any, name: str, backend: BaseBackend, values: dict[str, Any]) -> str:
    """Derived: the wire ``customerType`` for the validated ``reference_type``."""
    if values["reference_type"] == "2checkout":
        return backend.config.customer_type_2checkout
    return backend.config.customer_type_external


def subscription_page(
    value: Any, name: str, backend: BaseBackend, values: dict[str, Any]
) -> str | None:
    """One of the getSingleSignOn pages, or None for the home page."""
    return v.validate_page(value, v.SUBSCRIPTION_PAGES)


def customer_page(
    value: Any, name: str, backend: BaseBackend, values: dict[str, Any]
) -> str | None:
    """One of the backend's customer pages, or None for the home page."""
    return v.validate_page(value, backend.customer_pages)


def page_subscription(
    value: Any, name: str, backend: BaseBackend, values: dict[str, Any]
) -> str | None:
    """The subscription of ``page="my_subscription"`` (required there, refused elsewhere)."""
    if values["page"] == "my_subscription":
        return v.validate_reference(value, field=name)
    if value is not None:
        raise InvalidPageError(
            "subscription_reference is only used with page='my_subscription'.", field=name
        )
    return None


def optional_email(
    value: Any, name: str, backend: BaseBackend, values: dict[str, Any]
) -> str | None:
    """An e-mail address, or None."""
    return v.validate_email(value, required=False)


def email(value: Any, name: str, backend: BaseBackend, values: dict[str, Any]) -> str:
    """An e-mail address (required)."""
    return str(v.validate_email(value, required=True))


def language(value: Any, name: str, backend: BaseBackend, values: dict[str, Any]) -> str | None:
    """An ISO 639-1 code; None gives ``DEFAULT_LANGUAGE``."""
    return v.validate_language(value if value is not None else backend.config.default_language)


def validity_time(value: Any, name: str, backend: BaseBackend, values: dict[str, Any]) -> int:
    """Seconds, at most ``MAX_VALIDITY_TIME``; None gives ``DEFAULT_VALIDITY_TIME``."""
    config = backend.config
    return v.validate_validity_time(
        value, default=config.default_validity_time, maximum=config.max_validity_time
    )


def ip(value: Any, name: str, backend: BaseBackend, values: dict[str, Any]) -> str:
    """An IP address, or ``""`` for none."""
    return v.validate_ip(value)


def allowed_url(value: Any, name: str, backend: BaseBackend, values: dict[str, Any]) -> str:
    """An https URL on one of ``ALLOWED_SSO_HOSTS``."""
    return v.validate_allowed_url(value, backend.config.allowed_sso_hosts, field=name)


def token(value: Any, name: str, backend: BaseBackend, values: dict[str, Any]) -> str:
    """An SSO token."""
    return v.validate_token(value)


def twocheckout_reference(
    value: Any, name: str, backend: BaseBackend, values: dict[str, Any]
) -> int | str | None:
    """2Checkout's customer reference, or None; an integer when it is all digits."""
    if not value:
        return None
    checked = v.validate_reference(value, field=name)
    return int(checked) if checked.isdigit() else checked


def external_reference(
    value: Any, name: str, backend: BaseBackend, values: dict[str, Any]
) -> str | None:
    """The shop's customer reference, or None; one of the two references is needed."""
    if not value:
        if values["twocheckout_reference"] is None:
            raise InvalidReferenceError(
                "Give 2Checkout's customer reference, the external one, or both.",
                field="customer_reference",
            )
        return None
    return v.validate_reference(value, field=name)


@dataclasses.dataclass(frozen=True)
class Login:
    """The login request, built and signed by the pipeline; the hash is not shown."""

    merchant_code: str
    date: str
    hash: str = dataclasses.field(repr=False)
    algo: str | None

    @classmethod
    def validated(cls, backend: BaseBackend, /, **arguments: Any) -> Self:
        """Refused: the pipeline logs in by itself (``check_credentials`` to try it)."""
        raise TypeError("login is not called directly: the pipeline signs and sends it.")


@dataclasses.dataclass(frozen=True)
class SubscriptionSSO(Validated):
    """A getSingleSignOn request."""

    subscription_reference: str = rule(reference)
    page: str | None = rule(subscription_page)
    email: str | None = rule(optional_email)
    language: str | None = rule(language)
    validity_time: int = rule(validity_time)
    validation_ip: str = rule(ip)


@dataclasses.dataclass(frozen=True)
class CustomerSSO(Validated):
    """A getSingleSignOnByCustomer request (``customer_type`` is the wire value)."""

    page: str | None = rule(customer_page)
    subscription_reference: str | None = rule(page_subscription)
    reference_type: str = rule(reference_type, default="external")
    customer_type: str = rule(customer_type, derived=True)
    customer_reference: str = rule(reference)
    language: str | None = rule(language)
    validity_time: int = rule(validity_time)
    validation_ip: str = rule(ip)

    @property
    def request(self) -> str | None:
        """The ``request`` parameter: ``Request[]=code=<ref>`` for my_subscription."""
        if self.subscription_reference is None:
            return None
        return f"Request[]=code={self.subscription_reference}"


@dataclasses.dataclass(frozen=True)
class CartSSO(Validated):
    """A getSingleSignOnInCart request."""

    reference_type: str = rule(reference_type, default="external")
    customer_type: str = rule(customer_type, derived=True)
    customer_reference: str = rule(reference)
    cart_url: str = rule(allowed_url)
    validity_time: int = rule(validity_time)
    validation_ip: str = rule(ip)


@dataclasses.dataclass(frozen=True)
class PartnerSSO(Validated):
    """A setPartner + getPartnerSingleSignOn request."""

    partner_code: str = rule(reference)
    email: str = rule(email)
    access_page: str = rule(allowed_url)
    validity_time: int = rule(validity_time)
    validation_ip: str = rule(ip, default="")


@dataclasses.dataclass(frozen=True)
class TokenRequest(Validated):
    """A getCustomerInformationBySSOToken request (the token is not shown)."""

    token: str = rule(token, shown=False)


@dataclasses.dataclass(frozen=True)
class CustomerSubscriptions(Validated):
    """A getCustomerSubscriptions request: 2Checkout's and/or your reference.

    2Checkout's reference is numeric and sent as an integer when it is one (the API types
    it ``int``); at least one of the two is needed, and both must name one customer.
    """

    twocheckout_reference: int | str | None = rule(twocheckout_reference)
    external_reference: str | None = rule(external_reference)


# -- the table ----------------------------------------------------------------------------

#: ``validation_ip`` sent as null when empty (all but getPartnerSingleSignOn).
IP_OR_NULL = Param("validation_ip", Blank.NULL)
#: The REST query parameters of every SSO link.
VALIDITY_AND_IP = {"ValidityTime": "validity_time", "ValidationIp": "validation_ip"}

LOGIN = Operation(
    "login",
    Login,
    wire=("merchant_code", "date", "hash", Param("algo", Blank.OMIT)),
    rest=None,  # REST signs every request; check_credentials sends one signed request
    answer=Answer.ANY,
)

SUBSCRIPTION_SSO = Operation(
    "getSingleSignOn",
    SubscriptionSSO,
    wire=("subscription_reference", "email", "validity_time", "page", IP_OR_NULL),
    rest=RestRoute(
        "subscriptions/{subscription_reference}/signon/{page}/",
        query={"Email": "email", "LanguageCode": "language", **VALIDITY_AND_IP},
        defaults={"page": "index"},
    ),
    answer=Answer.URL,
)

CUSTOMER_SSO = Operation(
    "getSingleSignOnByCustomer",
    CustomerSSO,
    wire=(
        *("customer_reference", "customer_type", "page", "request", "validity_time"),
        *(IP_OR_NULL, Param("language", Blank.OMIT)),
    ),
    rest=RestRoute(
        "customers/{customer_reference}/account/{page}/",
        query={"Lang": "language", **VALIDITY_AND_IP, "Request": "request"},
        defaults={"page": "index"},
        customer_type=True,
    ),
    answer=Answer.URL,
)

CART_SSO = Operation(
    "getSingleSignOnInCart",
    CartSSO,
    wire=("customer_reference", "customer_type", "cart_url", "validity_time", IP_OR_NULL),
    rest=RestRoute(
        "customers/{customer_reference}/cart/",
        query={"Url": "cart_url", **VALIDITY_AND_IP},
        customer_type=True,
    ),
    answer=Answer.URL,
)

SET_PARTNER = Operation("setPartner", PartnerSSO, ("partner_code",), rest=None, answer=Answer.ANY)

PARTNER_SSO = Operation(
    "getPartnerSingleSignOn",
    PartnerSSO,
    # validation_ip is never null for this method ("" allowed)
    wire=("email", "partner_code", "access_page", "validity_time", "validation_ip"),
    rest=None,  # REST has no Channel Manager requests
    answer=Answer.URL,
    before=(SET_PARTNER,),
)

CUSTOMER_BY_TOKEN = Operation(
    "getCustomerInformationBySSOToken",
    TokenRequest,
    wire=("token",),
    rest=RestRoute("customers/", query={"ssotoken": "token"}),
    answer=Answer.OBJECT,
)

CUSTOMER_SUBSCRIPTIONS = Operation(
    "getCustomerSubscriptions",
    CustomerSubscriptions,
    wire=(Param("twocheckout_reference", Blank.NULL), Param("external_reference", Blank.OMIT)),
    rest=RestRoute(
        "subscriptions/",
        query={
            "AvangateCustomerReference": "twocheckout_reference",
            "ExternalCustomerReference": "external_reference",
        },
        paged=True,
    ),
    answer=Answer.OBJECTS,
)

#: Every operation by name; ``get_backend().call(name, **arguments)`` calls any of them.
OPERATIONS: dict[str, Operation] = {
    operation.name: operation
    for operation in (
        LOGIN,
        SUBSCRIPTION_SSO,
        CUSTOMER_SSO,
        CART_SSO,
        SET_PARTNER,
        PARTNER_SSO,
        CUSTOMER_BY_TOKEN,
        CUSTOMER_SUBSCRIPTIONS,
    )
}
