"""The table of 2Checkout operations: one entry per API call the client makes.

This is the client's own description of the API (the emulator keeps its own, written
apart). Each :class:`Operation` in :data:`OPERATIONS` says everything the backends need to
know about one call, so that the pipeline (:mod:`django_2co_sso.backends.base`) and the
transports (SOAP, JSON-RPC, REST, in-memory) stay free of per-call code:

``name``
    2Checkout's method name: the SOAP operation and JSON-RPC method, and the name in the
    log line and the locmem outbox.
``request``
    The frozen request type. Its ``validated(backend, **arguments)`` class method applies
    the rules of :mod:`django_2co_sso.validation` and returns the request, or raises an
    :class:`~django_2co_sso.exceptions.InvalidInputError` before any network call.
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
parameters are new, one request type with its ``validated`` rules; nothing else in
``backends/`` changes. Call it with ``get_backend().call("name", **arguments)``.
"""

from __future__ import annotations

import dataclasses
import enum
import string
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

from .. import validation as v
from ..conf import SSOConfig
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
    ``query`` pairs REST parameter names with request attributes; None and ``""`` are left
    out. ``customer_type`` adds ``REST_CUSTOMER_TYPE_PARAM`` (when that setting names one)
    with the request's ``customer_type``. ``paged``: the answer is a list that REST serves
    page by page (``Page``, ``Limit``), joined by the transport.
    """

    path: str
    query: tuple[tuple[str, str], ...] = ()
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
    wire: tuple[Param, ...]
    rest: RestRoute | None
    answer: Answer
    before: tuple[Operation, ...] = ()

    def __post_init__(self) -> None:
        blanks = [param.blank for param in self.wire]
        tail = blanks[blanks.index(Blank.OMIT) :] if Blank.OMIT in blanks else []
        if any(blank is not Blank.OMIT for blank in tail):
            raise ValueError(f"{self.name}: only trailing parameters may be left out.")

    def __repr__(self) -> str:
        return f"<Operation {self.name}>"

    def positional(self, request: Any, session_id: str | None = None) -> list[Any]:
        """The SOAP/JSON-RPC parameters for ``request`` in wire order, ``session_id`` first."""
        values: list[Any] = [] if session_id is None else [session_id]
        for param in self.wire:
            value = getattr(request, param.field)
            if param.blank is not Blank.SEND and (value is None or value == ""):
                if param.blank is Blank.OMIT:
                    break
                value = None
            values.append(value)
        return values


# -- the validation rules shared by the request types -------------------------------------


def _validity(config: SSOConfig, value: int | None) -> int:
    return v.validate_validity_time(
        value, default=config.default_validity_time, maximum=config.max_validity_time
    )


def _language(config: SSOConfig, value: str | None) -> str | None:
    return v.validate_language(value if value is not None else config.default_language)


def _customer_type(config: SSOConfig, reference_type: str) -> str:
    """The wire ``customerType`` for a validated ``reference_type``."""
    if reference_type == "2checkout":
        return config.customer_type_2checkout
    return config.customer_type_external


# -- request types ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Login:
    """The login request (built by the pipeline, never by a caller); the hash is not shown."""

    merchant_code: str
    date: str
    hash: str = dataclasses.field(repr=False)
    algo: str | None

    @classmethod
    def validated(cls, backend: BaseBackend, /, **arguments: Any) -> Self:
        """Not callable: the pipeline signs the login itself."""
        raise TypeError("login is made by the pipeline, not called.")


@dataclasses.dataclass(frozen=True)
class SubscriptionSSO:
    """A validated getSingleSignOn request."""

    subscription_reference: str
    page: str | None
    email: str | None
    language: str | None
    validity_time: int
    validation_ip: str

    @classmethod
    def validated(
        cls,
        backend: BaseBackend,
        /,
        *,
        subscription_reference: str,
        page: str | None = None,
        email: str | None = None,
        language: str | None = None,
        validity_time: int | None = None,
        validation_ip: str | None = None,
    ) -> Self:
        """See :meth:`~django_2co_sso.backends.base.BaseBackend.subscription_sso_url`."""
        config = backend.config
        return cls(
            subscription_reference=v.validate_reference(
                subscription_reference, field="subscription_reference"
            ),
            page=v.validate_page(page, v.SUBSCRIPTION_PAGES),
            email=v.validate_email(email, required=False),
            language=_language(config, language),
            validity_time=_validity(config, validity_time),
            validation_ip=v.validate_ip(validation_ip),
        )


@dataclasses.dataclass(frozen=True)
class CustomerSSO:
    """A validated getSingleSignOnByCustomer request (``customer_type`` is the wire value)."""

    customer_reference: str
    reference_type: str
    customer_type: str
    page: str | None
    subscription_reference: str | None
    language: str | None
    validity_time: int
    validation_ip: str

    @property
    def request(self) -> str | None:
        """The ``request`` parameter: ``Request[]=code=<ref>`` for my_subscription."""
        if self.subscription_reference is None:
            return None
        return f"Request[]=code={self.subscription_reference}"

    @classmethod
    def validated(
        cls,
        backend: BaseBackend,
        /,
        *,
        customer_reference: str,
        reference_type: str = "external",
        page: str | None = None,
        subscription_reference: str | None = None,
        language: str | None = None,
        validity_time: int | None = None,
        validation_ip: str | None = None,
    ) -> Self:
        """See :meth:`~django_2co_sso.backends.base.BaseBackend.customer_sso_url`."""
        config = backend.config
        page = v.validate_page(page, backend.customer_pages)
        if page == "my_subscription":
            subscription_reference = v.validate_reference(
                subscription_reference, field="subscription_reference"
            )
        elif subscription_reference is not None:
            raise InvalidPageError(
                "subscription_reference is only used with page='my_subscription'.",
                field="subscription_reference",
            )
        kind = v.validate_reference_type(reference_type)
        return cls(
            customer_reference=v.validate_reference(customer_reference, field="customer_reference"),
            reference_type=kind,
            customer_type=_customer_type(config, kind),
            page=page,
            subscription_reference=subscription_reference,
            language=_language(config, language),
            validity_time=_validity(config, validity_time),
            validation_ip=v.validate_ip(validation_ip),
        )


@dataclasses.dataclass(frozen=True)
class CartSSO:
    """A validated getSingleSignOnInCart request."""

    customer_reference: str
    reference_type: str
    customer_type: str
    cart_url: str
    validity_time: int
    validation_ip: str

    @classmethod
    def validated(
        cls,
        backend: BaseBackend,
        /,
        *,
        customer_reference: str,
        cart_url: str,
        reference_type: str = "external",
        validity_time: int | None = None,
        validation_ip: str | None = None,
    ) -> Self:
        """See :meth:`~django_2co_sso.backends.base.BaseBackend.cart_sso_url`."""
        config = backend.config
        kind = v.validate_reference_type(reference_type)
        return cls(
            customer_reference=v.validate_reference(customer_reference, field="customer_reference"),
            reference_type=kind,
            customer_type=_customer_type(config, kind),
            cart_url=v.validate_allowed_url(cart_url, config.allowed_sso_hosts, field="cart_url"),
            validity_time=_validity(config, validity_time),
            validation_ip=v.validate_ip(validation_ip),
        )


@dataclasses.dataclass(frozen=True)
class PartnerSSO:
    """A validated setPartner + getPartnerSingleSignOn request."""

    partner_code: str
    email: str
    access_page: str
    validity_time: int
    validation_ip: str

    @classmethod
    def validated(
        cls,
        backend: BaseBackend,
        /,
        *,
        partner_code: str,
        email: str,
        access_page: str,
        validity_time: int | None = None,
        validation_ip: str | None = "",
    ) -> Self:
        """See :meth:`~django_2co_sso.backends.base.BaseBackend.partner_sso_url`."""
        config = backend.config
        return cls(
            partner_code=v.validate_reference(partner_code, field="partner_code"),
            email=str(v.validate_email(email, required=True)),
            access_page=v.validate_allowed_url(
                access_page, config.allowed_sso_hosts, field="access_page"
            ),
            validity_time=_validity(config, validity_time),
            validation_ip=v.validate_ip(validation_ip),
        )


@dataclasses.dataclass(frozen=True)
class TokenRequest:
    """A validated getCustomerInformationBySSOToken request (the token is not shown)."""

    token: str = dataclasses.field(repr=False)

    @classmethod
    def validated(cls, backend: BaseBackend, /, *, token: str) -> Self:
        """See :meth:`~django_2co_sso.backends.base.BaseBackend.customer_by_sso_token`."""
        return cls(token=v.validate_token(token))


@dataclasses.dataclass(frozen=True)
class CustomerSubscriptions:
    """A validated getCustomerSubscriptions request: 2Checkout's and/or your reference.

    2Checkout's reference is numeric and sent as an integer when it is one (the API types
    it ``int``); at least one of the two is needed, and both must name one customer.
    """

    twocheckout_reference: int | str | None
    external_reference: str | None

    @classmethod
    def validated(
        cls,
        backend: BaseBackend,
        /,
        *,
        twocheckout_reference: str | None = None,
        external_reference: str | None = None,
    ) -> Self:
        """See :meth:`~django_2co_sso.backends.base.BaseBackend.customer_subscriptions`."""
        if not twocheckout_reference and not external_reference:
            raise InvalidReferenceError(
                "Give 2Checkout's customer reference, the external one, or both.",
                field="customer_reference",
            )
        twocheckout = (
            v.validate_reference(twocheckout_reference, field="twocheckout_reference")
            if twocheckout_reference
            else None
        )
        return cls(
            twocheckout_reference=(
                int(twocheckout) if twocheckout and twocheckout.isdigit() else twocheckout
            ),
            external_reference=(
                v.validate_reference(external_reference, field="external_reference")
                if external_reference
                else None
            ),
        )


# -- the table ----------------------------------------------------------------------------

_IP_OR_NULL = Param("validation_ip", Blank.NULL)

LOGIN = Operation(
    "login",
    Login,
    (Param("merchant_code"), Param("date"), Param("hash"), Param("algo", Blank.OMIT)),
    rest=None,
    answer=Answer.ANY,
)

SUBSCRIPTION_SSO = Operation(
    "getSingleSignOn",
    SubscriptionSSO,
    (
        Param("subscription_reference"),
        Param("email"),
        Param("validity_time"),
        Param("page"),
        _IP_OR_NULL,
    ),
    rest=RestRoute(
        "subscriptions/{subscription_reference}/signon/{page}/",
        query=(
            ("Email", "email"),
            ("LanguageCode", "language"),
            ("ValidityTime", "validity_time"),
            ("ValidationIp", "validation_ip"),
        ),
        defaults={"page": "index"},
    ),
    answer=Answer.URL,
)

CUSTOMER_SSO = Operation(
    "getSingleSignOnByCustomer",
    CustomerSSO,
    (
        Param("customer_reference"),
        Param("customer_type"),
        Param("page"),
        Param("request"),
        Param("validity_time"),
        _IP_OR_NULL,
        Param("language", Blank.OMIT),
    ),
    rest=RestRoute(
        "customers/{customer_reference}/account/{page}/",
        query=(
            ("Lang", "language"),
            ("ValidityTime", "validity_time"),
            ("ValidationIp", "validation_ip"),
            ("Request", "request"),
        ),
        defaults={"page": "index"},
        customer_type=True,
    ),
    answer=Answer.URL,
)

CART_SSO = Operation(
    "getSingleSignOnInCart",
    CartSSO,
    (
        Param("customer_reference"),
        Param("customer_type"),
        Param("cart_url"),
        Param("validity_time"),
        _IP_OR_NULL,
    ),
    rest=RestRoute(
        "customers/{customer_reference}/cart/",
        query=(
            ("Url", "cart_url"),
            ("ValidityTime", "validity_time"),
            ("ValidationIp", "validation_ip"),
        ),
        customer_type=True,
    ),
    answer=Answer.URL,
)

SET_PARTNER = Operation(
    "setPartner", PartnerSSO, (Param("partner_code"),), rest=None, answer=Answer.ANY
)

PARTNER_SSO = Operation(
    "getPartnerSingleSignOn",
    PartnerSSO,
    (
        Param("email"),
        Param("partner_code"),
        Param("access_page"),
        Param("validity_time"),
        Param("validation_ip"),  # never null for this method; "" allowed
    ),
    rest=None,  # REST has no Channel Manager requests
    answer=Answer.URL,
    before=(SET_PARTNER,),
)

CUSTOMER_BY_TOKEN = Operation(
    "getCustomerInformationBySSOToken",
    TokenRequest,
    (Param("token"),),
    rest=RestRoute("customers/", query=(("ssotoken", "token"),)),
    answer=Answer.OBJECT,
)

CUSTOMER_SUBSCRIPTIONS = Operation(
    "getCustomerSubscriptions",
    CustomerSubscriptions,
    (Param("twocheckout_reference", Blank.NULL), Param("external_reference", Blank.OMIT)),
    rest=RestRoute(
        "subscriptions/",
        query=(
            ("AvangateCustomerReference", "twocheckout_reference"),
            ("ExternalCustomerReference", "external_reference"),
        ),
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
