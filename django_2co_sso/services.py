"""The one place that mints SSO links for the Django integration.

Views, the admin action and the management commands all come here. This module:

* finds the shopper's 2Checkout customer (:func:`resolve_customer`) and checks that a
  subscription belongs to them (:func:`owns_subscription`);
* works out the shopper's IP and language (:func:`context_for_request`);
* calls the API client through :func:`django_2co_sso.get_backend` only;
* writes one :class:`~django_2co_sso.models.SSOAuditLog` row per attempt (never the URL),
  sends :data:`~django_2co_sso.signals.sso_link_issued` or
  :data:`~django_2co_sso.signals.sso_link_failed`, and logs each failure exactly once, at
  the level :func:`django_2co_sso.failures.classify` gives it: a warning for an upstream
  failure, an error for a disallowed redirect, a misconfiguration, an unreachable cache or
  an unexpected exception (type, redacted message and the traceback's text: never
  ``exc_info``, whose frame locals hold secrets), nothing above INFO for rejected input;
* withholds a minted link whose audit row cannot be written
  (:class:`~django_2co_sso.exceptions.AuditLogError`, logged at ERROR with the database
  error); when minting had failed too, the minting error is re-raised and both are logged.

Errors are re-raised to the caller, which decides how to present them.

Subscription ownership
----------------------
A subscription belongs to the shopper when ``TWOCHECKOUT_SSO["SUBSCRIPTION_OWNER_FUNCTION"]``
(a dotted path to ``callable(request, subscription_reference) -> bool``) says so, or, when
that key is None, when a :class:`~django_2co_sso.models.Subscription` row with that
reference exists whose customer has the shopper's customer reference (as resolved by
``CUSTOMER_REFERENCE_FUNCTION`` or :class:`~django_2co_sso.models.CustomerLink`). So a
project that resolves customers with its own function either mirrors subscriptions in the
Subscription model (with CustomerLink rows carrying the same references) or names its own
ownership function. Anything else fails closed: the subscription is treated as not found.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from django.core.exceptions import ObjectDoesNotExist
from django.db import router, transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from . import get_backend, validation
from .conf import SSOConfig, get_config
from .exceptions import (
    AuditLogError,
    ConfigurationError,
    InvalidInputError,
    printable,
    safe_code,
)
from .failures import INTERNAL_ERROR, Failure, Kind, classify
from .models import CustomerLink, CustomerReference, LinkKind, SSOAuditLog, Subscription
from .redaction import redact
from .signals import sso_link_failed, sso_link_issued

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

__all__ = [
    "INTERNAL_ERROR",
    "LinkContext",
    "cart_link",
    "context_for_request",
    "current_language",
    "customer_link",
    "owns_subscription",
    "partner_link",
    "record_not_found",
    "resolve_customer",
    "staff_context",
    "subscription_link",
]

logger = logging.getLogger("django_2co_sso")

#: Outcome recorded when a shopper asks for a subscription that is not theirs (a 404).
NOT_FOUND = "NOT_FOUND"


@dataclasses.dataclass(frozen=True)
class LinkContext:
    """Who asks for a link, from where, and in which language.

    ``client_ip`` is the requester's valid IP address or ``""``; it is recorded in the
    audit log, and sent to 2Checkout as ``validationIp`` only when ``send_ip`` is true.
    """

    user: AbstractBaseUser | None
    request: HttpRequest | None = None
    client_ip: str = ""
    send_ip: bool = False
    language: str | None = None

    @property
    def validation_ip(self) -> str | None:
        """The IP to bind the link to, or None to send none."""
        return self.client_ip if self.send_ip and self.client_ip else None


def _user_or_none(user: AbstractBaseUser | AnonymousUser | None) -> AbstractBaseUser | None:
    if user is None or not user.is_authenticated:
        return None
    return user


def current_language() -> str | None:
    """The active language reduced to ISO 639-1 (``"en-us"`` -> ``"en"``), or None."""
    language = get_language()
    if not language:
        return None
    code = language.replace("_", "-").split("-", 1)[0].lower()
    return code if code in validation.ISO_639_1 else None


def client_ip(request: HttpRequest, config: SSOConfig) -> str:
    """The requester's IP from ``CLIENT_IP_FUNCTION``, canonical, or ``""``.

    A value that is not an IP address is logged as a warning (a proxy misconfiguration)
    and replaced by ``""``: the link is then not bound to an IP.
    """
    function = _import_callable(config.client_ip_function, "CLIENT_IP_FUNCTION")
    raw = function(request)
    try:
        return validation.validate_ip(raw)
    except InvalidInputError:
        logger.warning(
            "2checkout SSO: CLIENT_IP_FUNCTION returned something that is not an IP address "
            "(check the proxy setup); the link is sent without validationIp"
        )
        return ""


def context_for_request(request: HttpRequest) -> LinkContext:
    """The :class:`LinkContext` of a shopper's (or staff member's) request, read now."""
    config = get_config()
    return LinkContext(
        user=_user_or_none(getattr(request, "user", None)),
        request=request,
        client_ip=client_ip(request, config),
        send_ip=config.send_client_ip,
        language=current_language(),
    )


def staff_context(
    user: AbstractBaseUser | None = None,
    *,
    request: HttpRequest | None = None,
    client_ip: str = "",
) -> LinkContext:
    """A :class:`LinkContext` for links minted by staff: never bound to the staff's IP."""
    return LinkContext(user=_user_or_none(user), request=request, client_ip=client_ip)


