"""The API's behaviour, independent of any wire protocol.

:class:`Service` implements login and the SSO methods on plain Python values (already decoded by
the SOAP, JSON-RPC or REST layer, so strings may still need checking) and raises
:class:`~.errors.ApiError` exactly as the emulated API does. Validation, in parameter order:

* ``customerType``: ``ExternalCustomerReference``, ``AvangateCustomerReference`` or
  ``2CheckoutCustomerReference`` else ``INVALID_CUSTOMER_TYPE``; an unknown customer
  ``CUSTOMER_NOT_FOUND``; an unknown subscription ``SUBSCRIPTION_NOT_FOUND``.
* pages: the documented list of each method (below) else ``INVALID_PAGE``; None, ``""`` and
  ``index`` mean the myAccount home page. ``my_subscription`` needs ``request`` =
  ``Request[]=code=<SubscriptionReference>`` naming a subscription of *that* customer
  (``INVALID_REQUEST`` if missing or malformed, ``SUBSCRIPTION_NOT_FOUND`` if not theirs).
* ``email`` (getSingleSignOn, optional) must belong to the subscription's customer, else
  ``INVALID_EMAIL``.
* ``validityTime``: None or ``""`` = the default (10 s); else a positive integer (int or digits)
  else ``INVALID_VALIDITY_TIME``.
* ``validationIp``: None or ``""`` = not bound; else a valid IP else ``INVALID_IP``.
  ``getPartnerSingleSignOn`` refuses None (``INVALID_IP``) as documented.
* language (``languageCode``, REST ``LanguageCode``/``Lang``): two letters (ISO 639-1) else
  ``INVALID_LANGUAGE``.
* cart ``url``, partner ``accessPage``: absolute http(s) URL else ``INVALID_URL``.
* partner: the documented ``INVALID_EMAIL``, ``INVALID_PARTNER``, ``INVALID_USER``,
  ``INVALID_URL``, ``INVALID_VALIDITY_TIME`` messages; ``getPartnerSingleSignOn`` needs a prior
  ``setPartner`` of that partner in the same session (``INVALID_PARTNER``).

URLs returned (``{base}`` = the emulator's base URL; ``T`` = the token):

* myAccount home ``{base}/myaccount/?logintoken=T``; a page
  ``{base}/myaccount/<page>/?logintoken=T``; ``faq`` ``{base}/support/?logintoken=T`` (as the
  vendor pages show); subscription pages
  (``view_order``, ``my_license``, ``change_card``, ``my_subscription``)
  ``{base}/myaccount/<page>/?subscription=REF&logintoken=T``.
* cart: the given URL with ``logintoken=T`` appended to its query (40 hex).
* partner: ``{base}/cpanel/index.php?logintoken=T&page=<accessPage, URL-encoded>`` (32 hex).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import quote, urlsplit

from .auth import Authenticator
from .data import Customer, Dataset, Subscription
from .errors import ApiError
from .sessions import Session, SessionStore
from .tokens import TokenKind, TokenStore

#: ``accessPage`` values of getSingleSignOn (SOAP/JSON-RPC); REST adds ``index``.
SUBSCRIPTION_PAGES: Final = frozenset(
    {
        "view_order",
        "my_license",
        "change_card",
        "my_products",
        "payment_methods",
        "user_data",
        "order_lookup",
        "faq",
    }
)
#: ``page`` values of getSingleSignOnByCustomer; ``my_license`` because a vendor sample uses it.
CUSTOMER_PAGES: Final = frozenset(
    {
        "my_subscription",
        "my_products",
        "user_data",
        "order_lookup",
        "faq",
        "payment_methods",
        "my_license",
    }
)
#: ``PageType`` values of REST ``/customers/{ref}/account/{PageType}/`` (``index`` = home).
REST_CUSTOMER_PAGES: Final = frozenset(
    {"my_subscription", "user_data", "order_lookup", "faq", "payment_methods"}
)
#: Pages about one subscription: their URL names it.
SUBSCRIPTION_SPECIFIC_PAGES: Final = frozenset(
    {"view_order", "my_license", "change_card", "my_subscription"}
)
#: customerType wire value -> which reference it names.
CUSTOMER_TYPES: Final = {
    "ExternalCustomerReference": "external",
    "AvangateCustomerReference": "2checkout",
    "2CheckoutCustomerReference": "2checkout",
}

_HOME_PAGES: Final = (None, "", "index")
_REQUEST_RE: Final = re.compile(r"\s*Request\[\]\s*=\s*code\s*=\s*([^\s&]+)\s*")
_EMAIL_RE: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_LANGUAGE_RE: Final = re.compile(r"[A-Za-z]{2}")
_INT_RE: Final = re.compile(r"\s*\+?\d{1,9}\s*")


def parse_validity_time(value: object, default: int) -> int:
    """Return the validity time in seconds or raise ``INVALID_VALIDITY_TIME``."""
    if value is None or value == "":
        return default
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and _INT_RE.fullmatch(value)
    ):
        number = int(value)
    if number is None or number <= 0:
        raise ApiError(
            "INVALID_VALIDITY_TIME", "Validity time needs to be a positive numeric value."
        )
    return number


def check_ip(value: str | None, *, allow_null: bool = True) -> str | None:
    """Return the validation IP (None when not bound) or raise ``INVALID_IP``."""
    if value is None:
        if allow_null:
            return None
        raise ApiError("INVALID_IP", "The validation IP cannot be null (use an empty string).")
    if value == "":
        return None
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        raise ApiError("INVALID_IP", "The validation IP is not a valid IP address.") from None
    return value.strip()


def check_language(value: str | None) -> str | None:
    """Return the ISO 639-1 language (lower case) or None, or raise ``INVALID_LANGUAGE``."""
    if not value:
        return None
    if not _LANGUAGE_RE.fullmatch(value):
        raise ApiError("INVALID_LANGUAGE", "The language code must be ISO 639-1 (two letters).")
    return value.lower()


def is_http_url(value: str | None) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host and no whitespace."""
    if not value or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def append_query(url: str, name: str, value: str) -> str:
    """Return ``url`` with ``name=value`` appended to its query (before any fragment)."""
    base, hash_mark, fragment = url.partition("#")
    separator = "&" if "?" in base else "?"
    if base.endswith(("?", "&")):
        separator = ""
    return f"{base}{separator}{name}={value}{hash_mark}{fragment}"


