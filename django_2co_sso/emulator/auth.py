"""Merchant authentication as 2Checkout checks it: the login HMAC and the REST header.

Written independently of the API client on purpose: a wire mistake shared by both would pass
every test.

The signed string is ``len(code) + code + len(date) + date`` where the lengths are the number of
UTF-8 *bytes*; the hash is the hex HMAC of it keyed with the secret key, with MD5 (``algo``
absent or empty: the legacy form), SHA-256 (``sha256``) or SHA3-256 (``sha3-256``). ``date`` is
UTC ``YYYY-MM-DD HH:MM:SS`` and must be within ``max_skew`` seconds of the real wall clock.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Callable
from typing import Final

from .errors import ApiError

#: ``algo`` value (lower-cased; ``""`` = absent) -> hashlib constructor name.
ALGORITHMS: Final[dict[str, str]] = {"": "md5", "sha256": "sha256", "sha3-256": "sha3_256"}

_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_HEADER_PAIR_RE: Final = re.compile(r'([A-Za-z]+)\s*=\s*"([^"]*)"')

#: The name of the REST authentication header.
REST_AUTH_HEADER: Final = "X-Avangate-Authentication"


def signed_string(merchant_code: str, date: str) -> str:
    """Return the string 2Checkout signs: byte lengths (UTF-8) and values of code and date."""
    code_len = len(merchant_code.encode("utf-8"))
    date_len = len(date.encode("utf-8"))
    return f"{code_len}{merchant_code}{date_len}{date}"


def compute_hash(secret_key: str, merchant_code: str, date: str, algo: str | None = None) -> str:
    """Return the lowercase hex HMAC for ``merchant_code``/``date`` with ``algo``.

    ``algo`` None or ``""`` means legacy HMAC-MD5. Raises :class:`KeyError` for an unknown algo.
    """
    digest = ALGORITHMS[(algo or "").lower()]
    message = signed_string(merchant_code, date).encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), message, digest).hexdigest()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Authenticator:
    """Checks login parameters against one merchant account; immutable, thread-safe.

    ``wall_clock`` returns the real current UTC time (injectable for unit tests only).
    """

    def __init__(
        self,
        merchant_code: str,
        secret_key: str,
        max_skew: float = 900.0,
        wall_clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.merchant_code = merchant_code
        self._secret_key = secret_key
        self.max_skew = max_skew
        self._wall_clock = wall_clock

    def __repr__(self) -> str:
        return f"Authenticator(merchant_code={self.merchant_code!r}, max_skew={self.max_skew})"

    def check(
        self, merchant_code: object, date: object, hash_: object, algo: object = None
    ) -> None:
        """Return if the four login values authenticate, else raise ``AUTHENTICATION_FAILED``.

        The message says which check failed (never echoing the hash); the hash comparison is
        constant time.
        """
        if not isinstance(merchant_code, str) or merchant_code != self.merchant_code:
            raise ApiError("AUTHENTICATION_FAILED", "Authentication failed: unknown merchant code.")
        if not isinstance(date, str) or not _DATE_RE.fullmatch(date):
            raise ApiError(
                "AUTHENTICATION_FAILED",
                "Authentication failed: date must be UTC 'YYYY-MM-DD HH:MM:SS'.",
            )
        try:
            when = dt.datetime.strptime(date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
        except ValueError:
            raise ApiError(
                "AUTHENTICATION_FAILED", "Authentication failed: date is not a valid date."
            ) from None
        skew = abs((self._wall_clock() - when).total_seconds())
        if skew > self.max_skew:
            raise ApiError(
                "AUTHENTICATION_FAILED",
                f"Authentication failed: date is more than {self.max_skew:g} s away from the "
                "server's UTC time.",
            )
        if algo is not None and not isinstance(algo, str):
            raise ApiError("AUTHENTICATION_FAILED", "Authentication failed: invalid algo.")
        if (algo or "").lower() not in ALGORITHMS:
            raise ApiError(
                "AUTHENTICATION_FAILED",
                "Authentication failed: algo must be sha256, sha3-256 or absent (md5).",
            )
        expected = compute_hash(self._secret_key, merchant_code, date, algo if algo else None)
        given = hash_.lower().encode("utf-8") if isinstance(hash_, str) else b""
        if not hmac.compare_digest(expected.encode("ascii"), given):
            raise ApiError("AUTHENTICATION_FAILED", "Authentication failed: invalid hash.")

    def check_rest_header(self, header: str | None) -> None:
        """Authenticate a REST ``X-Avangate-Authentication`` header value or raise.

        Format: ``code="X" date="YYYY-MM-DD HH:MM:SS" hash="hex" algo="sha256"`` (``algo``
        optional = md5); pairs may be separated by spaces or commas.
        """
        if not header:
            raise ApiError(
                "AUTHENTICATION_FAILED",
                f"Authentication failed: the {REST_AUTH_HEADER} header is missing.",
            )
        pairs = {key.lower(): value for key, value in _HEADER_PAIR_RE.findall(header)}
        if not {"code", "date", "hash"} <= pairs.keys():
            raise ApiError(
                "AUTHENTICATION_FAILED",
                f"Authentication failed: the {REST_AUTH_HEADER} header needs code, date and hash.",
            )
        self.check(pairs["code"], pairs["date"], pairs["hash"], pairs.get("algo"))