def _import_callable(path: str, key: str) -> Callable[..., Any]:
    try:
        function = import_string(path)
    except ImportError as error:
        raise ConfigurationError(
            f"TWOCHECKOUT_SSO[{key!r}] {path!r} cannot be imported: {error}"
        ) from None
    if not callable(function):
        raise ConfigurationError(f"TWOCHECKOUT_SSO[{key!r}] {path!r} is not callable.")
    return function  # type: ignore[no-any-return]


def resolve_customer(request: HttpRequest) -> CustomerReference | None:
    """The 2Checkout customer of ``request.user``, or None when there is none.

    Uses ``CUSTOMER_REFERENCE_FUNCTION`` when set (its result must be None or a
    ``(reference, "external"|"2checkout")`` pair), else the user's
    :class:`~django_2co_sso.models.CustomerLink`.
    """
    config = get_config()
    if config.customer_reference_function:
        function = _import_callable(
            config.customer_reference_function, "CUSTOMER_REFERENCE_FUNCTION"
        )
        result = function(request)
        if result is None:
            return None
        try:
            reference, reference_type = result
        except (TypeError, ValueError):
            reference, reference_type = None, None
        if (
            not isinstance(reference, str)
            or not reference
            or reference_type not in validation.REFERENCE_TYPES
        ):
            raise ConfigurationError(
                "TWOCHECKOUT_SSO['CUSTOMER_REFERENCE_FUNCTION'] must return None or a "
                '(reference, "external"|"2checkout") pair.'
            )
        return CustomerReference(reference, reference_type)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        link = CustomerLink.objects.get(user=user)
    except ObjectDoesNotExist:
        return None
    return link.customer_reference()


def owns_subscription(
    request: HttpRequest, reference: str, customer: CustomerReference | None
) -> bool:
    """Whether subscription ``reference`` belongs to the shopper (see the module docstring).

    Without an owner function, a reference that is not well formed belongs to nobody and
    never reaches a query (a NUL byte, for one, is an error on PostgreSQL).
    """
    config = get_config()
    if config.subscription_owner_function:
        function = _import_callable(
            config.subscription_owner_function, "SUBSCRIPTION_OWNER_FUNCTION"
        )
        return bool(function(request, reference))
    if customer is None:
        return False
    try:
        validation.validate_reference(reference, field="subscription_reference")
    except InvalidInputError:
        return False
    field = (
        "customer__external_reference"
        if customer.reference_type == "external"
        else "customer__twocheckout_reference"
    )
    return Subscription.objects.filter(reference=reference, **{field: customer.reference}).exists()


