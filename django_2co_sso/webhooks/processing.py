"""Storing verified notifications, then applying them: nothing lost, nothing twice.

:func:`receive` stores a verified notification first (the database's unique
``(kind, identity)`` constraint makes a repeat delivery, even one arriving at the same
moment on another worker, find the stored row instead of a new one), then runs
:func:`run` on it. :func:`run` locks the row, and:

* a row already settled (processed, unmatched, ignored, stale) is only acknowledged again;
* otherwise the notification is applied in a savepoint. An exception rolls the changes
  back, is recorded on the row (outcome ``error``) and logged at ERROR (the traceback's
  text with secrets masked, never the frames' variables); the listener
  then answers without a read receipt, so 2Checkout delivers it again, and staff can
  re-process it from the admin.

What applying does, per kind:

IPN (an order)
    Find the customer (:func:`resolve_customer`), record 2Checkout's customer reference on
    it, and, when ``ORDERSTATUS`` is ``COMPLETE``, create or update one subscription per
    ``IPN_LICENSE_REF[]`` with the product code (``IPN_PCODE[]``) and name
    (``IPN_PNAME[]``) at the same position.
LCN (a subscription change)
    Find the customer, or the stored subscription's customer when the LCN carries no
    customer field, and apply ``STATUS`` (with ``LICENSE_TYPE``), ``EXPIRATION_DATE``,
    ``TEST``, ``DATE_UPDATED`` and the product fields to the subscription ``LICENSE_CODE``.
    An LCN older (``DATE_UPDATED``) than the stored state is recorded as ``stale``.

A notification whose customer the shop does not know is kept as ``unmatched`` (and
acknowledged): ``CUSTOMER_MAPPING_FUNCTION`` may name the user instead. Test notifications
(``TEST`` / ``TEST_ORDER`` = 1) are applied and flagged, or only stored (``ignored``) with
``WEBHOOK_IGNORE_TEST_NOTIFICATIONS``.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .. import sync
from ..conf import get_config
from ..models import CustomerLink, Subscription, WebhookNotification
from ..services import _import_callable, _safe_text, _safe_traceback
from ..signals import notification_received
from .signature import Verified, content_identity, unsigned_fields

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

__all__ = ["NotificationData", "receive", "resolve_customer", "run"]

logger = logging.getLogger("django_2co_sso.webhooks")

Outcome = WebhookNotification.Outcome

#: IPN order statuses whose subscriptions are created or updated.
SUBSCRIBING_ORDER_STATUSES = frozenset({"COMPLETE"})

#: LCN fields that may carry the product code and name (the LCN settings decide which are
#: sent; the names are not all confirmed): the first one present is used.
LCN_PRODUCT_CODE_FIELDS = ("PRODUCT_CODE", "LICENSE_PRODUCT_CODE", "PCODE")
LCN_PRODUCT_NAME_FIELDS = ("PRODUCT_NAME", "LICENSE_PRODUCT_NAME", "PNAME")

_ARRAY_NAME = re.compile(r"(?P<base>[^\[\]]+)\[\d*\]\Z")


@dataclasses.dataclass(frozen=True)
class NotificationData:
    """The fields of one notification (signatures left out), with easy access.

    This is what ``CUSTOMER_MAPPING_FUNCTION`` receives: read ``.email``, the customer
    references, or any field with :meth:`get` / :meth:`values`.
    """

    kind: str
    fields: tuple[tuple[str, str], ...]

    def values(self, name: str) -> list[str]:
        """Every value of ``name``, also sent as ``name[]`` or ``name[<n>]``, in order."""
        found = []
        for field, value in self.fields:
            match = _ARRAY_NAME.match(field)
            if field == name or (match is not None and match.group("base") == name):
                found.append(value)
        return found

    def get(self, *names: str) -> str:
        """The first non-empty value of the first of ``names`` present, else ``""``."""
        for name in names:
            for value in self.values(name):
                if value.strip():
                    return value.strip()
        return ""

    @property
    def external_customer_reference(self) -> str:
        """``EXTERNAL_CUSTOMER_REFERENCE``: the shop's own customer id, when sent."""
        return self.get("EXTERNAL_CUSTOMER_REFERENCE")

    @property
    def twocheckout_customer_reference(self) -> str:
        """``AVANGATE_CUSTOMER_REFERENCE``: 2Checkout's customer id."""
        return self.get("AVANGATE_CUSTOMER_REFERENCE")

    @property
    def email(self) -> str:
        """The customer's e-mail (``CUSTOMEREMAIL`` in an IPN, ``EMAIL`` in an LCN)."""
        return self.get("CUSTOMEREMAIL", "EMAIL")

    @property
    def reference(self) -> str:
        """The order (``REFNO``) of an IPN, the subscription (``LICENSE_CODE``) of an LCN."""
        return self.get("REFNO" if self.kind == WebhookNotification.Kind.IPN else "LICENSE_CODE")

    @property
    def is_test(self) -> bool:
        """Whether 2Checkout marked it as a test (``TEST`` or ``TEST_ORDER`` = 1)."""
        return self.get("TEST", "TEST_ORDER") == "1"


