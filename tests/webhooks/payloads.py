"""Real IPN/LCN payloads for the listener tests, with their signed strings typed by hand.

The signing here is the tests' own (stdlib ``hmac``), written apart from the package: the
hand-typed strings below pin down what 2Checkout signs, and :func:`signed_body` reproduces
them for any other payload the tests need.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from urllib.parse import urlencode

KEY = "test-secret-key-do-not-log"  # tests/settings.py SECRET_KEY of TWOCHECKOUT_SSO

Pairs = list[tuple[str, str]]

DIGESTS = {"sha3-256": hashlib.sha3_256, "sha256": hashlib.sha256, "md5": hashlib.md5}
FIELD_OF = {"sha3-256": "SIGNATURE_SHA3_256", "sha256": "SIGNATURE_SHA2_256", "md5": "HASH"}

#: An LCN with multibyte names, an empty value and the value "0".
LCN: Pairs = [
    ("FIRST_NAME", "José"),
    ("LAST_NAME", "Müller"),
    ("COMPANY", ""),
    ("EMAIL", "jose@example.com"),
    ("LICENSE_CODE", "3C343D0FAF"),
    ("EXPIRATION_DATE", "2027-03-03 12:00:00"),
    ("DATE_UPDATED", "2026-11-20 10:00:00"),
    ("AVANGATE_CUSTOMER_REFERENCE", "70123456"),
    ("EXTERNAL_CUSTOMER_REFERENCE", "shop-customer-1"),
    ("TEST", "0"),
    ("CHANGED_BY", "SYSTEM"),
    ("LICENSE_TYPE", "REGULAR"),
    ("STATUS", "ACTIVE"),
]
#: What 2Checkout signs for LCN: "José" is 5 bytes, "Müller" 7, "" is 0, "0" is 10.
LCN_SIGNED = (
    "5José" + "7Müller" + "0" + "16jose@example.com" + "103C343D0FAF"
    "192027-03-03 12:00:00" + "192026-11-20 10:00:00" + "870123456" + "15shop-customer-1"
    "10" + "6SYSTEM" + "7REGULAR" + "6ACTIVE"
)
#: The same with character counts (what the official SDKs compute): must be refused.
LCN_SIGNED_BY_CHARACTERS = LCN_SIGNED.replace("5José7Müller", "4José6Müller")

#: An IPN for an order of two products, each with a subscription.
IPN: Pairs = [
    ("REFNO", "1000037"),
    ("REFNOEXT", ""),
    ("ORDERSTATUS", "COMPLETE"),
    ("IPN_DATE", "20261120100000"),
    ("FIRSTNAME", "Zoë"),
    ("CUSTOMEREMAIL", "zoe@example.com"),
    ("AVANGATE_CUSTOMER_REFERENCE", "70999001"),
    ("EXTERNAL_CUSTOMER_REFERENCE", "shop-customer-2"),
    ("IPN_PID[]", "1"),
    ("IPN_PID[]", "2"),
    ("IPN_PNAME[]", "Software program"),
    ("IPN_PNAME[]", "Café add-on"),
    ("IPN_PCODE[]", "SOFT1"),
    ("IPN_PCODE[]", "ADDON"),
    ("IPN_LICENSE_REF[]", "SUBA1B2C3"),
    ("IPN_LICENSE_REF[]", "SUBD4E5F6"),
    ("TEST_ORDER", "0"),
]
IPN_SIGNED = (
    "710000370" + "8COMPLETE" + "1420261120100000" + "4Zoë" + "15zoe@example.com"
    "870999001" + "15shop-customer-2" + "11" + "12" + "16Software program" + "12Café add-on"
    "5SOFT1" + "5ADDON" + "9SUBA1B2C3" + "9SUBD4E5F6" + "10"
)


def hmac_hex(message: str, algorithm: str, key: str = KEY) -> str:
    return hmac.new(key.encode(), message.encode(), DIGESTS[algorithm]).hexdigest()


def signed_string(pairs: Sequence[tuple[str, str]]) -> str:
    """The tests' own length-prefixing (bytes of UTF-8)."""
    return "".join(f"{len(value.encode())}{value}" for _name, value in pairs)


def signed(
    pairs: Sequence[tuple[str, str]],
    algorithms: Sequence[str] = ("sha3-256", "sha256", "md5"),
    *,
    key: str = KEY,
    message: str | None = None,
) -> Pairs:
    """``pairs`` followed by a signature per algorithm (over ``message`` when given)."""
    text = signed_string(pairs) if message is None else message
    return [*pairs, *((FIELD_OF[algo], hmac_hex(text, algo, key)) for algo in algorithms)]


def body(pairs: Sequence[tuple[str, str]]) -> str:
    return urlencode(list(pairs))


def replace(pairs: Sequence[tuple[str, str]], **changes: str) -> Pairs:
    """``pairs`` with the values of ``changes`` swapped in, order kept."""
    return [(name, changes.get(name, value)) for name, value in pairs]


def receipt_hash(values: Sequence[str], date: str, algorithm: str, key: str = KEY) -> str:
    return hmac_hex(signed_string([("", v) for v in (*values, date)]), algorithm, key)
