"""The HMAC that authenticates the merchant to 2Checkout (login and REST header).

The signed string is the UTF-8 byte length of the merchant code, the code, the byte
length of the date, and the date; the hash is the hex HMAC of it keyed with the
secret key. ``md5`` is the legacy form, sent without an ``algo`` value.
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


def signed_string(merchant_code: str, date: str) -> str:
    """``len(code) + code + len(date) + date``, lengths counted in UTF-8 bytes."""
    return f"{len(merchant_code.encode('utf-8'))}{merchant_code}{len(date.encode('utf-8'))}{date}"


def login_hash(merchant_code: str, date: str, secret_key: str, algorithm: str) -> str:
    """The hex HMAC of :func:`signed_string` with ``algorithm`` (md5, sha256, sha3-256)."""
    try:
        digest = _DIGESTS[algorithm]
    except KeyError:
        raise ValueError(f"unsupported hash algorithm {algorithm!r}") from None
    message = signed_string(merchant_code, date).encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), message, digest).hexdigest()


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
