"""The login HMAC, checked against the vectors in shared/2checkout-api.md."""

from __future__ import annotations

import datetime as dt

import pytest

from django_2co_sso.signing import (
    algo_argument,
    login_hash,
    rest_auth_header,
    signed_string,
    utc_date,
)

VECTORS = [
    (
        "AVANGATE",
        "2010-05-13 12:12:12",
        {
            "md5": "bf763db7d333e9c3038698cf59ada3e6",
            "sha256": "29e85dbf92ce0113e7755c31c0438a7db98a4de9f910bf0a527e005f35e43739",
            "sha3-256": "0c7e9c0c96148e5bf8e199a0a0e27977edc099ff0b27794e761853b96e04c7fb",
        },
    ),
    (
        "YOURCODE123",
        "2020-06-18 08:05:46",
        {
            "md5": "63b79d9c070c985abc6c69efca7d9bb2",
            "sha256": "483fc633a309cadc65b89519f55cc55e0d0611a6e1dfa62ac4d48fc3703a6a42",
            "sha3-256": "89cff582a336094aa0a917003e383016c173b0bcb38d812375b2b10ea6ce99ed",
        },
    ),
]


def test_signed_string_matches_documented_example() -> None:
    assert signed_string("YOURCODE123", "2020-06-18 08:05:46") == (
        "11YOURCODE123192020-06-18 08:05:46"
    )
    assert signed_string("AVANGATE", "2010-05-13 12:12:12") == "8AVANGATE192010-05-13 12:12:12"


def test_signed_string_counts_utf8_bytes_not_characters() -> None:
    assert signed_string("ÄBC", "x") == "4ÄBC1x"


@pytest.mark.parametrize(("code", "date", "expected"), VECTORS)
@pytest.mark.parametrize("algorithm", ["md5", "sha256", "sha3-256"])
def test_login_hash_vectors(code: str, date: str, expected: dict[str, str], algorithm: str) -> None:
    assert login_hash(code, date, "SECRET_KEY", algorithm) == expected[algorithm]


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported hash algorithm"):
        login_hash("A", "b", "c", "sha1")


def test_utc_date_format_and_zone() -> None:
    moment = dt.datetime(2020, 6, 18, 10, 5, 46, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert utc_date(moment) == "2020-06-18 08:05:46"


def test_algo_argument_is_absent_for_md5_only() -> None:
    assert algo_argument("md5") is None
    assert algo_argument("sha256") == "sha256"
    assert algo_argument("sha3-256") == "sha3-256"


def test_rest_header_sha256_has_algo_and_quotes() -> None:
    header = rest_auth_header("YOURCODE123", "SECRET_KEY", "sha256", "2020-06-18 08:05:46")
    assert header == (
        'code="YOURCODE123" date="2020-06-18 08:05:46" '
        'hash="483fc633a309cadc65b89519f55cc55e0d0611a6e1dfa62ac4d48fc3703a6a42" algo="sha256"'
    )


def test_rest_header_md5_has_no_algo() -> None:
    header = rest_auth_header("YOURCODE123", "SECRET_KEY", "md5", "2020-06-18 08:05:46")
    assert header == (
        'code="YOURCODE123" date="2020-06-18 08:05:46" hash="63b79d9c070c985abc6c69efca7d9bb2"'
    )