class Service:
    """Login and the SSO methods; thread-safe (state lives in thread-safe stores).

    ``data`` may be replaced at any time (a reset does); ``base_url`` returns the emulator's
    current base URL without a trailing slash.
    """

    def __init__(
        self,
        *,
        data: Dataset,
        authenticator: Authenticator,
        sessions: SessionStore,
        tokens: TokenStore,
        base_url: Callable[[], str],
        default_validity_time: int = 10,
    ) -> None:
        self.data = data
        self.authenticator = authenticator
        self.sessions = sessions
        self.tokens = tokens
        self._base_url = base_url
        self.default_validity_time = default_validity_time

    # -- authentication --------------------------------------------------------------------
    def login(self, merchant_code: object, date: object, hash_: object, algo: object) -> str:
        """Check the login HMAC and return a new sessionID."""
        self.authenticator.check(merchant_code, date, hash_, algo)
        return self.sessions.create().session_id

    def session(self, session_id: object) -> Session:
        """Return the live session or raise ``SESSION_EXPIRED``."""
        return self.sessions.get(session_id)

    # -- lookups ---------------------------------------------------------------------------
    def find_customer(self, reference: str | None, customer_type: str | None) -> Customer:
        """Resolve a customer by ``customer_type`` (a customerType wire value); None tries
        the external reference first, then 2Checkout's (REST documents no type)."""
        kind: str | None = None
        if customer_type is not None:
            kind = CUSTOMER_TYPES.get(customer_type)
            if kind is None:
                raise ApiError(
                    "INVALID_CUSTOMER_TYPE",
                    "customerType must be ExternalCustomerReference or "
                    "2CheckoutCustomerReference/AvangateCustomerReference.",
                )
        if not reference:
            raise ApiError("CUSTOMER_NOT_FOUND", "The customer reference is required.")
        customer: Customer | None = None
        if kind in (None, "external"):
            customer = self.data.customer_by_external(reference)
        if customer is None and kind in (None, "2checkout"):
            customer = self.data.customer(reference)
        if customer is None:
            raise ApiError("CUSTOMER_NOT_FOUND", "No customer matches the reference given.")
        return customer

    def find_subscription(self, reference: str | None) -> Subscription:
        """Return the subscription or raise ``SUBSCRIPTION_NOT_FOUND``."""
        subscription = self.data.subscription(reference) if reference else None
        if subscription is None:
            raise ApiError("SUBSCRIPTION_NOT_FOUND", "No subscription matches the reference given.")
        return subscription

    # -- shopper SSO ---------------------------------------------------------------------------
    def sso_by_subscription(
        self,
        subscription_reference: str | None,
        email: str | None,
        validity_time: object,
        access_page: str | None,
        validation_ip: str | None,
        language: str | None = None,
    ) -> str:
        """getSingleSignOn: a myAccount URL for the subscription's customer."""
        subscription = self.find_subscription(subscription_reference)
        customer = self.data.customer(subscription.customer_reference)
        if customer is None:  # pragma: no cover - the dataset guarantees it
            raise ApiError("CUSTOMER_NOT_FOUND", "The subscription has no customer.")
        if email and email.strip().lower() != customer.email.lower():
            raise ApiError(
                "INVALID_EMAIL", "The email address does not belong to the subscription's customer."
            )
        page = self._page(access_page, SUBSCRIPTION_PAGES)
        seconds = parse_validity_time(validity_time, self.default_validity_time)
        ip = check_ip(validation_ip)
        lang = check_language(language)
        return self._myaccount_url(customer, subscription.reference, page, seconds, ip, lang)

    def sso_by_customer(
        self,
        customer_reference: str | None,
        customer_type: str | None,
        page: str | None,
        request: str | None,
        validity_time: object,
        validation_ip: str | None,
        language: str | None = None,
        *,
        rest: bool = False,
    ) -> str:
        """getSingleSignOnByCustomer: a myAccount URL for a customer (REST: ``rest=True``,
        ``customer_type`` None resolves external then 2Checkout references)."""
        if customer_type is None and not rest:
            customer_type = ""  # required over SOAP/JSON-RPC: fails as INVALID_CUSTOMER_TYPE
        customer = self.find_customer(customer_reference, customer_type)
        name = self._page(page, REST_CUSTOMER_PAGES if rest else CUSTOMER_PAGES)
        subscription_ref: str | None = None
        if name in ("my_subscription", "my_license") and (request or name == "my_subscription"):
            match = _REQUEST_RE.fullmatch(request or "")
            if match is None:
                raise ApiError(
                    "INVALID_REQUEST",
                    f"{name} needs request 'Request[]=code=<SubscriptionReference>'.",
                )
            subscription = self.data.subscription(match.group(1))
            if subscription is None or subscription.customer_reference != customer.reference:
                raise ApiError(
                    "SUBSCRIPTION_NOT_FOUND",
                    "The customer has no subscription with that reference.",
                )
            subscription_ref = subscription.reference
        seconds = parse_validity_time(validity_time, self.default_validity_time)
        ip = check_ip(validation_ip)
        lang = check_language(language)
        return self._myaccount_url(customer, subscription_ref, name, seconds, ip, lang)

    def sso_in_cart(
        self,
        customer_reference: str | None,
        customer_type: str | None,
        url: str | None,
        validity_time: object,
        validation_ip: str | None,
        *,
        rest: bool = False,
    ) -> str:
        """getSingleSignOnInCart: the cart ``url`` with a ``logintoken`` appended."""
        if customer_type is None and not rest:
            customer_type = ""
        customer = self.find_customer(customer_reference, customer_type)
        if not url:
            raise ApiError("INVALID_URL", "The cart URL is mandatory.")
        if not is_http_url(url):
            raise ApiError("INVALID_URL", "The cart URL must be an absolute http(s) URL.")
        seconds = parse_validity_time(validity_time, self.default_validity_time)
        ip = check_ip(validation_ip)
        token = self.tokens.issue(
            TokenKind.CART,
            seconds,
            validation_ip=ip,
            customer_reference=customer.reference,
            url=url,
        )
        return append_query(url, "logintoken", token.value)

    def customer_by_token(self, token_value: str | None) -> dict[str, Any]:
        """getCustomerInformationBySSOToken: the customer a shopper token was issued for.

        Does not use the token up; a used or expired token still resolves while it is known.
        """
        token = self.tokens.peek(token_value)
        if token is None or token.kind is TokenKind.PARTNER or token.customer_reference is None:
            raise ApiError("INVALID_TOKEN", "The single sign-on token is not valid.")
        customer = self.data.customer(token.customer_reference)
        if customer is None:
            raise ApiError("INVALID_TOKEN", "The token's customer no longer exists.")
        return customer.to_api()

    # -- subscriptions -------------------------------------------------------------------------
    def customer_subscriptions(
        self, avangate_reference: str | None, external_reference: str | None
    ) -> list[dict[str, Any]]:
        """getCustomerSubscriptions: the customer's subscriptions as API objects
        (:func:`subscription_object`), in creation order.

        2Checkout's reference is required unless the external one is given; when both are given
        they must name the same customer. Unknown or mismatched: ``CUSTOMER_NOT_FOUND``.
        """
        customer = self.resolve_customer(avangate_reference, external_reference)
        return [
            subscription_object(s, customer) for s in self.data.subscriptions_of(customer.reference)
        ]

    def all_subscriptions(self) -> list[dict[str, Any]]:
        """Every subscription of the account as API objects, in creation order."""
        objects = []
        for subscription in self.data.subscriptions:
            customer = self.data.customer(subscription.customer_reference)
            if customer is not None:  # pragma: no branch - the dataset guarantees it
                objects.append(subscription_object(subscription, customer))
        return objects

    def resolve_customer(
        self, avangate_reference: str | None, external_reference: str | None
    ) -> Customer:
        """The customer named by 2Checkout's and/or the merchant's reference, or raise
        ``CUSTOMER_NOT_FOUND`` (none given, unknown, or the two naming different customers)."""
        if not avangate_reference and not external_reference:
            raise ApiError(
                "CUSTOMER_NOT_FOUND",
                "AvangateCustomerReference or ExternalCustomerReference is required.",
            )
        by_ref = self.data.customer(avangate_reference) if avangate_reference else None
        by_ext = self.data.customer_by_external(external_reference) if external_reference else None
        if (avangate_reference and by_ref is None) or (external_reference and by_ext is None):
            raise ApiError("CUSTOMER_NOT_FOUND", "No customer matches the reference given.")
        if by_ref is not None and by_ext is not None and by_ref.reference != by_ext.reference:
            raise ApiError(
                "CUSTOMER_NOT_FOUND",
                "ExternalCustomerReference does not belong to the AvangateCustomerReference given.",
            )
        customer = by_ref or by_ext
        assert customer is not None
        return customer

    # -- partner SSO ---------------------------------------------------------------------------
    def set_partner(self, session: Session, partner_code: str | None) -> bool:
        """setPartner: choose the partner the session works on."""
        if not partner_code:
            raise ApiError("INVALID_PARTNER", "The partner code is mandatory.")
        partner = self.data.partner(partner_code)
        if partner is None or not partner.active:
            raise ApiError(
                "INVALID_PARTNER",
                "Partner code provided is not associated to an active partner account.",
            )
        session.partner_code = partner.code
        return True

    def partner_sso(
        self,
        session: Session,
        email: str | None,
        partner_code: str | None,
        access_page: str | None,
        validity_time: object,
        validation_ip: str | None,
    ) -> str:
        """getPartnerSingleSignOn: a Channel Manager control panel URL for a partner user."""
        if not email:
            raise ApiError("INVALID_EMAIL", "The email address is mandatory.")
        if not _EMAIL_RE.fullmatch(email.strip()):
            raise ApiError("INVALID_EMAIL", "Please specify a valid email address.")
        if not partner_code:
            raise ApiError("INVALID_PARTNER", "The partner code is mandatory.")
        partner = self.data.partner(partner_code)
        if partner is None or not partner.active:
            raise ApiError(
                "INVALID_PARTNER",
                "Partner code provided is not associated to an active partner account.",
            )
        if session.partner_code != partner.code:
            raise ApiError(
                "INVALID_PARTNER", "No partner set for this session: call setPartner first."
            )
        if not partner.has_user(email):
            raise ApiError(
                "INVALID_USER",
                "Email address provided is not associated to a partner account user.",
            )
        if not access_page:
            raise ApiError("INVALID_URL", "The page URL is mandatory.")
        if not is_http_url(access_page):
            raise ApiError("INVALID_URL", "The page URL provided is not valid.")
        seconds = parse_validity_time(validity_time, self.default_validity_time)
        ip = check_ip(validation_ip, allow_null=False)
        token = self.tokens.issue(
            TokenKind.PARTNER,
            seconds,
            validation_ip=ip,
            partner_code=partner.code,
            email=email.strip(),
            url=access_page,
            page=access_page,
        )
        return (
            f"{self._base_url()}/cpanel/index.php?logintoken={token.value}"
            f"&page={quote(access_page, safe='')}"
        )

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _page(value: str | None, allowed: frozenset[str]) -> str:
        if value is None or value in _HOME_PAGES:
            return ""
        if value not in allowed:
            raise ApiError(
                "INVALID_PAGE", f"Unknown page; use one of {', '.join(sorted(allowed))}."
            )
        return value

    def _myaccount_url(
        self,
        customer: Customer,
        subscription_reference: str | None,
        page: str,
        seconds: int,
        ip: str | None,
        language: str | None,
    ) -> str:
        token = self.tokens.issue(
            TokenKind.MYACCOUNT,
            seconds,
            validation_ip=ip,
            customer_reference=customer.reference,
            subscription_reference=subscription_reference,
            page=page,
            language=language,
        )
        return myaccount_url(self._base_url(), page, subscription_reference, token.value)


