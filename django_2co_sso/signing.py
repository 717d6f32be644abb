"""The HMACs 2Checkout uses: login and REST header, notifications, buy links.

Every 2Checkout signature signs values written the same way: the value's length in UTF-8
bytes followed by the value (:func:`length_prefixed`; an empty value is ``0``, the value
``"0"`` is ``10``), concatenated. For login the values are the merchant code and the date;
the hash is the hex HMAC of that string keyed with the secret key. ``md5`` is the legacy
form, sent without an ``algo`` value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

_DIGESTS: dict[str, Callable[..., Any]] = {
    "md5": hashlib.md5,
    "sha256": hashlib.sha256,
    "sha3-256": hashlib.sha3_256,
}


def length_prefixed(*values: str) -> str:
    """Each value as its UTF-8 byte length followed by the value, concatenated.

    Lengths count bytes, not characters (``"é"`` is ``2é``); ``""`` gives ``0`` and
    ``"0"`` gives ``10``.
    """
    return "".join(f"{len(value.encode('utf-8'))}{value}" for value in values)


def signed_string(merchant_code: str, date: str) -> str:
    """``len(code) + code + len(date) + date``, lengths counted in UTF-8 bytes."""
    return length_prefixed(merchant_code, date)


def hmac_hex(key: str, message: str, algorithm: str) -> str:
    """The hex HMAC of ``message`` (UTF-8) keyed with ``key``, with md5, sha256 or sha3-256."""
    try:
        digest = _DIGESTS[algorithm]
    except KeyError:
        raise ValueError(f"unsupported hash algorithm {algorithm!r}") from None
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), digest).hexdigest()


def login_hash(merchant_code: str, date: str, secret_key: str, algorithm: str) -> str:
    """The hex HMAC of :func:`signed_string` with ``algorithm`` (md5, sha256, sha3-256)."""
    return hmac_hex(secret_key, signed_string(merchant_code, date), algorithm)


def utc_date(now: dt.datetime | None = None) -> str:
    """The current UTC time (or ``now``) as ``YYYY-MM-DD HH:MM:SS``."""
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).strftime(DATE_FORMAT)


def algo_argument(algorithm: str) -> str | None:
    """The ``algo`` value to send: None for legacy md5, else the algorithm name."""
    return None if algorithm == "md5" else algorithm


def rest_auth_header(merchant_code: str, secret_key: str, algorithm: str, date: str) -> str:
    """The ``X-Avangate-Authentication`` header value for one REST request."""
    digest = login_hash(merchant_code, date, secret_key, algorithm)
    value = f'code="{merchant_code}" date="{date}" hash="{digest}"'
    algo = algo_argument(algorithm)
    if algo:
        value += f' algo="{algo}"'
    return value
