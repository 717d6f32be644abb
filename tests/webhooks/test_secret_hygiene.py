"""With every logger at DEBUG (SQL included), no key, signature or receipt hash is logged.

Runs every notification flow (each algorithm, duplicates, refusals of every kind, a
processing failure and the admin's re-process, several accounts) and buy links, then looks
for the secret keys, the buy-link secret, every signature sent and every receipt hash and
buy-link signature returned in all log records (tracebacks included), the stored rows and
the admin's pages.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from django_2co_sso import buylinks
from django_2co_sso.models import WebhookNotification
from tests.factories import UserFactory
from tests.webhooks.conftest import Post
from tests.webhooks.payloads import IPN, KEY, LCN, body, replace, signed

pytestmark = pytest.mark.django_db

BUY_SECRET = "buy-link-secret-word-do-not-log"
OTHER_KEY = "second-account-key-do-not-log"
HEX = re.compile(r"[0-9a-f]{32,128}")


@pytest.fixture
def everything_at_debug(caplog: Any, settings: Any) -> Iterator[Any]:
    settings.DEBUG = True  # django.db.backends logs every query with its parameters
    caplog.set_level(logging.DEBUG)  # the root logger, restored by caplog
    names = ["django", "django.db.backends", "django.request", "django_2co_sso"]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield caplog
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_no_key_signature_or_receipt_reaches_a_log(
    post: Post,
    jose: Any,
    zoe: Any,
    sso_settings: Any,
    refuse_subscription_writes: Any,
    everything_at_debug: Any,
) -> None:
    sso_settings(BUY_LINK_SECRET=BUY_SECRET, WEBHOOK_ACCOUNTS={"main": KEY, "other": OTHER_KEY})
    sent: list[str] = []
    answers: list[str] = []

    def deliver(kind: str, pairs: list[tuple[str, str]]) -> None:
        sent.extend(value for name, value in pairs if name in _SIGNATURES)
        answers.append(post(kind, pairs).content.decode())

    for algorithms in (["sha3-256"], ["sha256"], ["md5"], ["sha3-256", "sha256", "md5"]):
        deliver(
            "lcn", signed(replace(LCN, STATUS="ACTIVE", DATE_UPDATED="2026-11-2" + "1"), algorithms)
        )
        deliver("ipn", signed(IPN, algorithms))
    deliver("ipn", signed(IPN, ["sha256"], key=OTHER_KEY))  # the second account
    deliver("lcn", replace(signed(LCN), STATUS="EXPIRED"))  # tampered
    deliver("lcn", signed(LCN, key="wrong-key-do-not-log"))  # wrong key
    sso_settings(
        BUY_LINK_SECRET=BUY_SECRET,
        WEBHOOK_ACCOUNTS={"main": KEY, "other": OTHER_KEY},
        WEBHOOK_WEAKEST_ALGORITHM="sha256",
    )
    deliver("lcn", signed(replace(LCN, STATUS="DISABLED"), ["md5"]))  # too weak
    refuse_subscription_writes(True)
    deliver("lcn", signed(replace(LCN, STATUS="EXPIRED", DATE_UPDATED="2026-12-01 00:00:00")))
    refuse_subscription_writes(False)
    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_webhooknotification", "reprocess_webhooknotification"]
        )
    )
    client = Client()
    client.force_login(staff)
    changelist = reverse("admin:django_2co_sso_webhooknotification_changelist")
    rows = list(WebhookNotification.objects.values_list("pk", flat=True))
    client.post(changelist, {"action": "reprocess", "_selected_action": rows}, follow=True)
    pages = [client.get(changelist).content.decode()]
    pages += [
        client.get(
            reverse("admin:django_2co_sso_webhooknotification_change", args=[pk])
        ).content.decode()
        for pk in rows
    ]
    links = [buylinks.buy_link(jose, "PRO"), _rendered_link(zoe)]
    call_command("check")

    receipts = [match for answer in answers for match in HEX.findall(answer)]
    link_signatures = [dict(parse_qsl(urlsplit(link).query))["signature"] for link in links]
    assert len(sent) >= 15
    assert len(receipts) >= 9
    assert WebhookNotification.objects.filter(outcome="error").count() == 0  # re-processed
    assert "INSERT INTO" in everything_at_debug.text  # SQL really logged

    stored = "\n".join(str(model_to_dict(row)) for row in WebhookNotification.objects.all())
    places = {"logs": everything_at_debug.text, "stored rows": stored, "admin": "\n".join(pages)}
    secrets = {
        "secret key": [KEY, OTHER_KEY, "wrong-key-do-not-log"],
        "buy-link secret": [BUY_SECRET],
        "signature": sent,
        "receipt hash": receipts,
        "buy-link signature": link_signatures,
    }
    for place, text in places.items():
        for kind, values in secrets.items():
            for value in values:
                if place != "logs" and kind in ("receipt hash", "buy-link signature"):
                    continue  # answers, not stored; checked in the logs
                assert value not in text, f"a {kind} appears in the {place}"


_SIGNATURES = {"HASH", "SIGNATURE_SHA2_256", "SIGNATURE_SHA3_256"}


def _rendered_link(user: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    html = Template('{% load twocheckout_sso %}{% buy_link_url "PRO" %}').render(
        Context({"request": request})
    )
    return html.replace("&amp;", "&")


def test_an_unexpected_500_error_mail_shows_no_signature_or_field(
    settings: Any, monkeypatch: Any, jose: Any
) -> None:
    """Should a bug still escape the listener, Django's error mail (with the frames' local
    variables: include_html) shows neither the signatures nor the customer's data."""
    from django.core import mail
    from django.utils.log import AdminEmailHandler

    from django_2co_sso.webhooks import processing

    def bug(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug after the notification was verified")

    settings.ADMINS = [("Ops", "ops@example.com")]
    monkeypatch.setattr(processing, "run", bug)  # called by receive(), with the fields
    handler = AdminEmailHandler(include_html=True)
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    pairs = signed(LCN)
    try:
        response = Client(raise_request_exception=False).post(
            reverse("twocheckout_webhooks:lcn"),
            body(pairs),
            content_type="application/x-www-form-urlencoded",
        )
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 500
    [report] = [m for m in mail.outbox if m.alternatives]
    html = str(report.alternatives[0][0])
    assert "a bug after the notification was verified" in html  # the report is this one
    assert "local vars" in html.lower()  # frame variables are rendered (hidden ones as stars)
    for name, value in pairs:
        if name in _SIGNATURES:
            assert value not in html + report.body, f"{name} in the error mail"
    assert "jose@example.com" not in html + report.body