def _record(notification: WebhookNotification) -> NotificationData:
    return NotificationData(notification.kind, tuple(notification.field_pairs()))


@sensitive_variables()  # the fields as received: signatures and the customer's data
def receive(
    kind: str, fields: Sequence[tuple[str, str]], verified: Verified, remote_addr: str | None
) -> WebhookNotification:
    """Store a verified notification (once), then :func:`run` it; return the stored row.

    Raises :class:`~django.db.DatabaseError` when the database refuses the row (for another
    reason than a stored repeat): the listener then answers 503 and 2Checkout retries.
    """
    data = NotificationData(kind, tuple(unsigned_fields(fields)))
    identity = content_identity(fields)
    try:
        with transaction.atomic():
            notification = WebhookNotification.objects.create(
                kind=kind,
                identity=identity,
                account=verified.account,
                algorithm=verified.algorithm,
                remote_addr=remote_addr,
                fields=[list(pair) for pair in data.fields],
                reference=data.reference[:255],
                external_customer_reference=data.external_customer_reference[:255],
                twocheckout_customer_reference=data.twocheckout_customer_reference[:255],
                is_test=data.is_test,
            )
    except IntegrityError:
        stored = WebhookNotification.objects.filter(kind=kind, identity=identity).first()
        if stored is None:
            raise  # refused for another reason than being a repeat
        return run(stored.pk, redelivery=True)
    return run(notification.pk)


def run(pk: int, *, redelivery: bool = False, force: bool = False) -> WebhookNotification:
    """Apply stored notification ``pk`` unless it is settled (or ``force``); return it.

    ``redelivery`` counts one more delivery. Never raises for a processing failure: it is
    recorded on the row (outcome ``error``) and logged at ERROR.
    """
    with transaction.atomic():
        notification = WebhookNotification.objects.select_for_update().get(pk=pk)
        if redelivery:
            WebhookNotification.objects.filter(pk=pk).update(deliveries=F("deliveries") + 1)
        if notification.outcome in WebhookNotification.SETTLED and not force:
            return notification
        customer_id = notification.customer_id
        try:
            with transaction.atomic():
                notification.outcome = _apply(notification)
        except Exception as error:
            notification.customer_id = customer_id  # a link made in the savepoint is gone
            notification.outcome = Outcome.ERROR
            notification.error = f"{type(error).__name__}: {_safe_text(error, 2000)}"[:2000]
            # No exc_info: handlers such as AdminEmailHandler render every frame's locals
            # (the customer's personal data, a mapping function's variables); the
            # traceback's text, secrets masked, says where it failed.
            logger.error(
                "2checkout %s notification %s (%s) failed to process; stored for retry: %s\n%s",
                notification.kind.upper(),
                notification.pk,
                notification.reference or "-",
                type(error).__name__,
                _safe_traceback(error),
            )
        else:
            notification.error = ""
            logger.info(
                "2checkout %s notification %s (%s): %s",
                notification.kind.upper(),
                notification.pk,
                notification.reference or "-",
                notification.outcome,
            )
        notification.processed_at = timezone.now()
        notification.save(update_fields=["outcome", "error", "processed_at", "customer"])
        sync.send_after_commit(
            notification_received,
            sender=WebhookNotification,
            notification=notification,
            kind=notification.kind,
            outcome=notification.outcome,
        )
    return notification


