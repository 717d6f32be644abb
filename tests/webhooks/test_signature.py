"""Signature rules and read receipts, on the vendor's vector and hand-typed signed strings."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from django_2co_sso.exceptions import InvalidNotificationError
from django_2co_sso.webhooks import signature
from django_2co_sso.webhooks.signature import Verified, verify
from tests.webhooks.payloads import (
    IPN,
    IPN_SIGNED,
    KEY,
    LCN,
    LCN_SIGNED,
    LCN_SIGNED_BY_CHARACTERS,
    hmac_hex,
    replace,
    signed,
)

ACCOUNTS = {"default": KEY}


def test_the_vendors_lcn_receipt_vector() -> None:
    # Vendor page "LCN read receipt response": LICENSE_CODE 3C343D0FAF, EXPIRATION_DATE
    # 2005-03-03, DATE 20081117145935, key AABBCCDDEEFF.
    fields = [("LICENSE_CODE", "3C343D0FAF"), ("EXPIRATION_DATE", "2005-03-03")]
    verified = Verified(account="x", algorithm="md5", secret_key="AABBCCDDEEFF")
    assert signature.lcn_receipt(fields, verified, "20081117145935") == (
        "<EPAYMENT>20081117145935|cb34fe2991668eb82364edf62f845a34</EPAYMENT>"
    )
    expected = hmac.new(
        b"AABBCCDDEEFF", b"103C343D0FAF102005-03-031420081117145935", hashlib.md5
    ).hexdigest()
    assert expected == "cb34fe2991668eb82364edf62f845a34"


def test_signed_string_counts_utf8_bytes_and_writes_empty_and_zero() -> None:
    assert signature.signed_string(LCN) == LCN_SIGNED
    assert "5José7Müller0" in LCN_SIGNED  # multibyte names, then the empty COMPANY
    assert "15shop-customer-110" in LCN_SIGNED  # TEST = "0" is written 10


def test_signed_string_expands_arrays_in_the_order_received() -> None:
    assert signature.signed_string(IPN) == IPN_SIGNED


def test_signed_string_leaves_out_every_signature_field() -> None:
    assert signature.signed_string(signed(LCN)) == LCN_SIGNED


@pytest.mark.parametrize("algorithm", ["sha3-256", "sha256", "md5"])
def test_each_algorithm_alone_verifies(algorithm: str) -> None:
    fields = [*LCN, (_field(algorithm), hmac_hex(LCN_SIGNED, algorithm))]
    assert verify(fields, ACCOUNTS) == Verified("default", algorithm, KEY)


def _field(algorithm: str) -> str:
    return {"sha3-256": "SIGNATURE_SHA3_256", "sha256": "SIGNATURE_SHA2_256", "md5": "HASH"}[
        algorithm
    ]


def test_signature_hex_is_compared_case_insensitively() -> None:
    fields = [*IPN, ("SIGNATURE_SHA2_256", hmac_hex(IPN_SIGNED, "sha256").upper())]
    assert verify(fields, ACCOUNTS).algorithm == "sha256"


def test_the_strongest_signature_present_is_the_one_checked() -> None:
    fields = signed(LCN)
    assert verify(fields, ACCOUNTS).algorithm == "sha3-256"
    # A wrong SHA3 signature is not rescued by a correct SHA2 or MD5 one (no downgrade).
    broken = replace(fields, SIGNATURE_SHA3_256="0" * 64)
    with pytest.raises(InvalidNotificationError) as refused:
        verify(broken, ACCOUNTS)
    assert refused.value.code == "NOTIFICATION_BAD_SIGNATURE"
    assert refused.value.status == 403


def test_md5_alone_is_accepted_by_default_and_refused_above_the_weakest_setting() -> None:
    fields = signed(LCN, ["md5"])
    assert verify(fields, ACCOUNTS).algorithm == "md5"
    with pytest.raises(InvalidNotificationError) as refused:
        verify(fields, ACCOUNTS, weakest="sha256")
    assert refused.value.code == "NOTIFICATION_WEAK_SIGNATURE"
    sha2 = signed(LCN, ["sha256"])
    assert verify(sha2, ACCOUNTS, weakest="sha256").algorithm == "sha256"
    with pytest.raises(InvalidNotificationError):
        verify(sha2, ACCOUNTS, weakest="sha3-256")


def test_character_counted_signature_is_refused() -> None:
    fields = signed(LCN, ["sha256"], message=LCN_SIGNED_BY_CHARACTERS)
    with pytest.raises(InvalidNotificationError) as refused:
        verify(fields, ACCOUNTS)
    assert refused.value.code == "NOTIFICATION_BAD_SIGNATURE"


def test_a_tampered_value_is_refused() -> None:
    fields = replace(signed(LCN), STATUS="EXPIRED")
    with pytest.raises(InvalidNotificationError):
        verify(fields, ACCOUNTS)


def test_reordered_fields_are_refused() -> None:
    fields = signed(LCN)
    with pytest.raises(InvalidNotificationError):
        verify([fields[1], fields[0], *fields[2:]], ACCOUNTS)


@pytest.mark.parametrize(
    "fields",
    [LCN, [*LCN, ("HASH", "")], [*LCN, ("SIGNATURE_SHA2_256", " ")]],
    ids=["unsigned", "empty-hash", "blank-sha2"],
)
def test_missing_or_empty_signatures_are_refused(fields: list[tuple[str, str]]) -> None:
    with pytest.raises(InvalidNotificationError):
        verify(fields, ACCOUNTS)


def test_a_repeated_signature_field_is_refused() -> None:
    fields = signed(LCN, ["sha256"])
    with pytest.raises(InvalidNotificationError):
        verify([*fields, fields[-1]], ACCOUNTS)


def test_the_account_whose_key_verifies_is_named() -> None:
    fields = signed(LCN, ["sha256"], key="second-account-key")
    accounts = {"main": KEY, "second": "second-account-key"}
    assert verify(fields, accounts) == Verified("second", "sha256", "second-account-key")
    with pytest.raises(InvalidNotificationError):
        verify(fields, {"main": KEY})


def test_errors_and_reprs_never_show_keys_or_signatures() -> None:
    fields = replace(signed(LCN), STATUS="EXPIRED")
    with pytest.raises(InvalidNotificationError) as refused:
        verify(fields, ACCOUNTS)
    text = str(refused.value) + repr(refused.value)
    for _name, value in fields[-3:]:
        assert value not in text
    assert KEY not in text
    assert KEY not in repr(Verified("a", "md5", KEY))


def test_ipn_receipt_covers_first_product_and_dates() -> None:
    # 1116Software program1420261120100000 + 14<DATE>, as on the vendor's IPN page.
    date = "20261120100500"
    message = "11" + "16Software program" + "1420261120100000" + "14" + date
    for algorithm in ("sha256", "sha3-256"):
        verified = Verified("default", algorithm, KEY)
        assert signature.ipn_receipt(IPN, verified, date) == (
            f'<sig algo="{algorithm}" date="{date}">{hmac_hex(message, algorithm)}</sig>'
        )
    verified = Verified("default", "md5", KEY)
    assert signature.ipn_receipt(IPN, verified, date) == (
        f"<EPAYMENT>{date}|{hmac_hex(message, 'md5')}</EPAYMENT>"
    )


def test_lcn_receipt_in_the_sha_family() -> None:
    date = "20261120100500"
    message = "103C343D0FAF" + "192027-03-03 12:00:00" + "14" + date
    verified = Verified("default", "sha3-256", KEY)
    assert signature.lcn_receipt(LCN, verified, date) == (
        f'<sig algo="sha3-256" date="{date}">{hmac_hex(message, "sha3-256")}</sig>'
    )


def test_receipt_date_is_utc_ymdhis() -> None:
    import datetime as dt

    moment = dt.datetime(2008, 11, 17, 16, 59, 35, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert signature.receipt_date(moment) == "20081117145935"


def test_identity_ignores_signatures_but_not_names_or_values() -> None:
    assert signature.content_identity(signed(LCN, ["md5"])) == signature.content_identity(
        signed(LCN, ["sha256"])
    )
    assert signature.content_identity(LCN) != signature.content_identity(
        replace(LCN, STATUS="EXPIRED")
    )
    renamed = [("X" + LCN[0][0], LCN[0][1]), *LCN[1:]]
    assert signature.content_identity(LCN) != signature.content_identity(renamed)