def _issue(
    context: LinkContext,
    *,
    kind: LinkKind,
    reference: str,
    page: str | None,
    mint: str,
    arguments: dict[str, Any],
    detail: str = "",
) -> str:
    """Mint one link with the backend method ``mint``: audit, signal and log, then return
    the URL or re-raise (the failure classified by :func:`~django_2co_sso.failures.classify`).

    Every link handed out has its audit row: when the row cannot be written the link is
    withheld and :class:`~django_2co_sso.exceptions.AuditLogError` is raised (the
    shopper sees the "try again later" page). When minting failed and the row cannot be
    written either, the minting error is re-raised; both are logged.
    """
    started = time.perf_counter()
    audit = functools.partial(
        _write_audit, context, kind=kind, reference=reference, page=page, detail=detail
    )
    try:
        url: str = getattr(get_backend(), mint)(**arguments)
    except Exception as error:
        failure = classify(error)
        audit(outcome=failure.outcome, started=started)
        _log_failure(error, failure, kind=kind, page=page, context=context)
        _send(sso_link_failed, context, kind=kind, reference=reference, page=page, error=error)
        raise
    audit_problem = audit(outcome=SSOAuditLog.OUTCOME_OK, started=started)
    if audit_problem is not None:
        withheld = AuditLogError(
            "The link was minted but not handed out: its audit row could not be written.",
            cause=audit_problem,
        )
        _send(sso_link_failed, context, kind=kind, reference=reference, page=page, error=withheld)
        raise withheld
    _send(sso_link_issued, context, kind=kind, reference=reference, page=page)
    return url


def _write_audit(
    context: LinkContext,
    *,
    kind: LinkKind,
    reference: str,
    page: str | None,
    detail: str,
    outcome: str,
    started: float,
) -> str | None:
    """Write the audit row; return None, or the failure's class name after logging it.

    The row is written in its own savepoint, so a refused INSERT does not break the
    caller's transaction (PostgreSQL aborts the whole transaction otherwise).
    """
    try:
        with transaction.atomic(using=router.db_for_write(SSOAuditLog)):
            SSOAuditLog.objects.create(
                user=cast(Any, context.user),  # AUTH_USER_MODEL may be a custom model
                kind=kind,
                target_reference=printable(reference, validation.MAX_REFERENCE_LENGTH),
                page=page or "",
                detail=printable(detail, 254),
                client_ip=context.client_ip or None,
                outcome=safe_code(outcome, default=INTERNAL_ERROR),
                duration_ms=round((time.perf_counter() - started) * 1000),
            )
    except Exception as failure:
        logger.error(
            "2checkout SSO audit row NOT written (%s: %s): kind=%s page=%s outcome=%s user=%s; %s",
            type(failure).__name__,
            _safe_text(failure),
            kind.value,
            page or "-",
            safe_code(outcome, default=INTERNAL_ERROR),
            getattr(context.user, "pk", None),
            "the link is withheld"
            if outcome == SSOAuditLog.OUTCOME_OK
            else "no link was minted (the minting error is logged separately)",
        )
        return type(failure).__name__
    return None


def _send(
    signal: Signal,
    context: LinkContext,
    *,
    kind: LinkKind,
    reference: str,
    page: str | None,
    **extra: Any,
) -> None:
    """Send ``signal`` (issued or failed) with the arguments both document, to every
    receiver: one that raises is logged by Django (``django.dispatch``, ERROR) and changes
    neither the link the shopper gets nor the page they see."""
    signal.send_robust(
        sender=kind,
        user=context.user,
        kind=kind.value,
        reference=reference,
        page=page,
        request=context.request,
        **extra,
    )


def _known_secrets() -> tuple[str, ...]:
    """The secret key, the current sessionID, the buy-link secret and the notification keys
    of ``WEBHOOK_ACCOUNTS``, when they can be known without failing."""
    values: list[str] = []
    with contextlib.suppress(Exception):  # a broken setting or cache: redact()'s patterns apply
        config = get_config()
        values += [config.buy_link_secret, *config.webhook_accounts.values()]
        values += get_backend()._secrets()
    return tuple(value for value in values if value)


def _safe_text(error: BaseException, limit: int = 300) -> str:
    """``str(error)``, printable, with every known secret and secret-like value masked."""
    return printable(redact(str(error), _known_secrets()), limit)


def _safe_traceback(error: BaseException, limit: int = 4000) -> str:
    """Where ``error`` came from: the traceback's text (no frame locals), secrets masked.

    Logged instead of ``exc_info``: handlers such as Django's ``AdminEmailHandler`` render
    an ``exc_info`` with every frame's local variables, and the redirect path's frames
    hold the sessionID and the login hash.
    """
    text = "".join(traceback.format_exception(error))
    return redact(text, _known_secrets())[-limit:]


