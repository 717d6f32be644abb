"""The SSO audit log's admin list fits a 1280 px wide window: no column hidden off-screen.

With eight columns between the admin's navigation and the filter sidebar, three of them were
pushed out of view at 1280 px (the admin's results box scrolled sideways); six still hid one.
Alice's click and her try at Bob's subscription give the log two rows; the admin then opens
the list in a 1280 x 800 window, and every header cell must lie inside the window with the
results box not scrolling.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Demo
from .test_browser import ALICE, log_in, update_card

pytestmark = pytest.mark.e2e

WIDTH = 1280
ADMIN = ("admin", "admin-demo-pass")


def test_audit_log_list_fits_1280px(browser: Any, demo: Demo, screenshot: Any) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": 800})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, demo, ALICE)
        update_card(page, demo, "DEMOA1PRO1")
        # Bob's subscription: a 404, audited as NOT_FOUND
        page.goto(f"{demo.site}/account/subscriptions/DEMOB1TEAM/")
        context.clear_cookies()
        page.goto(f"{demo.site}/admin/login/?next=/admin/django_2co_sso/ssoauditlog/")
        page.fill("input[name=username]", ADMIN[0])
        page.fill("input[name=password]", ADMIN[1])
        page.locator("input[type=submit]").click()
        page.wait_for_url(f"{demo.site}/admin/django_2co_sso/ssoauditlog/")
        screenshot(page, "20-audit-log-1280px")
        headers = page.locator("#result_list thead th")
        assert headers.count() == 5
        assert page.locator("#result_list td", has_text="NOT_FOUND").count() == 1
        for index in range(headers.count()):
            box = headers.nth(index).bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= WIDTH, headers.nth(index).inner_text()
        scroll, client = page.evaluate(
            "() => { const r = document.querySelector('#changelist .results');"
            " return [r.scrollWidth, r.clientWidth]; }"
        )
        assert scroll <= client
    finally:
        context.close()
