"""django-2co-sso: single sign-on from Django into 2Checkout myAccount, carts and partners.

The public entry point of the API client is :func:`get_backend`::

    from django_2co_sso import get_backend

    url = get_backend().customer_sso_url("CUST-42", page="payment_methods")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backends.base import BaseBackend

__all__ = ["__version__", "get_backend"]

__version__ = "0.1.0.dev0"


def get_backend(**overrides: Any) -> BaseBackend:
    """The backend configured in ``TWOCHECKOUT_SSO``, built once and reused.

    ``overrides`` replace keys of the setting (for instance another ``MERCHANT_CODE`` and
    ``SECRET_KEY`` for a shop with several 2Checkout accounts). A backend is rebuilt when
    the setting or the overrides change. Raises
    :class:`~django_2co_sso.exceptions.ConfigurationError` for an invalid setting.
    """
    from .registry import get_backend as _get_backend

    return _get_backend(**overrides)
