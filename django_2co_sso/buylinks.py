"""ConvertPlus buy links that carry the shopper's own customer reference.

A purchase made through :func:`buy_link` reaches the shop's notification listeners with
``EXTERNAL_CUSTOMER_REFERENCE`` set to the user's
:attr:`~django_2co_sso.models.CustomerLink.external_reference`, so the new subscription is
linked to the right user without anyone typing rows into the admin. The first link made
for a user creates their CustomerLink (or gives an existing one an external reference):
a stable, random, non-guessable reference, kept for every later link.

The link is ``BUY_LINK_URL?merchant=…&prod=…&qty=…&customer-ext-ref=…&…&signature=…``.
``signature`` is the hex HMAC-SHA256, keyed with ``BUY_LINK_SECRET`` (the account's Buy-Link
Secret Word, not the API key), of the parameters present whose names are in
``BUY_LINK_SIGNED_PARAMETERS``, sorted by name, each value written as its UTF-8 byte length
followed by the value (:func:`signature`). ``merchant`` is never signed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from django.db import IntegrityError, transaction

from . import validation
from .conf import get_config
from .exceptions import ConfigurationError, InvalidInputError, InvalidReferenceError
from .models import CustomerLink
from .signing import hmac_hex, length_prefixed

__all__ = ["MAX_QUANTITY", "buy_link", "customer_external_reference", "signature"]

#: The most units one buy link may ask for.
MAX_QUANTITY = 1000

#: Parameters the caller may not set through ``extra``.
RESERVED_PARAMETERS = frozenset({"merchant", "prod", "qty", "customer-ext-ref", "signature"})

#: Parameters never covered by the signature, whatever the setting says.
NEVER_SIGNED = frozenset({"merchant", "signature"})


def signature(params: Mapping[str, str], secret: str, signed: Iterable[str]) -> str:
    """The ``signature`` of a buy link with ``params`` (hex HMAC-SHA256 with ``secret``).

    Covers the parameters of ``params`` named in ``signed`` (``merchant`` never), sorted by
    name, values length-prefixed in UTF-8 bytes and unencoded (a ``return-url`` is signed
    as it reads, not URL-encoded).
    """
    wanted = set(signed) - NEVER_SIGNED
    names = sorted(name for name in params if name in wanted)
    return hmac_hex(secret, length_prefixed(*(params[name] for name in names)), "sha256")


def _new_reference() -> str:
    """A random external customer reference (128 bits, hex): stable once stored."""
    return secrets.token_hex(16)


def customer_external_reference(user: Any) -> str:
    """The external customer reference of ``user``, created on first use.

    Creates the user's :class:`~django_2co_sso.models.CustomerLink` when missing, or gives
    an existing link without an external reference a new one. Safe when two requests of
    one user race: both end with the same stored reference.
    """
    link = CustomerLink.objects.filter(user=user).first()
    if link is not None and link.external_reference:
        return link.external_reference
    if link is None:
        try:
            with transaction.atomic():
                link = CustomerLink.objects.create(user=user, external_reference=_new_reference())
            return str(link.external_reference)
        except IntegrityError:  # created by a concurrent request of the same user?
            if not CustomerLink.objects.filter(user=user).exists():
                raise
    CustomerLink.objects.filter(user=user, external_reference__isnull=True).update(
        external_reference=_new_reference()
    )
    return str(CustomerLink.objects.get(user=user).external_reference)


def _product(value: object) -> str:
    try:
        return validation.validate_reference(value, field="product_code")
    except InvalidReferenceError as error:
        raise InvalidReferenceError(error.message, field="product_code") from None


def _quantity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise InvalidInputError(
            f"quantity must be an integer from 1 to {MAX_QUANTITY}.", field="quantity"
        )
    return value


def buy_link(
    user: Any,
    product_code: str,
    *,
    quantity: int = 1,
    extra: Mapping[str, str] | None = None,
) -> str:
    """A signed ConvertPlus buy link for ``product_code`` carrying ``user``'s reference.

    ``user`` is an authenticated user (its reference is created on first use, see
    :func:`customer_external_reference`) or None / an anonymous user (no reference: the
    purchase then arrives as an unmatched customer). ``extra`` adds ConvertPlus parameters
    by their names (``{"return-url": "https://…", "currency": "EUR"}``), signed when
    listed in ``BUY_LINK_SIGNED_PARAMETERS``.

    Raises :class:`~django_2co_sso.exceptions.ConfigurationError` without ``BUY_LINK_SECRET``
    or ``MERCHANT_CODE``, and :class:`~django_2co_sso.exceptions.InvalidInputError` for a
    bad product code, quantity or parameter.
    """
    config = get_config()
    if not config.buy_link_secret or not config.merchant_code:
        raise ConfigurationError(
            "Buy links need TWOCHECKOUT_SSO['BUY_LINK_SECRET'] and MERCHANT_CODE."
        )
    params: dict[str, str] = {
        "merchant": config.merchant_code,
        "prod": _product(product_code),
        "qty": str(_quantity(quantity)),
    }
    for name, value in (extra or {}).items():
        if name in RESERVED_PARAMETERS or not name or not isinstance(value, str):
            raise InvalidInputError(
                f"{name!r} cannot be set as an extra buy-link parameter.", field="extra"
            )
        if "\x00" in value or len(value) > validation.MAX_URL_LENGTH:
            raise InvalidInputError(f"the value of {name!r} is not allowed.", field="extra")
        params[name] = value
    if user is not None and user.is_authenticated:
        params["customer-ext-ref"] = customer_external_reference(user)
    params["signature"] = signature(
        params, config.buy_link_secret, config.buy_link_signed_parameters
    )
    return f"{config.buy_link_url}?{urlencode(params)}"