def myaccount_url(base: str, page: str, subscription_reference: str | None, token: str) -> str:
    """Build the myAccount landing URL of ``page`` ("" = home); see the module docstring."""
    if not page:
        path = "/myaccount/"
    elif page == "faq":
        path = "/support/"
    else:
        path = f"/myaccount/{page}/"
    query = ""
    if subscription_reference and page in SUBSCRIPTION_SPECIFIC_PAGES:
        query = f"subscription={quote(subscription_reference, safe='')}&"
    return f"{base}{path}?{query}logintoken={token}"


#: Fields of a subscription object, in the order SOAP sends them (``Product`` is nested).
SUBSCRIPTION_FIELDS: Final = (
    "SubscriptionReference",
    "AvangateCustomerReference",
    "ExternalCustomerReference",
    "StartDate",
    "ExpirationDate",
    "SubscriptionEnabled",
    "RecurringEnabled",
    "Status",
    "ProductCode",
    "ProductName",
    "ProductQuantity",
    "TestSubscription",
    "Lifetime",
    "Product",
)
#: Fields of the nested ``Product`` object.
PRODUCT_FIELDS: Final = ("ProductCode", "ProductName", "ProductQuantity")


def subscription_object(subscription: Subscription, customer: Customer) -> dict[str, Any]:
    """A subscription as getCustomerSubscriptions and REST ``/subscriptions/`` return it.

    Keys are :data:`SUBSCRIPTION_FIELDS`: the product is given flat (``ProductCode``,
    ``ProductName``, ``ProductQuantity``) and, as the vendor's objects nest it, under
    ``Product``. Dates are ``YYYY-MM-DD`` or None.
    """
    product = {
        "ProductCode": subscription.product_code,
        "ProductName": subscription.product_name,
        "ProductQuantity": subscription.quantity,
    }
    return {
        "SubscriptionReference": subscription.reference,
        "AvangateCustomerReference": customer.reference,
        "ExternalCustomerReference": customer.external_reference,
        "StartDate": subscription.start_date,
        "ExpirationDate": subscription.expiration_date,
        "SubscriptionEnabled": subscription.enabled,
        "RecurringEnabled": subscription.recurring_enabled,
        "Status": subscription.status,
        **product,
        "TestSubscription": subscription.test,
        "Lifetime": False,
        "Product": product,
    }