def resolve_customer(
    data: NotificationData, *, notification: WebhookNotification | None = None
) -> CustomerLink | None:
    """The shop's customer for ``data``: by either reference, else ``CUSTOMER_MAPPING_FUNCTION``.

    2Checkout's reference is recorded on a link found by the external reference.
    """
    external = data.external_customer_reference
    twocheckout = data.twocheckout_customer_reference
    source = data.kind
    link = sync.find_customer(external, twocheckout)
    if link is not None:
        sync.record_twocheckout_reference(
            link, twocheckout, source=source, notification=notification
        )
        return link
    config = get_config()
    if not config.customer_mapping_function:
        return None
    mapping = _import_callable(config.customer_mapping_function, "CUSTOMER_MAPPING_FUNCTION")
    user: AbstractBaseUser | None = mapping(data)
    if user is None:
        return None
    return sync.link_user(user, external, twocheckout, source=source, notification=notification)


def _apply(notification: WebhookNotification) -> str:
    data = _record(notification)
    if data.is_test and get_config().webhook_ignore_test_notifications:
        return Outcome.IGNORED
    if notification.kind == WebhookNotification.Kind.LCN:
        return _apply_lcn(notification, data)
    return _apply_ipn(notification, data)


def _apply_ipn(notification: WebhookNotification, data: NotificationData) -> str:
    customer = resolve_customer(data, notification=notification)
    notification.customer = customer
    if customer is None:
        return Outcome.UNMATCHED
    if data.get("ORDERSTATUS").upper() not in SUBSCRIBING_ORDER_STATUSES:
        return Outcome.PROCESSED
    codes = data.values("IPN_PCODE")
    names = data.values("IPN_PNAME")
    types = data.values("IPN_LICENSE_TYPE")
    for position, reference in enumerate(data.values("IPN_LICENSE_REF")):
        if not reference.strip():
            continue  # a product without a subscription
        state = sync.SubscriptionState(
            reference=reference.strip(),
            trial=_at(types, position).upper() == "TRIAL",
            product_code=_at(codes, position) or None,
            product_name=_at(names, position) or None,
            is_test=data.is_test,
        )
        sync.apply(customer, state, source="ipn", notification=notification)
    return Outcome.PROCESSED


def _apply_lcn(notification: WebhookNotification, data: NotificationData) -> str:
    reference = data.get("LICENSE_CODE")
    if not reference:
        raise ValueError("the LCN has no LICENSE_CODE")
    customer = resolve_customer(data, notification=notification)
    if customer is None:
        existing = Subscription.objects.select_related("customer").filter(reference=reference)
        stored = existing.first()
        if stored is None:
            return Outcome.UNMATCHED
        customer = stored.customer
    notification.customer = customer
    state = sync.SubscriptionState(
        reference=reference,
        status=data.get("STATUS") or None,
        trial=data.get("LICENSE_TYPE").upper() == "TRIAL",
        product_code=data.get(*LCN_PRODUCT_CODE_FIELDS) or None,
        product_name=data.get(*LCN_PRODUCT_NAME_FIELDS) or None,
        expires_on=sync.parse_date(data.get("EXPIRATION_DATE")),
        is_test=data.is_test,
        changed_at=sync.parse_datetime(data.get("DATE_UPDATED")),
    )
    change = sync.apply(customer, state, source="lcn", notification=notification)
    return Outcome.STALE if change.result == sync.Result.STALE else Outcome.PROCESSED


def _at(values: list[str], position: int) -> str:
    return values[position].strip() if position < len(values) else ""


def reprocess(notifications: Any) -> list[WebhookNotification]:
    """Run each stored notification again, settled or not (the admin action)."""
    return [run(notification.pk, force=True) for notification in notifications]
