"""Two workers receive the same notification at the same moment: stored once, applied once.

Needs PostgreSQL (``DATABASE_URL=postgres://…``): two processes, each with its own Django
and connection, insert the same notification in step; the database's unique constraint
makes one of them find the other's row, and the row lock makes it wait for the other's
processing and only acknowledge.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from django.db import connection

from django_2co_sso.models import Subscription, WebhookNotification
from tests.webhooks.payloads import LCN, body, signed
from tests.webhooks.workers import deliver_lcn

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_concurrent_duplicate_deliveries_are_stored_and_applied_once(jose: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…): row locks across processes")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    payload = body(signed(LCN))
    workers = [
        context.Process(target=deliver_lcn, args=(_database_url(), payload, barrier, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)

    assert [(status, receipt) for status, receipt, _ in outcomes] == [(200, True), (200, True)]
    assert sorted(applied for _, _, applied in outcomes) == [0, 1]  # one applied, one acked
    stored = WebhookNotification.objects.get()
    assert (stored.deliveries, stored.outcome) == (2, "processed")
    assert Subscription.objects.get().customer.user == jose
