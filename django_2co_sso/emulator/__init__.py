"""A local 2Checkout (Avangate/Verifone) API emulator, like stripe-mock or moto's server mode.

It serves, under one base URL (so a client only changes its ``API_URL``):

* ``/soap/6.0/`` SOAP 1.1 rpc/encoded, WSDL at ``/soap/6.0/?wsdl`` (:mod:`.soap`);
* ``/rpc/6.0/`` JSON-RPC 2.0 (:mod:`.jsonrpc`);
* ``/rest/6.0/`` REST with the ``X-Avangate-Authentication`` header (:mod:`.rest`);
* landing pages that consume the SSO tokens: ``/myaccount/...``, ``/support/``,
  ``/order/checkout.php``, ``/cpanel/index.php`` (:mod:`.pages`);
* a control endpoint ``/__emulator__/...`` (:mod:`.control`).

Methods (positional): ``login``, ``getSingleSignOn``, ``getSingleSignOnByCustomer``,
``getSingleSignOnInCart``, ``getCustomerInformationBySSOToken``, ``setPartner``,
``getPartnerSingleSignOn``, ``getCustomerSubscriptions``. Behaviour and validation:
:mod:`.service`; error codes per protocol: :mod:`.errors`; login HMAC: :mod:`.auth`; sessions:
:mod:`.sessions`; tokens: :mod:`.tokens`; fault injection: :mod:`.faults`; counters:
:mod:`.stats`; seed format: :mod:`.data`.

Start it with ``python -m django_2co_sso.emulator`` or ``manage.py twocheckout_emulator``
(:mod:`.cli`), from Python with :class:`Emulator`, or in pytest with the
``twocheckout_emulator`` fixture (:mod:`.pytest_plugin`).

The emulator is deliberately written apart from the API client: it imports nothing from the
rest of django_2co_sso, and its server core imports nothing from Django.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .auth import compute_hash, signed_string
    from .data import Customer, Dataset, Partner, Subscription, default_seed
    from .emulator import DEFAULT_MERCHANT_CODE, DEFAULT_SECRET_KEY, Emulator
    from .errors import ApiError
    from .faults import FaultRule

# Loaded on first use, so that importing the pytest plugin at pytest start stays cheap.
_EXPORTS = {
    "compute_hash": ".auth",
    "signed_string": ".auth",
    "Customer": ".data",
    "Dataset": ".data",
    "Partner": ".data",
    "Subscription": ".data",
    "default_seed": ".data",
    "DEFAULT_MERCHANT_CODE": ".emulator",
    "DEFAULT_SECRET_KEY": ".emulator",
    "Emulator": ".emulator",
    "ApiError": ".errors",
    "FaultRule": ".faults",
}

__all__ = [
    "DEFAULT_MERCHANT_CODE",
    "DEFAULT_SECRET_KEY",
    "ApiError",
    "Customer",
    "Dataset",
    "Emulator",
    "FaultRule",
    "Partner",
    "Subscription",
    "compute_hash",
    "default_seed",
    "signed_string",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)
