"""Signals sent after every attempt to mint an SSO link, for your own tracking.

Both are sent with ``sender`` set to the :class:`~django_2co_sso.models.LinkKind` member
of the link (so ``@receiver(sso_link_issued, sender=LinkKind.CART)`` filters by kind) and
these keyword arguments:

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
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["sso_link_failed", "sso_link_issued"]

#: Sent after a link was minted (before the shopper is redirected to it).
sso_link_issued = Signal()

#: Sent after minting a link failed (upstream error, invalid input, disallowed redirect).
sso_link_failed = Signal()
