"""Mirroring 2Checkout's customers and subscriptions into CustomerLink and Subscription rows.

The one place that writes what 2Checkout reports: the notification listeners
(:mod:`django_2co_sso.webhooks.processing`) and the ``twocheckout_sync`` command
(:func:`resync`) both turn what they received into :class:`SubscriptionState` values and
call :func:`apply`.

Contracts:

* 2Checkout is the authority: a subscription it reports for a customer belongs to that
  customer here too.
* A state whose ``changed_at`` is older than the row's is not applied (``stale``): a
  late, older notification never rolls a subscription back.
* Applying the same state twice changes nothing the second time (``unchanged``), so a
  repeated notification or a repeated resync is harmless.
* :data:`~django_2co_sso.signals.customer_linked` and
  :data:`~django_2co_sso.signals.subscription_changed` are sent after commit
  (:func:`send_after_commit`: a receiver that raises is logged, not raised).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from . import get_backend, validation
from .exceptions import BadResponseError, InvalidInputError
from .models import CustomerLink, Subscription
from .signals import customer_linked, subscription_changed

if TYPE_CHECKING:
    from .models import WebhookNotification

__all__ = [
    "STATUS_MAP",
    "Change",
    "Result",
    "Resync",
    "SubscriptionState",
    "apply",
    "find_customer",
    "link_user",
    "map_status",
    "parse_date",
    "parse_datetime",
    "record_twocheckout_reference",
    "resync",
    "send_after_commit",
    "state_from_api",
]

logger = logging.getLogger("django_2co_sso.sync")

Status = Subscription.Status

#: 2Checkout's subscription status words -> ``Subscription.Status``. A word missing here
#: gives ``unknown`` and is kept as it came in ``upstream_status``.
STATUS_MAP: dict[str, str] = {
    "ACTIVE": Status.ACTIVE,
    "TRIAL": Status.TRIAL,
    "PENDING": Status.PENDING,
    "PENDING_ACTIVATION": Status.PENDING,
    "PASTDUE": Status.PAST_DUE,
    "PAST_DUE": Status.PAST_DUE,
    "CANCELED": Status.CANCELLED,
    "CANCELLED": Status.CANCELLED,
    "EXPIRED": Status.EXPIRED,
    "DISABLED": Status.DISABLED,
}

_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S")


def map_status(raw: str, *, trial: bool = False) -> str:
    """The ``Subscription.Status`` for 2Checkout's ``raw`` word; an active trial is ``trial``."""
    status = STATUS_MAP.get(raw.strip().upper().replace(" ", "_"), Status.UNKNOWN)
    if status == Status.ACTIVE and trial:
        return Status.TRIAL
    return status


def parse_datetime(value: str | None) -> dt.datetime | None:
    """A 2Checkout date-time (``YYYY-MM-DD HH:MM:SS``, ISO, or ``YmdHis``) as aware UTC.

    2Checkout does not say which zone its dates are in; they are read as UTC, which is
    enough to order one subscription's changes. Empty gives None; anything else that does
    not parse is logged as a warning and gives None.
    """
    text = (value or "").strip()
    if not text:
        return None
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text[:19], fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    date = parse_date(text)
    if date is not None:
        return dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC)
    return None


def parse_date(value: str | None) -> dt.date | None:
    """The date part of a 2Checkout date (``2005-03-03``, ``9999-12-31 23:59:59``, ISO).

    Empty gives None; a value that does not start with a date is logged and gives None.
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        logger.warning("2checkout sync: a date that does not parse was ignored (%r)", text[:40])
        return None


@dataclasses.dataclass(frozen=True)
class SubscriptionState:
    """What 2Checkout says about one subscription; None means "not said, keep what is stored".

    ``status`` is 2Checkout's raw word (``"ACTIVE"``, ``"EXPIRED"``, ...); a new row without
    one starts ``active``. ``trial`` marks a trial licence (an active trial is ``trial``).
    """

    reference: str
    status: str | None = None
    trial: bool = False
    product_code: str | None = None
    product_name: str | None = None
    expires_on: dt.date | None = None
    is_test: bool | None = None
    changed_at: dt.datetime | None = None


class Result(enum.StrEnum):
    """What :func:`apply` did to the row."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALE = "stale"


@dataclasses.dataclass(frozen=True)
class Change:
    """The outcome of :func:`apply` for one subscription."""

    subscription: Subscription
    result: Result
    old_status: str | None
    new_status: str


def send_after_commit(signal: Any, **kwargs: Any) -> None:
    """Send ``signal`` once the transaction commits, to every receiver whatever one raises.

    The change is committed by then, so a receiver's exception (the project's code) is
    logged by Django (``django.dispatch``, ERROR) and raised to nobody: it must not turn a
    listener's answer into a 500 (2Checkout would deliver again, and a processed
    notification is then only acknowledged), stop ``twocheckout_sync``, or keep the other
    receivers from the signal.
    """
    transaction.on_commit(partial(signal.send_robust, **kwargs))


