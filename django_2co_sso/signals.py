"""Signals for your own code: SSO links minted or refused, and what sync changed.

:data:`sso_link_issued` and :data:`sso_link_failed` are sent after every attempt to mint
an SSO link, for your own tracking. Both are sent with ``sender`` set to the
:class:`~django_2co_sso.models.LinkKind` member of the link (so
``@receiver(sso_link_issued, sender=LinkKind.CART)`` filters by kind) and these keyword
arguments:

``user``
    The user who asked (shopper or staff), or None (management command without ``--staff``).
``kind``
    ``"subscription"``, ``"customer"``, ``"cart"`` or ``"partner"``.
``reference``
    The subscription, customer or partner reference the link is for.
``page``
    The page name, or None for a home page / cart / partner panel.
``request``
    The current :class:`~django.http.HttpRequest`, or None outside a request.

:data:`sso_link_failed` also passes ``error``: the exception raised (a
:class:`~django_2co_sso.exceptions.TwoCheckoutError` in every foreseen case, with
``.code``). The SSO URL is never passed: it is a bearer credential that expires in seconds.


Keeping in sync
---------------
Three more signals tell your code what 2Checkout's notifications and the
``twocheckout_sync`` command changed. They are sent **after the transaction commits**
(never for a change that was rolled back), with ``source`` = ``"ipn"``, ``"lcn"`` or
``"resync"`` and ``notification`` = the
:class:`~django_2co_sso.models.WebhookNotification` (None for ``"resync"``); a receiver
that raises is logged (``django.dispatch``) and changes nothing for the others or for the
listener's answer:

:data:`customer_linked` (``sender`` = :class:`~django_2co_sso.models.CustomerLink`)
    A customer link got 2Checkout's customer reference, or was created for a user by
    ``CUSTOMER_MAPPING_FUNCTION``. Arguments: ``customer`` (the link), ``user``,
    ``twocheckout_reference``, ``created`` (True when the link is new).
:data:`subscription_changed` (``sender`` = :class:`~django_2co_sso.models.Subscription`)
    A subscription row was created or changed. Arguments: ``subscription``, ``created``,
    ``old_status`` (None when created) and ``new_status`` (``Subscription.Status`` values).
:data:`notification_received` (``sender`` = :class:`~django_2co_sso.models.WebhookNotification`)
    A verified notification was stored and processed (once per processing, not for a
    duplicate delivery that is only acknowledged). Arguments: ``notification``, ``kind``
    (``"ipn"`` or ``"lcn"``), ``outcome``.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = [
    "customer_linked",
    "notification_received",
    "sso_link_failed",
    "sso_link_issued",
    "subscription_changed",
]

#: Sent after a link was minted (before the shopper is redirected to it).
sso_link_issued = Signal()

#: Sent after minting a link failed (upstream error, invalid input, disallowed redirect).
sso_link_failed = Signal()

#: Sent after commit when a CustomerLink got 2Checkout's reference or was created by mapping.
customer_linked = Signal()

#: Sent after commit when a Subscription row was created or changed (old and new status).
subscription_changed = Signal()

#: Sent after commit when a verified IPN/LCN notification was stored and processed.
notification_received = Signal()
