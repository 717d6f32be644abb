"""Code run in separate worker processes by the concurrent-delivery test (spawned)."""

from __future__ import annotations

import os
from typing import Any


def deliver_lcn(database_url: str, body: str, barrier: Any, results: Any) -> None:
    """POST ``body`` to the LCN listener of a fresh Django, inserting in step with the other.

    Both workers wait for each other just before inserting the notification row, so their
    INSERTs really race; reports the status, whether a receipt came back, and how many
    subscription changes this worker applied.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.db.models.signals import pre_save
    from django.test import Client

    from django_2co_sso.models import WebhookNotification
    from django_2co_sso.signals import subscription_changed

    waited: list[bool] = []
    changes: list[Any] = []

    def in_step(sender: Any, instance: Any, **kwargs: Any) -> None:
        if instance.pk is None and not waited:
            waited.append(True)
            barrier.wait(timeout=60)

    def count(sender: Any, **kwargs: Any) -> None:
        changes.append(kwargs["new_status"])

    pre_save.connect(in_step, sender=WebhookNotification)
    subscription_changed.connect(count)
    try:
        response = Client().post(
            "/2checkout/lcn/", body, content_type="application/x-www-form-urlencoded"
        )
        results.put((response.status_code, "<sig" in response.content.decode(), len(changes)))
    except Exception as error:  # reported to the parent
        results.put((0, False, f"{type(error).__name__}: {error}"))
