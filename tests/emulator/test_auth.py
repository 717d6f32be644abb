"""Login HMAC: the notes' test vectors, byte lengths, algorithms, date skew, REST header."""

from __future__ import annotations

import pytest

from django_2co_sso.emulator import Emulator, compute_hash, signed_string
from tests.emulator.wire import MERCHANT, SECRET, Wire, login_hash, utc_date

# The test vectors of shared/2checkout-api.md.
VECTORS = [
    (
        "AVANGATE",
        "2010-05-13 12:12:12",
        "8AVANGATE192010-05-13 12:12:12",
        {
            "md5": "bf763db7d333e9c3038698cf59ada3e6",
            "sha256": "29e85dbf92ce0113e7755c31c0438a7db98a4de9f910bf0a527e005f35e43739",
            "sha3-256": "0c7e9c0c96148e5bf8e199a0a0e27977edc099ff0b27794e761853b96e04c7fb",
        },
    ),
    (
        "YOURCODE123",
        "2020-06-18 08:05:46",
        "11YOURCODE123192020-06-18 08:05:46",
        {
            "md5": "63b79d9c070c985abc6c69efca7d9bb2",
            "sha256": "483fc633a309cadc65b89519f55cc55e0d0611a6e1dfa62ac4d48fc3703a6a42",
            "sha3-256": "89cff582a336094aa0a917003e383016c173b0bcb38d812375b2b10ea6ce99ed",
        },
    ),
]


@pytest.mark.parametrize(("code", "date", "signed", "hashes"), VECTORS)
@pytest.mark.parametrize("algo", ["md5", "sha256", "sha3-256"])
def test_vectors(code: str, date: str, signed: str, hashes: dict[str, str], algo: str) -> None:
    assert signed_string(code, date) == signed
    assert compute_hash("SECRET_KEY", code, date, None if algo == "md5" else algo) == hashes[algo]
    # The tests' own independent implementation agrees with the notes too.
    assert login_hash(code, date, "SECRET_KEY", algo) == hashes[algo]


def test_vector_logs_in_with_a_fixed_wall_clock() -> None:
    """The emulator accepts the notes' exact (old) date when its wall clock says so."""
    import datetime as dt

    emulator = Emulator(merchant_code="YOURCODE123", secret_key="SECRET_KEY")
    emulator.authenticator._wall_clock = lambda: dt.datetime(2020, 6, 18, 8, 10, tzinfo=dt.UTC)
    sid = emulator.service.login(
        "YOURCODE123",
        "2020-06-18 08:05:46",
        "483fc633a309cadc65b89519f55cc55e0d0611a6e1dfa62ac4d48fc3703a6a42",
        "sha256",
    )
    assert len(sid) == 32


@pytest.mark.parametrize("algo", ["md5", "sha256", "sha3-256"])
def test_login_each_algorithm_over_soap_and_rpc(wire: Wire, algo: str) -> None:
    date = utc_date()
    digest = login_hash(MERCHANT, date, algo=algo)
    wire_algo = None if algo == "md5" else algo
    soap = wire.soap("login", MERCHANT, date, digest, *([wire_algo] if wire_algo else []))
    assert soap.status == 200
    assert len(soap.value) == 32
    rpc = wire.rpc("login", MERCHANT, date, digest, *([wire_algo] if wire_algo else []))
    assert len(rpc["result"]) == 32


def test_md5_with_explicit_null_algo(wire: Wire) -> None:
    date = utc_date()
    answer = wire.soap("login", MERCHANT, date, login_hash(MERCHANT, date, algo="md5"), None)
    assert answer.status == 200


def test_byte_lengths_for_non_ascii_merchant_code() -> None:
    code = "CAFÉ€"  # 5 characters, 8 bytes in UTF-8
    assert signed_string(code, "2020-06-18 08:05:46").startswith("8CAFÉ€19")
    with Emulator(merchant_code=code, secret_key=SECRET) as emulator:
        wire = Wire(emulator.base_url)
        date = utc_date()
        good = wire.rpc("login", code, date, login_hash(code, date), "sha256")
        assert "result" in good
        by_chars = f"{len(code)}{code}{len(date)}{date}"
        import hashlib
        import hmac

        wrong = hmac.new(SECRET.encode(), by_chars.encode(), hashlib.sha256).hexdigest()
        bad = wire.rpc("login", code, date, wrong, "sha256")
        assert bad["error"]["data"]["error_code"] == "AUTHENTICATION_FAILED"


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (("OTHER", None, None, "sha256"), "unknown merchant"),
        ((MERCHANT, utc_date(), "0" * 64, "sha256"), "invalid hash"),
        ((MERCHANT, "2020/06/18 08:05:46", None, "sha256"), "date must be"),
        ((MERCHANT, utc_date(), None, "sha1"), "algo"),
        ((MERCHANT, utc_date(), None, "md5"), "algo"),
        ((MERCHANT, utc_date(-20 * 60), None, "sha256"), "away from"),
        ((MERCHANT, utc_date(+20 * 60), None, "sha256"), "away from"),
    ],
)
def test_login_failures(
    wire: Wire, args: tuple[str, str | None, str | None, str], why: str
) -> None:
    code, date, digest, algo = args
    date = date or utc_date()
    if digest is None:
        digest = login_hash(MERCHANT, date, algo=algo if algo in ("sha256", "sha3-256") else "md5")
    answer = wire.soap("login", code, date, digest, algo)
    assert answer.status == 500
    assert answer.fault_code == "AUTHENTICATION_FAILED"
    assert why in (answer.fault_string or "")
    assert digest not in (answer.fault_string or "")


def test_skew_within_bound_is_accepted(wire: Wire) -> None:
    date = utc_date(-10 * 60)
    assert wire.soap("login", MERCHANT, date, login_hash(MERCHANT, date), "sha256").status == 200


def test_skew_is_configurable() -> None:
    with Emulator(max_clock_skew=60) as emulator:
        wire = Wire(emulator.base_url)
        date = utc_date(-120)
        answer = wire.soap("login", MERCHANT, date, login_hash(MERCHANT, date), "sha256")
        assert answer.fault_code == "AUTHENTICATION_FAILED"


def test_skew_uses_real_time_not_the_movable_clock(emu: Emulator, wire: Wire) -> None:
    emu.clock.advance(3600)
    assert wire.login_soap()


def test_wrong_secret(wire: Wire) -> None:
    date = utc_date()
    answer = wire.rpc("login", MERCHANT, date, login_hash(MERCHANT, date, secret="nope"), "sha256")
    assert answer["error"]["code"] == 10401
    assert answer["error"]["data"]["error_code"] == "AUTHENTICATION_FAILED"


@pytest.mark.parametrize("algo", [None, "sha256", "sha3-256"])
def test_rest_header_algorithms(wire: Wire, algo: str | None) -> None:
    response = wire.rest("customers/352365983/account/index/", auth=wire.rest_auth(algo=algo))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "",
        'code="EMULATOR"',
        Wire.rest_auth(secret="wrong"),
        Wire.rest_auth(code="OTHER"),
        Wire.rest_auth(date=utc_date(-3600)),
        Wire.rest_auth().replace('algo="sha256"', 'algo="sha3-256"'),
    ],
)
def test_rest_header_failures(wire: Wire, auth: str | None) -> None:
    response = wire.rest("customers/352365983/account/index/", auth=auth)
    assert response.status_code == 401
    assert response.json()["error_code"] == "AUTHENTICATION_FAILED"