def _log_failure(
    error: BaseException,
    failure: Failure,
    *,
    kind: LinkKind,
    page: str | None,
    context: LinkContext,
) -> None:
    """The one log line of a failed link, at the level of its classification."""
    user_id = getattr(context.user, "pk", None)
    if failure.unexpected:
        # No exc_info: see _safe_traceback.
        logger.error(
            "2checkout SSO link failed unexpectedly: kind=%s user=%s error=%s: %s\n%s",
            kind.value,
            user_id,
            type(error).__name__,
            _safe_text(error),
            _safe_traceback(error),
        )
        return
    detail = failure.detail
    if failure.kind in (Kind.MISCONFIGURED, Kind.INTERNAL, Kind.CACHE):
        detail = _safe_text(error)
    logger.log(
        failure.level,
        "2checkout SSO link %s: kind=%s page=%s code=%s user=%s %s",
        failure.kind.value,
        kind.value,
        page or "-",
        failure.outcome,
        user_id,
        detail,
    )


def subscription_link(
    context: LinkContext,
    reference: str,
    *,
    page: str | None = None,
    validity_time: int | None = None,
) -> str:
    """A myAccount URL for subscription ``reference`` (ownership is the caller's job)."""
    return _issue(
        context,
        kind=LinkKind.SUBSCRIPTION,
        reference=reference,
        page=page,
        mint="subscription_sso_url",
        arguments={
            "subscription_reference": reference,
            "page": page,
            "language": context.language,
            "validity_time": validity_time,
            "validation_ip": context.validation_ip,
        },
    )


def customer_link(
    context: LinkContext,
    customer: CustomerReference,
    *,
    page: str | None = None,
    subscription_reference: str | None = None,
    validity_time: int | None = None,
) -> str:
    """A myAccount URL for ``customer``; ``my_subscription`` needs ``subscription_reference``."""
    return _issue(
        context,
        kind=LinkKind.CUSTOMER,
        reference=customer.reference,
        page=page,
        detail=subscription_reference or "",
        mint="customer_sso_url",
        arguments={
            "customer_reference": customer.reference,
            "reference_type": customer.reference_type,
            "page": page,
            "subscription_reference": subscription_reference,
            "language": context.language,
            "validity_time": validity_time,
            "validation_ip": context.validation_ip,
        },
    )


def _url_without_query(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.netloc}{parts.path}"


def cart_link(
    context: LinkContext,
    customer: CustomerReference,
    cart_url: str,
    *,
    validity_time: int | None = None,
) -> str:
    """A pre-filled cart URL for ``customer``; ``cart_url`` must be https on an allowed host."""
    return _issue(
        context,
        kind=LinkKind.CART,
        reference=customer.reference,
        page=None,
        detail=_url_without_query(cart_url),
        mint="cart_sso_url",
        arguments={
            "customer_reference": customer.reference,
            "cart_url": cart_url,
            "reference_type": customer.reference_type,
            "validity_time": validity_time,
            "validation_ip": context.validation_ip,
        },
    )


def partner_link(
    context: LinkContext,
    partner_code: str,
    email: str,
    *,
    validity_time: int | None = None,
) -> str:
    """A single-use Channel Manager URL opening ``PARTNER_PANEL_URL`` for a partner user.

    ``validity_time`` defaults to ``STAFF_LINK_VALIDITY_TIME``; the link is not bound to
    an IP (``validationIp`` is sent empty), since staff may hand it on.
    """
    config = get_config()
    seconds = validity_time if validity_time is not None else config.staff_link_validity_time
    return _issue(
        context,
        kind=LinkKind.PARTNER,
        reference=partner_code,
        page=None,
        detail=email,
        mint="partner_sso_url",
        arguments={
            "partner_code": partner_code,
            "email": email,
            "access_page": config.partner_panel_url,
            "validity_time": seconds,
            "validation_ip": "",
        },
    )


def record_not_found(
    request: HttpRequest,
    *,
    kind: LinkKind,
    reference: str,
    page: str | None,
    detail: str = "",
) -> None:
    """Audit a request refused with 404 before any call: a subscription not the shopper's.

    Someone trying other shoppers' references shows up in the audit log (outcome
    ``NOT_FOUND``); no call is made and no signal is sent. A failed audit write is logged
    at ERROR (:func:`_write_audit`) and does not change the shopper's 404.
    """
    _write_audit(
        context_for_request(request),
        kind=kind,
        reference=reference,
        page=page,
        detail=detail,
        outcome=NOT_FOUND,
        started=time.perf_counter(),
    )