def _valid_reference(value: str | None, field: str) -> str | None:
    """``value`` if it is a reference this app can store, else None."""
    if not value:
        return None
    try:
        return validation.validate_reference(value.strip(), field=field)
    except InvalidInputError:
        return None


def find_customer(external: str | None, twocheckout: str | None) -> CustomerLink | None:
    """The CustomerLink with external reference ``external``, else with 2Checkout's reference.

    References this app could never have stored (too long, odd characters) match nothing.
    """
    external = _valid_reference(external, "external_customer_reference")
    twocheckout = _valid_reference(twocheckout, "twocheckout_customer_reference")
    if external:
        link = CustomerLink.objects.select_related("user").filter(external_reference=external)
        found = link.first()
        if found is not None:
            return found
    if twocheckout:
        return (
            CustomerLink.objects.select_related("user")
            .filter(twocheckout_reference=twocheckout)
            .first()
        )
    return None


def record_twocheckout_reference(
    link: CustomerLink,
    reference: str | None,
    *,
    source: str,
    notification: WebhookNotification | None = None,
) -> bool:
    """Store 2Checkout's customer ``reference`` on ``link`` if it has none; True if stored.

    A link that already has a different reference keeps it (logged as a warning: staff
    decide which is right).
    """
    reference = _valid_reference(reference, "twocheckout_customer_reference")
    if not reference or link.twocheckout_reference == reference:
        return False
    if link.twocheckout_reference:
        logger.warning(
            "2checkout sync: customer link %s already has another 2Checkout reference; "
            "kept it (source=%s)",
            link.pk,
            source,
        )
        return False
    if CustomerLink.objects.filter(twocheckout_reference=reference).exclude(pk=link.pk).exists():
        logger.warning(
            "2checkout sync: 2Checkout reference already linked to another user; "
            "not recorded on customer link %s (source=%s)",
            link.pk,
            source,
        )
        return False
    link.twocheckout_reference = reference
    link.save(update_fields=["twocheckout_reference", "updated_at"])
    send_after_commit(
        customer_linked,
        sender=CustomerLink,
        customer=link,
        user=link.user,
        twocheckout_reference=reference,
        created=False,
        source=source,
        notification=notification,
    )
    return True


def link_user(
    user: Any,
    external: str | None,
    twocheckout: str | None,
    *,
    source: str,
    notification: WebhookNotification | None = None,
) -> CustomerLink | None:
    """The CustomerLink of ``user`` (an ``AUTH_USER_MODEL`` instance), created when missing.

    A new link gets the references given (those this app can store); without any usable
    reference, or when they already belong to someone else, None is returned.
    """
    external = _valid_reference(external, "external_customer_reference")
    twocheckout = _valid_reference(twocheckout, "twocheckout_customer_reference")
    existing = CustomerLink.objects.filter(user=user).first()
    if existing is not None:
        record_twocheckout_reference(
            existing, twocheckout, source=source, notification=notification
        )
        return existing
    taken = Q(pk__in=[])
    if external:
        taken |= Q(external_reference=external)
    if twocheckout:
        taken |= Q(twocheckout_reference=twocheckout)
    if not (external or twocheckout) or CustomerLink.objects.filter(taken).exists():
        return None
    try:
        with transaction.atomic():
            link = CustomerLink.objects.create(
                user=user, external_reference=external, twocheckout_reference=twocheckout
            )
    except IntegrityError:  # the same user linked at the same moment elsewhere?
        concurrent = CustomerLink.objects.filter(user=user).first()
        if concurrent is None:
            raise
        return concurrent
    send_after_commit(
        customer_linked,
        sender=CustomerLink,
        customer=link,
        user=user,
        twocheckout_reference=twocheckout,
        created=True,
        source=source,
        notification=notification,
    )
    return link


def _new_values(state: SubscriptionState, current: Subscription | None) -> dict[str, Any]:
    """The field values ``state`` gives a row (only what it says)."""
    values: dict[str, Any] = {}
    if state.status is not None:
        values["status"] = map_status(state.status, trial=state.trial)
        values["upstream_status"] = state.status.strip()[:40]
    elif current is None:
        values["status"] = Status.TRIAL if state.trial else Status.ACTIVE
    if state.product_code:
        values["product_code"] = state.product_code[: validation.MAX_REFERENCE_LENGTH]
    if state.product_name:
        values["display_name"] = state.product_name[:200]
    if state.expires_on is not None:
        values["expires_on"] = state.expires_on
    if state.is_test is not None:
        values["is_test"] = state.is_test
    if state.changed_at is not None:
        values["changed_at"] = state.changed_at
    return values


