"""django-2co-sso: single sign-on from Django into 2Checkout myAccount, carts and partners.

The public entry point of the API client is :func:`get_backend`::

    from django_2co_sso import get_backend

    url = get_backend().customer_sso_url("CUST-42", page="payment_methods")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backends.base import BaseBackend

__all__ = ["__version__", "get_backend", "warm_up"]

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


def warm_up(**overrides: Any) -> bool:
    """Build the configured backend and load what its first link would (opt-in).

    Call it where a worker process starts, e.g. in gunicorn's ``post_worker_init`` hook,
    so the first shopper does not wait for imports, the cache connection and (SOAP) the
    WSDL download and parse. Makes no API call. Never raises because of anything outside
    the process (2Checkout or the WSDL unreachable or not a WSDL, the cache down, even a
    bug in a parser): it then returns False with one warning logged, the worker starts
    anyway and the first link tries again. Raises
    :class:`~django_2co_sso.exceptions.ConfigurationError` for an invalid setting only.
    """
    import logging

    from .exceptions import ConfigurationError, TwoCheckoutError
    from .redaction import redact

    try:
        get_backend(**overrides).warm_up()
    except ConfigurationError:
        raise
    except Exception as error:  # a worker must boot whatever 2Checkout or the cache does
        reason = (
            error.code
            if isinstance(error, TwoCheckoutError)
            else f"{type(error).__name__}: {redact(str(error))[:200]}"
        )
        logging.getLogger("django_2co_sso").warning(
            "2checkout warm-up failed (%s); the first link will load the client", reason
        )
        return False
    return True
