"""The admin: registrations, search, the read-only audit log and the partner SSO action."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from django_2co_sso.backends import locmem
from django_2co_sso.exceptions import APIError, APITimeoutError
from django_2co_sso.models import Partner, SSOAuditLog
from tests.factories import PartnerFactory, PartnerUserFactory, SubscriptionFactory, UserFactory

from .conftest import sent

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:django_2co_sso_partner_changelist")


@pytest.fixture
def superuser_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def staff_client(*codenames: str) -> Client:
    user = UserFactory(username="staff", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="django_2co_sso", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def partners() -> list[Partner]:
    acme = PartnerFactory(code="ACME", name="Acme Reseller")
    PartnerUserFactory(partner=acme, email="ann@acme.example")
    PartnerUserFactory(partner=acme, email="ben@acme.example")
    PartnerUserFactory(partner=acme, email="gone@acme.example", is_active=False)
    other = PartnerFactory(code="OTHER", name="Other Reseller")
    PartnerUserFactory(partner=other, email="olga@other.example")
    return [acme, other]


def run_action(client: Client, partners: list[Partner]) -> Any:
    return client.post(
        CHANGELIST,
        {"action": "generate_sso_links", "_selected_action": [p.pk for p in partners]},
        follow=True,
    )


# -- registrations and search -------------------------------------------------------------


@pytest.mark.parametrize("model", ["customerlink", "subscription", "partner", "ssoauditlog"])
def test_changelists_render(superuser_client: Client, model: str) -> None:
    SubscriptionFactory()
    response = superuser_client.get(reverse(f"admin:django_2co_sso_{model}_changelist"))
    assert response.status_code == 200


def test_subscription_search_by_email_and_filter_by_status(superuser_client: Client) -> None:
    mine = SubscriptionFactory(customer__user__email="findme@example.com", status="past_due")
    SubscriptionFactory(status="active")
    url = reverse("admin:django_2co_sso_subscription_changelist")
    found = superuser_client.get(url, {"q": "findme@example.com"})
    assert list(found.context["cl"].result_list) == [mine]
    filtered = superuser_client.get(url, {"status__exact": "past_due"})
    assert list(filtered.context["cl"].result_list) == [mine]


def test_customer_search_by_reference_and_username(superuser_client: Client) -> None:
    subscription = SubscriptionFactory(
        customer__external_reference="EXT-FIND", customer__user__username="zelda"
    )
    url = reverse("admin:django_2co_sso_customerlink_changelist")
    for query in ("EXT-FIND", "zelda"):
        result = superuser_client.get(url, {"q": query}).context["cl"].result_list
        assert list(result) == [subscription.customer]


def test_partner_change_page_has_users_inline(superuser_client: Client, partners: Any) -> None:
    response = superuser_client.get(
        reverse("admin:django_2co_sso_partner_change", args=[partners[0].pk])
    )
    assert b"ann@acme.example" in response.content


# -- audit log is read-only ---------------------------------------------------------------


def test_audit_log_is_read_only(superuser_client: Client) -> None:
    row = SSOAuditLog.objects.create(kind="cart", target_reference="X", outcome="ok")
    assert superuser_client.get(reverse("admin:django_2co_sso_ssoauditlog_add")).status_code == 403
    change = superuser_client.get(reverse("admin:django_2co_sso_ssoauditlog_change", args=[row.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content  # view only
    assert (
        superuser_client.post(
            reverse("admin:django_2co_sso_ssoauditlog_change", args=[row.pk]),
            {"kind": "partner", "target_reference": "Y", "outcome": "ok"},
        ).status_code
        == 403
    )
    delete = reverse("admin:django_2co_sso_ssoauditlog_delete", args=[row.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    row.refresh_from_db()
    assert row.target_reference == "X"


# -- partner SSO action -------------------------------------------------------------------


def test_action_shows_links_with_expiry_on_an_intermediate_page(
    superuser_client: Client, partners: list[Partner]
) -> None:
    response = run_action(superuser_client, partners)
    assert response.status_code == 200
    assert response.templates[0].name == "admin/django_2co_sso/partner/sso_links.html"
    assert "admin/base_site.html" in [t.name for t in response.templates]
    rows = response.context["rows"]
    assert [(row["partner"].code, row["user"].email) for row in rows] == [
        ("ACME", "ann@acme.example"),
        ("ACME", "ben@acme.example"),
        ("OTHER", "olga@other.example"),
    ]
    for row in rows:
        assert row["url"].startswith("https://secure.2checkout.com/cpanel/index.php?logintoken=")
        assert row["url"].encode() in response.content
    assert b"<time datetime=" in response.content
    assert "no-store" in response["Cache-Control"]
    calls = sent("getPartnerSingleSignOn")
    assert [(c.partner_code, c.email) for c in calls] == [
        ("ACME", "ann@acme.example"),
        ("ACME", "ben@acme.example"),
        ("OTHER", "olga@other.example"),
    ]
    assert {c.access_page for c in calls} == {"https://secure.2checkout.com/cpanel/"}
    assert {c.validation_ip for c in calls} == {""}
    assert {c.validity_time for c in calls} == {120}


def test_action_expiry_is_issue_time_plus_validity(
    superuser_client: Client, partners: list[Partner], sso_settings: Any
) -> None:
    from django.utils import timezone

    sso_settings(STAFF_LINK_VALIDITY_TIME=60)
    before = timezone.now()
    rows = run_action(superuser_client, partners[1:]).context["rows"]
    after = timezone.now()
    [row] = rows
    assert before.timestamp() + 60 <= row["expires_at"].timestamp() <= after.timestamp() + 60


def test_action_audits_every_link_without_the_url(
    superuser_client: Client, partners: list[Partner]
) -> None:
    response = run_action(superuser_client, partners)
    urls = [row["url"] for row in response.context["rows"]]
    rows = list(SSOAuditLog.objects.order_by("pk"))
    assert [(r.kind, r.target_reference, r.detail, r.outcome) for r in rows] == [
        ("partner", "ACME", "ann@acme.example", "ok"),
        ("partner", "ACME", "ben@acme.example", "ok"),
        ("partner", "OTHER", "olga@other.example", "ok"),
    ]
    assert {r.user.username for r in rows} == {"root"}
    dump = repr(list(SSOAuditLog.objects.values()))
    assert not any(url in dump or url.split("=")[-1] in dump for url in urls)


def _offered_actions(client: Client) -> list[str]:
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    form = response.context["action_form"]  # None when no action is offered at all
    return [] if form is None else [name for name, _label in form.fields["action"].choices]


def test_action_needs_the_dedicated_permission(partners: list[Partner]) -> None:
    client = staff_client("view_partner", "change_partner")
    assert "generate_sso_links" not in _offered_actions(client)  # not even shown
    response = run_action(client, partners)  # posted anyway: refused, nothing minted
    assert response.status_code == 200
    assert "rows" not in response.context
    assert locmem.outbox == []
    assert not SSOAuditLog.objects.exists()


def test_staff_with_the_permission_may_run_it(partners: list[Partner]) -> None:
    client = staff_client("view_partner", "change_partner", "generate_partner_sso")
    assert "generate_sso_links" in _offered_actions(client)
    response = run_action(client, partners[:1])
    assert len(response.context["rows"]) == 2


def test_partner_errors_are_shown_per_user_not_a_500(
    superuser_client: Client, partners: list[Partner]
) -> None:
    locmem.fail_with(APIError("No such user", code="INVALID_USER", method="getPartnerSingleSignOn"))
    response = run_action(superuser_client, partners)
    assert response.status_code == 200
    assert response.context["rows"] == []
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 3
    assert any(
        "ann@acme.example" in m and "INVALID_USER" in m and "does not know this user" in m
        for m in messages
    )
    assert [r.outcome for r in SSOAuditLog.objects.all()] == ["INVALID_USER"] * 3


def test_partner_upstream_outage_is_a_message(
    superuser_client: Client, partners: list[Partner]
) -> None:
    locmem.fail_with(APITimeoutError("slow"))
    response = run_action(superuser_client, partners[1:])
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert "TIMEOUT" in message


def test_inactive_partner_gets_no_links(superuser_client: Client, partners: list[Partner]) -> None:
    partners[1].is_active = False
    partners[1].save()
    response = run_action(superuser_client, partners[1:])
    assert response.context["rows"] == []
    assert locmem.outbox == []


def test_audit_log_list_has_five_columns(superuser_client: Client) -> None:
    """Eight columns overflowed a 1280 px window (measured in e2e/test_admin_layout.py)."""
    SSOAuditLog.objects.create(
        kind="subscription", target_reference="SUB1", page="change_card", outcome="ok"
    )
    SSOAuditLog.objects.create(kind="customer", target_reference="CUST1", outcome="NOT_FOUND")
    response = superuser_client.get(reverse("admin:django_2co_sso_ssoauditlog_changelist"))
    html = response.content.decode()
    table = html[html.index('id="result_list"') :]
    header = table[: table.index("</thead>")]
    assert header.count('<th scope="col"') == 5
    assert "Subscription page: change_card" in html
    assert "myAccount page</td>" in html


def test_audit_log_can_be_searched_by_client_ip(superuser_client: Client) -> None:
    SSOAuditLog.objects.create(
        kind="cart", target_reference="FOUND", outcome="ok", client_ip="203.0.113.7"
    )
    SSOAuditLog.objects.create(
        kind="cart", target_reference="OTHER", outcome="ok", client_ip="198.51.100.1"
    )
    url = reverse("admin:django_2co_sso_ssoauditlog_changelist")
    html = superuser_client.get(url, {"q": "203.0.113.7"}).content.decode()
    assert "FOUND" in html
    assert "OTHER" not in html
