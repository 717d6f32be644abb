"""The listeners over real HTTP (Django's live server on 127.0.0.1), as 2Checkout reaches them."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from django_2co_sso.models import Subscription, WebhookNotification
from tests.webhooks.payloads import IPN, LCN, body, receipt_hash, replace, signed
from tests.webhooks.test_listeners import EPAYMENT, SIG

pytestmark = pytest.mark.django_db(transaction=True)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_registration_check_and_signed_deliveries(live_server: Any, jose: Any, zoe: Any) -> None:
    with requests.Session() as http:
        for kind in ("ipn", "lcn"):
            check = http.get(f"{live_server.url}/2checkout/{kind}/", timeout=10)
            assert check.status_code == 200

        lcn = http.post(
            f"{live_server.url}/2checkout/lcn/", data=body(signed(LCN)), headers=FORM, timeout=10
        )
        assert lcn.status_code == 200
        match = SIG.search(lcn.text)
        assert match is not None
        assert match["hash"] == receipt_hash(
            ("3C343D0FAF", "2027-03-03 12:00:00"), match["date"], "sha3-256"
        )

        ipn = http.post(
            f"{live_server.url}/2checkout/ipn/",
            data=body(signed(IPN, ["md5"])),
            headers=FORM,
            timeout=10,
        )
        assert ipn.status_code == 200
        assert EPAYMENT.search(ipn.text)

        again = http.post(
            f"{live_server.url}/2checkout/lcn/", data=body(signed(LCN)), headers=FORM, timeout=10
        )
        assert SIG.search(again.text)

        tampered = http.post(
            f"{live_server.url}/2checkout/lcn/",
            data=body(replace(signed(LCN), STATUS="EXPIRED")),
            headers=FORM,
            timeout=10,
        )
        assert tampered.status_code == 403
        assert "<sig" not in tampered.text

    assert WebhookNotification.objects.count() == 2
    assert WebhookNotification.objects.get(kind="lcn").deliveries == 2
    assert Subscription.objects.get(reference="3C343D0FAF").status == "active"
    assert Subscription.objects.filter(customer__user=zoe).count() == 2
