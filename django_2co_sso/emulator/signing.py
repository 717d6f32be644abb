"""The emulator's own notification and buy-link signatures, written apart from the client.

Every value is written as its length in UTF-8 bytes followed by the value (so ``""`` gives
``0`` and ``"0"`` gives ``10``), and the pieces are concatenated:

* IPN and LCN: every field in the order sent (arrays element by element), the signature fields
  left out; ``HASH`` = HMAC-MD5, ``SIGNATURE_SHA2_256`` = HMAC-SHA256,
  ``SIGNATURE_SHA3_256`` = HMAC-SHA3-256 of that string with the account's secret key, hex.
* Read receipts: IPN over ``IPN_PID[0]``, ``IPN_PNAME[0]``, ``IPN_DATE`` and the listener's
  ``DATE``; LCN over ``LICENSE_CODE``, ``EXPIRATION_DATE`` and ``DATE``. Accepted forms:
  ``<sig algo="sha256|sha3-256" date="YmdHis">HEX</sig>`` or ``<EPAYMENT>YmdHis|MD5</EPAYMENT>``.
* ConvertPlus buy links: HMAC-SHA256 with the Buy-Link Secret Word over the signed parameters
  present in the link, sorted by name (``merchant`` never signed).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Final

#: Signature field -> hashlib name.
SIGNATURE_FIELDS: Final = {
    "HASH": "md5",
    "SIGNATURE_SHA2_256": "sha256",
    "SIGNATURE_SHA3_256": "sha3_256",
}
#: Receipt ``algo`` attribute -> hashlib name.
RECEIPT_ALGORITHMS: Final = {"sha256": "sha256", "sha3-256": "sha3_256"}
#: Buy-link parameters signed when present (the vendor's "always signed" list); data, not code.
DEFAULT_SIGNED_BUY_LINK_PARAMETERS: Final = frozenset(
    {
        "customer-ext-ref",
        "customer-ref",
        "expiration",
        "item-ext-ref",
        "lock",
        "order-ext-ref",
        "return-type",
        "return-url",
    }
)

Fields = Sequence[tuple[str, str]]

_SIG_RE: Final = re.compile(r"<sig\b([^>]*)>\s*([0-9A-Fa-f]+)\s*</sig>")
_ATTR_RE: Final = re.compile(r'(\w+)\s*=\s*"([^"]*)"')
_EPAYMENT_RE: Final = re.compile(r"<EPAYMENT>\s*(\d{14})\|([0-9A-Fa-f]{32})\s*</EPAYMENT>")
_DATE_RE: Final = re.compile(r"\d{14}")


def prefixed(*values: str) -> str:
    """Each value as ``<UTF-8 byte length><value>``, concatenated."""
    return "".join(f"{len(value.encode('utf-8'))}{value}" for value in values)


def _hmac(secret: str, message: str, digest: str) -> str:
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), digest).hexdigest()


def notification_string(fields: Fields) -> str:
    """The string a notification's signatures sign (signature fields left out)."""
    return prefixed(*(value for name, value in fields if name not in SIGNATURE_FIELDS))


def sign_notification(secret: str, fields: Fields) -> list[tuple[str, str]]:
    """``fields`` followed by ``HASH``, ``SIGNATURE_SHA2_256`` and ``SIGNATURE_SHA3_256``."""
    unsigned = [(name, value) for name, value in fields if name not in SIGNATURE_FIELDS]
    message = notification_string(unsigned)
    return unsigned + [(name, _hmac(secret, message, d)) for name, d in SIGNATURE_FIELDS.items()]


def _first(fields: Fields, name: str) -> str:
    return next((value for key, value in fields if key == name), "")


def receipt_string(kind: str, fields: Fields, date: str) -> str:
    """The string a listener's read receipt signs (``kind`` ``ipn`` or ``lcn``)."""
    names: tuple[str, ...] = ("LICENSE_CODE", "EXPIRATION_DATE")
    if kind == "ipn":
        names = ("IPN_PID[]", "IPN_PNAME[]", "IPN_DATE")
    return prefixed(*(_first(fields, name) for name in names), date)


def receipt_is_valid(kind: str, secret: str, fields: Fields, body: str) -> bool:
    """Whether ``body`` carries a valid read receipt for the notification ``fields``."""
    for attributes, given in _SIG_RE.findall(body):
        attrs = dict(_ATTR_RE.findall(attributes))
        digest = RECEIPT_ALGORITHMS.get(attrs.get("algo", "").lower())
        date = attrs.get("date", "")
        if digest and _DATE_RE.fullmatch(date):
            expected = _hmac(secret, receipt_string(kind, fields, date), digest)
            if hmac.compare_digest(expected, given.lower()):
                return True
    for date, given in _EPAYMENT_RE.findall(body):
        expected = _hmac(secret, receipt_string(kind, fields, date), "md5")
        if hmac.compare_digest(expected, given.lower()):
            return True
    return False


def buy_link_string(params: Mapping[str, str], signed: Collection[str]) -> str:
    """The string a buy-link signature signs: the signed parameters present, by name."""
    names = sorted(name for name in params if name in signed and name != "merchant")
    return prefixed(*(params[name] for name in names))


def buy_link_signature(secret: str, params: Mapping[str, str], signed: Collection[str]) -> str:
    """The hex HMAC-SHA256 ``signature`` of a buy link's parameters."""
    return _hmac(secret, buy_link_string(params, signed), "sha256")