def apply(
    customer: CustomerLink,
    state: SubscriptionState,
    *,
    source: str,
    notification: WebhookNotification | None = None,
) -> Change:
    """Create or update the subscription ``state`` describes, for ``customer``.

    The row is locked while it is compared, so two changes of one subscription applied at
    once are applied one after the other. Raises
    :class:`~django_2co_sso.exceptions.InvalidReferenceError` for a reference this app
    cannot store.
    """
    reference = validation.validate_reference(state.reference, field="subscription_reference")
    with transaction.atomic():
        row = Subscription.objects.select_for_update().filter(reference=reference).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = Subscription.objects.create(
                        reference=reference, customer=customer, **_new_values(state, None)
                    )
            except IntegrityError:  # created at the same moment elsewhere? update that one
                row = Subscription.objects.select_for_update().filter(reference=reference).first()
                if row is None:
                    raise
            else:
                _signal_change(row, None, created=True, source=source, notification=notification)
                return Change(row, Result.CREATED, None, row.status)
        old_status = row.status
        if state.changed_at and row.changed_at and state.changed_at < row.changed_at:
            return Change(row, Result.STALE, old_status, old_status)
        values = _new_values(state, row)
        if row.customer_id != customer.pk:
            values["customer"] = customer
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        if not changed:
            return Change(row, Result.UNCHANGED, old_status, old_status)
        for name in changed:
            setattr(row, name, values[name])
        row.save(update_fields=[*changed, "updated_at"])
    _signal_change(row, old_status, created=False, source=source, notification=notification)
    return Change(row, Result.UPDATED, old_status, row.status)


def _signal_change(
    row: Subscription,
    old_status: str | None,
    *,
    created: bool,
    source: str,
    notification: WebhookNotification | None,
) -> None:
    send_after_commit(
        subscription_changed,
        sender=Subscription,
        subscription=row,
        created=created,
        old_status=old_status,
        new_status=row.status,
        source=source,
        notification=notification,
    )


def _text(*values: object) -> str | None:
    """The first value that is a non-empty string (numbers as text), else None."""
    for value in values:
        if isinstance(value, bool) or value is None:
            continue
        text = str(value).strip()
        if text:
            return text
    return None


def state_from_api(item: Any) -> SubscriptionState:
    """A :class:`SubscriptionState` from one subscription object of the API.

    Reads ``SubscriptionReference``, ``Status`` (``DISABLED`` when absent and
    ``SubscriptionEnabled`` is false), ``ExpirationDate``, ``TestSubscription`` and the
    product code and name, flat or under ``Product``. Raises
    :class:`~django_2co_sso.exceptions.BadResponseError` for an object without a reference.
    """
    if not isinstance(item, dict):
        raise BadResponseError("2Checkout answered a subscription that is not an object.")
    reference = _text(item.get("SubscriptionReference"))
    if reference is None:
        raise BadResponseError("2Checkout answered a subscription without SubscriptionReference.")
    nested = item.get("Product")
    product: dict[str, Any] = nested if isinstance(nested, dict) else {}
    status = _text(item.get("Status"))
    if status is None and item.get("SubscriptionEnabled") is False:
        status = "DISABLED"
    test = item.get("TestSubscription")
    return SubscriptionState(
        reference=reference,
        status=status,
        product_code=_text(item.get("ProductCode"), product.get("ProductCode")),
        product_name=_text(item.get("ProductName"), product.get("ProductName")),
        expires_on=parse_date(_text(item.get("ExpirationDate"))),
        is_test=test if isinstance(test, bool) else None,
    )


@dataclasses.dataclass
class Resync:
    """What :func:`resync` did for one customer: subscriptions by :class:`Result`."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, result: Result) -> None:
        if result is Result.CREATED:
            self.created += 1
        elif result is Result.UPDATED:
            self.updated += 1
        else:
            self.unchanged += 1


def resync(customer: CustomerLink) -> Resync:
    """Mirror ``customer``'s subscriptions from 2Checkout (getCustomerSubscriptions).

    Creates the subscriptions 2Checkout reports that are missing here and updates the
    others (idempotent: a second run changes nothing); subscriptions only known here are
    left alone. Records 2Checkout's customer reference on the link when the answer gives
    it and the link has none. Raises any
    :class:`~django_2co_sso.exceptions.TwoCheckoutError` of the call (nothing is changed
    then) or of an object it cannot use (the changes of this customer are rolled back).
    """
    items = get_backend().customer_subscriptions(
        twocheckout_reference=customer.twocheckout_reference,
        external_reference=customer.external_reference,
    )
    states = [state_from_api(item) for item in items]
    summary = Resync()
    with transaction.atomic():
        if not customer.twocheckout_reference:
            reported = {_text(item.get("AvangateCustomerReference")) for item in items} - {None}
            if len(reported) == 1:
                record_twocheckout_reference(customer, reported.pop(), source="resync")
        for state in states:
            summary.count(apply(customer, state, source="resync").result)
    return summary
