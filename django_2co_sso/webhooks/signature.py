"""Verifying IPN/LCN signatures and writing the read receipts 2Checkout waits for.

The signed string is every field in the order received except the signatures themselves
(``HASH``, ``SIGNATURE_SHA2_256``, ``SIGNATURE_SHA3_256``), each value written as its UTF-8
byte length followed by the value (:func:`django_2co_sso.signing.length_prefixed`: empty
is ``0``, ``"0"`` is ``10``). The signatures are hex HMACs of it keyed with the account's
secret key: ``SIGNATURE_SHA3_256`` (HMAC-SHA3-256), ``SIGNATURE_SHA2_256`` (HMAC-SHA256),
``HASH`` (HMAC-MD5). Only the strongest signature present is checked, so a payload cannot
be downgraded by tampering with a weaker one, and it must be at least as strong as the
weakest algorithm the project accepts.

This module is pure: no settings, no database. Nothing it raises or returns quotes a
signature, a key or a computed hash.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence

from django.utils.crypto import constant_time_compare

from ..conf import WEBHOOK_ALGORITHMS
from ..exceptions import InvalidNotificationError
from ..signing import hmac_hex, length_prefixed

__all__ = [
    "RECEIPT_DATE_FORMAT",
    "SIGNATURE_FIELDS",
    "Verified",
    "content_identity",
    "ipn_receipt",
    "lcn_receipt",
    "receipt",
    "receipt_date",
    "signed_string",
    "unsigned_fields",
    "verify",
]

#: Signature field -> algorithm, strongest first.
SIGNATURE_FIELDS: dict[str, str] = {
    "SIGNATURE_SHA3_256": "sha3-256",
    "SIGNATURE_SHA2_256": "sha256",
    "HASH": "md5",
}

#: The listener's date in a read receipt (``YmdHis``, e.g. ``20081117145935``).
RECEIPT_DATE_FORMAT = "%Y%m%d%H%M%S"

Fields = Sequence[tuple[str, str]]


@dataclasses.dataclass(frozen=True)
class Verified:
    """Which account's key verified a notification, and with which algorithm.

    ``secret_key`` is kept for the read receipt and never shown.
    """

    account: str
    algorithm: str
    secret_key: str = dataclasses.field(repr=False)


def unsigned_fields(fields: Fields) -> list[tuple[str, str]]:
    """``fields`` without the signature fields, order kept."""
    return [(name, value) for name, value in fields if name not in SIGNATURE_FIELDS]


def signed_string(fields: Fields) -> str:
    """The string the notification signatures are computed over."""
    return length_prefixed(*(value for _name, value in unsigned_fields(fields)))


def content_identity(fields: Fields) -> str:
    """A SHA-256 (hex) of the unsigned fields, names included: equal for repeat deliveries."""
    text = "".join(length_prefixed(name, value) for name, value in unsigned_fields(fields))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _given_signature(fields: Fields) -> tuple[str, str]:
    """The algorithm and value of the strongest signature present."""
    present: dict[str, list[str]] = {}
    for name, value in fields:
        if name in SIGNATURE_FIELDS:
            present.setdefault(name, []).append(value)
    for name, algorithm in SIGNATURE_FIELDS.items():
        values = present.get(name)
        if not values:
            continue
        if len(values) > 1 or not values[0].strip():
            raise InvalidNotificationError(
                f"{name} is repeated or empty", code="NOTIFICATION_BAD_SIGNATURE", status=403
            )
        return algorithm, values[0].strip().lower()
    raise InvalidNotificationError(
        "the notification carries no signature", code="NOTIFICATION_UNSIGNED"
    )


def verify(fields: Fields, accounts: Mapping[str, str], *, weakest: str = "md5") -> Verified:
    """Check the strongest signature present against each account's key, in constant time.

    Raises :class:`~django_2co_sso.exceptions.InvalidNotificationError` when no signature
    is present (400), when the strongest one is weaker than ``weakest`` (403), or when no
    key gives the same signature (403).
    """
    algorithm, given = _given_signature(fields)
    if WEBHOOK_ALGORITHMS.index(algorithm) > WEBHOOK_ALGORITHMS.index(weakest):
        raise InvalidNotificationError(
            f"the strongest signature present ({algorithm}) is weaker than {weakest}",
            code="NOTIFICATION_WEAK_SIGNATURE",
            status=403,
        )
    message = signed_string(fields)
    for account, key in accounts.items():
        if key and constant_time_compare(hmac_hex(key, message, algorithm), given):
            return Verified(account=account, algorithm=algorithm, secret_key=key)
    raise InvalidNotificationError(
        "the signature does not match", code="NOTIFICATION_BAD_SIGNATURE", status=403
    )


def receipt_date(now: dt.datetime | None = None) -> str:
    """The listener's current UTC time (or ``now``) as ``YmdHis``."""
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).strftime(RECEIPT_DATE_FORMAT)


def receipt(values: Sequence[str], verified: Verified, date: str) -> str:
    """The read receipt over ``values`` then ``date``, in the verified algorithm's family.

    ``<sig algo="sha256" date="DATE">HASH</sig>`` (or ``sha3-256``), and for MD5 the legacy
    ``<EPAYMENT>DATE|HASH</EPAYMENT>``.
    """
    digest = hmac_hex(verified.secret_key, length_prefixed(*values, date), verified.algorithm)
    if verified.algorithm == "md5":
        return f"<EPAYMENT>{date}|{digest}</EPAYMENT>"
    return f'<sig algo="{verified.algorithm}" date="{date}">{digest}</sig>'


def _first(fields: Fields, *names: str) -> str:
    """The first value of the first of ``names`` present, else ``""``."""
    for wanted in names:
        for name, value in fields:
            if name == wanted:
                return value
    return ""


def ipn_receipt(fields: Fields, verified: Verified, date: str) -> str:
    """An IPN read receipt: HMAC over ``IPN_PID[0]``, ``IPN_PNAME[0]``, ``IPN_DATE``, ``DATE``."""
    values = (
        _first(fields, "IPN_PID[]", "IPN_PID[0]", "IPN_PID"),
        _first(fields, "IPN_PNAME[]", "IPN_PNAME[0]", "IPN_PNAME"),
        _first(fields, "IPN_DATE"),
    )
    return receipt(values, verified, date)


def lcn_receipt(fields: Fields, verified: Verified, date: str) -> str:
    """An LCN read receipt: HMAC over ``LICENSE_CODE``, ``EXPIRATION_DATE``, ``DATE``."""
    values = (_first(fields, "LICENSE_CODE"), _first(fields, "EXPIRATION_DATE"))
    return receipt(values, verified, date)
