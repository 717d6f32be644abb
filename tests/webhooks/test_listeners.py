"""The IPN/LCN listeners over Django's request handling: answers, receipts, refusals, logs."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from django_2co_sso.models import Subscription, WebhookNotification
from django_2co_sso.webhooks import parsing, views
from tests.webhooks.conftest import FORM, Post, refusing_writes
from tests.webhooks.payloads import (
    IPN,
    KEY,
    LCN,
    LCN_SIGNED_BY_CHARACTERS,
    body,
    receipt_hash,
    replace,
    signed,
)

pytestmark = pytest.mark.django_db

SIG = re.compile(r'<sig algo="(?P<algo>[^"]+)" date="(?P<date>\d{14})">(?P<hash>[0-9a-f]+)</sig>')
EPAYMENT = re.compile(r"<EPAYMENT>(?P<date>\d{14})\|(?P<hash>[0-9a-f]{32})</EPAYMENT>")


@pytest.mark.parametrize("kind", ["ipn", "lcn"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_get_and_head_answer_200_for_the_url_check(client: Client, kind: str, method: str) -> None:
    response = getattr(client, method)(reverse(f"twocheckout_webhooks:{kind}"))
    assert response.status_code == 200
    assert WebhookNotification.objects.count() == 0


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_not_allowed(client: Client, method: str) -> None:
    response = getattr(client, method)(reverse("twocheckout_webhooks:lcn"))
    assert response.status_code == 405


def test_lcn_answers_the_sha3_receipt_and_updates_the_subscription(post: Post, jose: Any) -> None:
    response = post("lcn", signed(LCN))
    assert response.status_code == 200
    text = response.content.decode()
    match = SIG.search(text)
    assert match is not None
    assert match["algo"] == "sha3-256"
    values = ("3C343D0FAF", "2027-03-03 12:00:00")
    assert match["hash"] == receipt_hash(values, match["date"], "sha3-256")
    subscription = Subscription.objects.get(reference="3C343D0FAF")
    assert subscription.customer.user == jose
    assert subscription.status == Subscription.Status.ACTIVE
    assert str(subscription.expires_on) == "2027-03-03"
    stored = WebhookNotification.objects.get()
    assert (stored.kind, stored.outcome, stored.algorithm) == ("lcn", "processed", "sha3-256")
    assert stored.remote_addr == "203.0.113.7"
    assert stored.field_pairs() == LCN  # as received, without the signatures


def test_md5_only_ipn_gets_the_legacy_epayment_receipt(post: Post, zoe: Any) -> None:
    response = post("ipn", signed(IPN, ["md5"]))
    assert response.status_code == 200
    match = EPAYMENT.search(response.content.decode())
    assert match is not None
    values = ("1", "Software program", "20261120100000")
    assert match["hash"] == receipt_hash(values, match["date"], "md5")
    assert set(Subscription.objects.values_list("reference", flat=True)) == {
        "SUBA1B2C3",
        "SUBD4E5F6",
    }


def test_sha2_signed_ipn_gets_a_sha256_receipt(post: Post, zoe: Any) -> None:
    response = post("ipn", signed(IPN, ["sha256", "md5"]))
    match = SIG.search(response.content.decode())
    assert match is not None
    assert match["algo"] == "sha256"


def test_listeners_need_no_csrf_token_login_or_session(settings: Any, jose: Any) -> None:
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("twocheckout_webhooks:lcn"), body(signed(LCN)), content_type=FORM
    )
    assert response.status_code == 200
    assert SIG.search(response.content.decode())
    assert "sessionid" not in response.cookies
    assert client.get(reverse("twocheckout_webhooks:ipn")).status_code == 200


def _refusals() -> list[tuple[str, dict[str, Any], int]]:
    return [
        ("unsigned", {"pairs": LCN}, 400),
        ("tampered", {"pairs": replace(signed(LCN), STATUS="EXPIRED")}, 403),
        ("wrong key", {"pairs": signed(LCN, key="not-the-key")}, 403),
        ("character counts", {"pairs": signed(LCN, message=LCN_SIGNED_BY_CHARACTERS)}, 403),
        ("empty", {"raw": b""}, 400),
        ("garbage", {"raw": b"\x00\xff\xfe not a form %zz"}, 400),
        ("bad escape", {"raw": b"LICENSE_CODE=%E9%FF&HASH=abc"}, 400),
        ("not a form", {"raw": b'{"LICENSE_CODE": "x"}', "content_type": "application/json"}, 415),
    ]


@pytest.mark.parametrize(
    ("case", "request_args", "status"), _refusals(), ids=[r[0] for r in _refusals()]
)
def test_bad_input_is_refused_with_one_warning_and_nothing_stored(
    post: Post, jose: Any, caplog: Any, case: str, request_args: dict[str, Any], status: int
) -> None:
    caplog.set_level(logging.DEBUG)
    response = post("lcn", **request_args)
    assert response.status_code == status
    text = response.content.decode()
    assert "<sig" not in text
    assert "<EPAYMENT>" not in text
    assert WebhookNotification.objects.count() == 0
    assert not Subscription.objects.exists()
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    line = warnings[0].getMessage()
    assert warnings[0].levelno == logging.WARNING
    assert "203.0.113.7" in line
    assert KEY not in caplog.text
    for _name, value in request_args.get("pairs", [])[len(LCN) :]:
        assert value not in caplog.text


def test_oversized_body_is_refused_unread_and_unparsed(
    rf: RequestFactory, settings: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    class Unreadable:
        def read(self, *args: Any) -> bytes:
            raise AssertionError("the body was read")

        readline = read

    def parse(body: bytes) -> Any:
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(views, "parse_fields", parse)
    request = rf.generic("POST", "/2checkout/lcn/", b"x", content_type=FORM)
    request.META["CONTENT_LENGTH"] = str(10 * 1024 * 1024)
    request._stream = Unreadable()  # type: ignore[attr-defined]
    response = views.lcn(request)
    assert response.status_code == 413
    assert "declared body size" in caplog.text


def test_body_longer_than_declared_limit_is_cut_and_refused(post: Post, sso_settings: Any) -> None:
    sso_settings(WEBHOOK_MAX_BODY_SIZE=2048)
    pairs = signed([*LCN, ("NOTE", "x" * 4000)])
    assert post("lcn", pairs).status_code == 413
    assert WebhookNotification.objects.count() == 0


def test_too_many_fields_are_refused(post: Post) -> None:
    raw = "&".join(f"F{i}=1" for i in range(parsing.MAX_FIELDS + 1))
    assert post("lcn", raw=raw).status_code == 400


def test_parsing_keeps_order_repeats_blanks_and_utf8() -> None:
    raw = b"B=2&A=&IPN_PID%5B%5D=1&IPN_PID%5B%5D=2&NAME=Jos%C3%A9+M&A=0"
    assert parsing.parse_fields(raw) == [
        ("B", "2"),
        ("A", ""),
        ("IPN_PID[]", "1"),
        ("IPN_PID[]", "2"),
        ("NAME", "José M"),
        ("A", "0"),
    ]


@pytest.mark.parametrize("raw", [b"A=1&&B=2", b"=1", b"A=%00", b"A=1&B"])
def test_parsing_refuses_malformed_forms(raw: bytes) -> None:
    from django_2co_sso.exceptions import InvalidNotificationError

    with pytest.raises(InvalidNotificationError):
        parsing.parse_fields(raw)


def test_missing_configuration_answers_503_and_logs_an_error(
    post: Post, sso_settings: Any, caplog: Any
) -> None:
    sso_settings(SECRET_KEY="")
    response = post("lcn", signed(LCN))
    assert response.status_code == 503
    assert WebhookNotification.objects.count() == 0
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "misconfigured" in errors[0].getMessage()


def test_accounts_from_the_setting_and_from_a_function(post: Post, sso_settings: Any) -> None:
    sso_settings(WEBHOOK_ACCOUNTS={"eu": "eu-key", "us": "us-key"})
    assert post("lcn", signed(LCN, key="us-key")).status_code == 200
    assert WebhookNotification.objects.get().account == "us"
    assert post("lcn", signed(LCN)).status_code == 403  # SECRET_KEY is not one of them now
    sso_settings(WEBHOOK_ACCOUNTS_FUNCTION="tests.webhooks.test_listeners.accounts_by_path")
    pairs = signed(replace(LCN, STATUS="EXPIRED"), key="from-function")
    assert post("lcn", pairs).status_code == 200
    assert WebhookNotification.objects.filter(account="fn").count() == 1


def accounts_by_path(request: Any) -> dict[str, str]:
    return {"fn": "from-function"}


def bad_accounts(request: Any) -> Any:
    return ["not", "a", "dict"]


def failing_key_store(request: Any) -> dict[str, str]:
    keys = {"main": KEY}
    return {"other": keys["missing"]}  # KeyError, with the key in this frame's locals


def long_account_name(request: Any) -> dict[str, str]:
    return {"a" * 65: KEY}


@pytest.mark.parametrize(
    ("function", "reason"),
    [
        ("bad_accounts", "must return a non-empty dict"),
        # a 500's error report would show the function's frames, the keys among them
        ("failing_key_store", "raised KeyError"),
        # PostgreSQL would refuse the row (varchar(64)) on every delivery, for ever
        ("long_account_name", "1 to 64 characters"),
    ],
)
def test_a_bad_accounts_function_is_a_configuration_error(
    post: Post, sso_settings: Any, caplog: Any, function: str, reason: str
) -> None:
    sso_settings(WEBHOOK_ACCOUNTS_FUNCTION=f"tests.webhooks.test_listeners.{function}")
    response = post("lcn", signed(LCN))  # the test client re-raises what a view raises
    assert response.status_code == 503
    assert WebhookNotification.objects.count() == 0
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "misconfigured" in error.getMessage()
    assert reason in error.getMessage()
    assert error.exc_info is None
    assert KEY not in caplog.text


def test_weakest_algorithm_setting_refuses_md5(post: Post, sso_settings: Any) -> None:
    sso_settings(WEBHOOK_WEAKEST_ALGORITHM="sha256")
    assert post("lcn", signed(LCN, ["md5"])).status_code == 403
    assert post("lcn", signed(LCN, ["sha256", "md5"])).status_code == 200


def test_a_refused_database_write_answers_503_without_receipt(
    post: Post, jose: Any, caplog: Any
) -> None:
    with refusing_writes("django_2co_sso_webhooknotification", ["INSERT"]):
        response = post("lcn", signed(LCN))
    assert response.status_code == 503
    assert "<sig" not in response.content.decode()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "could not be stored" in errors[0].getMessage()
    assert "203.0.113.7" in errors[0].getMessage()


@pytest.mark.parametrize(
    ("length", "body", "status"),
    [("abc", b"A=1", 413), ("3", b"   ", 400)],
    ids=["unreadable-length", "blank"],
)
def test_odd_lengths_and_blank_bodies_are_refused(
    rf: RequestFactory, length: str, body: bytes, status: int
) -> None:
    request = rf.generic("POST", "/2checkout/lcn/", body, content_type=FORM)
    request.META["CONTENT_LENGTH"] = length
    assert views.lcn(request).status_code == status


def test_a_sender_address_that_is_no_ip_is_stored_as_unknown(
    post: Post, jose: Any, caplog: Any
) -> None:
    assert post("lcn", signed(LCN), remote_addr="not-an-ip").status_code == 200
    assert WebhookNotification.objects.get().remote_addr is None
    assert post("lcn", LCN, remote_addr="not-an-ip").status_code == 400
    assert "refused from unknown address" in caplog.text


def raising_client_ip(request: Any) -> str:
    raise KeyError("HTTP_X_REAL_IP")


def test_a_client_ip_function_that_raises_is_no_500(
    post: Post, jose: Any, sso_settings: Any, caplog: Any
) -> None:
    sso_settings(CLIENT_IP_FUNCTION="tests.webhooks.test_listeners.raising_client_ip")
    with caplog.at_level(logging.WARNING, logger="django_2co_sso.webhooks"):
        assert post("lcn", signed(LCN)).status_code == 200
    assert WebhookNotification.objects.get().remote_addr is None
    assert "CLIENT_IP_FUNCTION raised KeyError" in caplog.text
