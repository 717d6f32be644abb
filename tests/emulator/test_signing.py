"""The emulator's own signatures, checked against strings and HMACs computed by hand."""

from __future__ import annotations

import hashlib
import hmac

from django_2co_sso.emulator.signing import (
    DEFAULT_SIGNED_BUY_LINK_PARAMETERS,
    buy_link_signature,
    buy_link_string,
    notification_string,
    receipt_is_valid,
    receipt_string,
    sign_notification,
)

FIELDS = [
    ("FIRSTNAME", "Zoë"),  # 4 bytes, 3 characters
    ("COMPANY", ""),  # empty -> "0"
    ("TEST_ORDER", "0"),  # "0" -> "10"
    ("IPN_PID[]", "7"),
    ("IPN_PID[]", "42"),  # arrays element by element
    ("HASH", "ignored"),  # signature fields are not signed
]


def test_notification_string_counts_bytes_and_expands_arrays() -> None:
    # By hand: 4Zoë + 0 + 10 + 17 + 242.
    assert notification_string(FIELDS) == "4Zoë01017242"


def test_all_three_signatures_appended_in_order() -> None:
    signed = sign_notification("KEY", FIELDS)
    names = [name for name, _ in signed]
    assert names[-3:] == ["HASH", "SIGNATURE_SHA2_256", "SIGNATURE_SHA3_256"]
    assert "ignored" not in [value for _, value in signed]
    values = dict(signed[-3:])
    message = "4Zoë01017242".encode()
    assert values["HASH"] == hmac.new(b"KEY", message, hashlib.md5).hexdigest()
    assert values["SIGNATURE_SHA2_256"] == hmac.new(b"KEY", message, hashlib.sha256).hexdigest()
    assert values["SIGNATURE_SHA3_256"] == hmac.new(b"KEY", message, hashlib.sha3_256).hexdigest()
    # The SDKs' character count ("3Zoë...") would sign another string.
    chars = "3Zoë01017242".encode()
    assert values["SIGNATURE_SHA2_256"] != hmac.new(b"KEY", chars, hashlib.sha256).hexdigest()


def test_vendor_lcn_receipt_vector() -> None:
    fields = [("LICENSE_CODE", "3C343D0FAF"), ("EXPIRATION_DATE", "2005-03-03")]
    assert receipt_string("lcn", fields, "20081117145935") == (
        "103C343D0FAF102005-03-031420081117145935"
    )
    good = "<EPAYMENT>20081117145935|cb34fe2991668eb82364edf62f845a34</EPAYMENT>"
    assert receipt_is_valid("lcn", "AABBCCDDEEFF", fields, f"<html>{good}</html>")
    assert not receipt_is_valid("lcn", "OTHERKEY", fields, good)
    assert not receipt_is_valid("lcn", "AABBCCDDEEFF", fields, good.replace("1117", "1118"))


def test_ipn_receipt_over_first_product_and_dates() -> None:
    fields = [
        ("IPN_PID[]", "7"),
        ("IPN_PID[]", "8"),
        ("IPN_PNAME[]", "Pro"),
        ("IPN_DATE", "20260102030405"),
    ]
    assert (
        receipt_string("ipn", fields, "20260102030406")
        == "173Pro142026010203040514" + "20260102030406"
    )
    message = b"173Pro14202601020304051420260102030406"
    sha = hmac.new(b"K", message, hashlib.sha256).hexdigest()
    sha3 = hmac.new(b"K", message, hashlib.sha3_256).hexdigest()
    assert receipt_is_valid(
        "ipn", "K", fields, f'<sig algo="sha256" date="20260102030406">{sha}</sig>'
    )
    assert receipt_is_valid(
        "ipn", "K", fields, f'<sig date="20260102030406" algo="sha3-256">{sha3}</sig>'
    )
    assert not receipt_is_valid(
        "ipn", "K", fields, f'<sig algo="sha256" date="20260102030407">{sha}</sig>'
    )
    assert not receipt_is_valid(
        "ipn", "K", fields, f'<sig algo="md5" date="20260102030406">{sha}</sig>'
    )
    assert not receipt_is_valid("ipn", "K", fields, "OK")


def test_buy_link_signature_sorted_signed_set_without_merchant() -> None:
    params = {
        "merchant": "EMULATOR",
        "prod": "PRO-YEARLY",
        "qty": "1",
        "return-url": "https://shop.example/back?x=1",
        "customer-ext-ref": "u-1",
    }
    # By hand: customer-ext-ref before return-url; merchant, prod and qty not in the set.
    assert buy_link_string(params, DEFAULT_SIGNED_BUY_LINK_PARAMETERS) == (
        "3u-129https://shop.example/back?x=1"
    )
    expected = hmac.new(b"WORD", b"3u-129https://shop.example/back?x=1", hashlib.sha256).hexdigest()
    assert buy_link_signature("WORD", params, DEFAULT_SIGNED_BUY_LINK_PARAMETERS) == expected
    # The signed set is data: with prod and qty in it, they are signed too (sorted by name).
    wider = {*DEFAULT_SIGNED_BUY_LINK_PARAMETERS, "prod", "qty", "merchant"}
    assert buy_link_string(params, wider) == "3u-110PRO-YEARLY1129https://shop.example/back?x=1"
