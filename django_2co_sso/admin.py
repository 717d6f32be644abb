"""Admin for customers, subscriptions, partners, notifications and the read-only SSO audit log.

The Partner admin has the action "Generate SSO links": for every active user of the
selected partners it mints a single-use Channel Manager link (``PARTNER_PANEL_URL``,
valid ``STAFF_LINK_VALIDITY_TIME`` seconds, not bound to an IP) and shows them on an
intermediate page with their expiry time. Links are never stored or logged; each attempt is
audited. Only users with the ``django_2co_sso.generate_partner_sso`` permission see and may
run it (``@admin.action(permissions=["generate_partner_sso"])``).

The 2Checkout notifications admin is read-only: every verified IPN/LCN as stored, filterable
by kind, outcome (``unmatched`` lists the customers the shop does not know), test flag and
account. Its action "Re-process" applies the selected notifications again (after a fix, or
once an unmatched customer is linked); only users with the
``django_2co_sso.reprocess_webhooknotification`` permission see it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import services
from .conf import get_config
from .failures import Kind, classify
from .models import (
    CustomerLink,
    Partner,
    PartnerUser,
    SSOAuditLog,
    Subscription,
    WebhookNotification,
)
from .views import protect

PARTNER_SSO_PERMISSION = "django_2co_sso.generate_partner_sso"
REPROCESS_PERMISSION = "django_2co_sso.reprocess_webhooknotification"
PARTNER_LINKS_TEMPLATE = "admin/django_2co_sso/partner/sso_links.html"

if TYPE_CHECKING:
    _CustomerLinkAdmin = admin.ModelAdmin[CustomerLink]
    _SubscriptionAdmin = admin.ModelAdmin[Subscription]
    _PartnerAdmin = admin.ModelAdmin[Partner]
    _AuditLogAdmin = admin.ModelAdmin[SSOAuditLog]
    _NotificationAdmin = admin.ModelAdmin[WebhookNotification]
    _SubscriptionInline = admin.TabularInline[Subscription, CustomerLink]
    _PartnerUserInline = admin.TabularInline[PartnerUser, Partner]
else:  # the admin classes are not subscriptable at run time
    _CustomerLinkAdmin = _SubscriptionAdmin = _PartnerAdmin = _AuditLogAdmin = admin.ModelAdmin
    _NotificationAdmin = admin.ModelAdmin
    _SubscriptionInline = _PartnerUserInline = admin.TabularInline

#: Explanations of getPartnerSingleSignOn's documented error codes, shown to staff.
PARTNER_ERROR_MESSAGES: dict[str, Any] = {
    "INVALID_EMAIL": _("2Checkout rejected the e-mail address."),
    "INVALID_PARTNER": _("2Checkout does not know this partner code."),
    "INVALID_USER": _("2Checkout does not know this user for this partner."),
    "INVALID_URL": _("2Checkout rejected the partner panel URL (PARTNER_PANEL_URL)."),
    "INVALID_VALIDITY_TIME": _("2Checkout rejected the validity time."),
    "INTERNAL_ERROR": _("2Checkout had an internal error."),
}


class SubscriptionInline(_SubscriptionInline):
    model = Subscription
    extra = 0
    fields = ("reference", "display_name", "product_code", "status", "expires_on", "is_test")


@admin.register(CustomerLink)
class CustomerLinkAdmin(_CustomerLinkAdmin):
    list_display = ("user", "external_reference", "twocheckout_reference", "created_at")
    search_fields = (
        "user__username",
        "user__email",
        "external_reference",
        "twocheckout_reference",
        "subscriptions__reference",
    )
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")
    list_select_related = ("user",)
    inlines = (SubscriptionInline,)


@admin.register(Subscription)
class SubscriptionAdmin(_SubscriptionAdmin):
    list_display = (
        "reference",
        "display_name",
        "customer",
        "status_shown",
        "expires_on",
        "is_test",
        "updated_at",
    )
    list_filter = ("status", "is_test")
    search_fields = (
        "reference",
        "display_name",
        "product_code",
        "customer__user__username",
        "customer__user__email",
        "customer__external_reference",
        "customer__twocheckout_reference",
    )
    raw_id_fields = ("customer",)
    readonly_fields = ("upstream_status", "changed_at", "created_at", "updated_at")
    list_select_related = ("customer__user",)

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, obj: Subscription) -> str:
        """The status, or 2Checkout's own word for one this app does not know."""
        return obj.status_label


class PartnerUserInline(_PartnerUserInline):
    model = PartnerUser
    extra = 1
    fields = ("email", "name", "is_active")


@admin.register(Partner)
class PartnerAdmin(_PartnerAdmin):
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "users__email")
    readonly_fields = ("created_at", "updated_at")
    inlines = (PartnerUserInline,)
    actions = ("generate_sso_links",)

    def has_generate_partner_sso_permission(self, request: HttpRequest) -> bool:
        """Whether the user may mint partner links (the action is hidden from others)."""
        return request.user.has_perm(PARTNER_SSO_PERMISSION)

    @admin.action(
        description=_("Generate SSO links for the partners' users"),
        permissions=["generate_partner_sso"],
    )
    def generate_sso_links(
        self, request: HttpRequest, queryset: QuerySet[Partner]
    ) -> HttpResponse | None:
        """Mint one link per active partner user and show them on an intermediate page."""
        config = get_config()
        context = services.staff_context(
            request.user,  # type: ignore[arg-type]
            request=request,
            client_ip=services.client_ip(request, config),
        )
        rows: list[dict[str, Any]] = []
        for partner in queryset.order_by("name").prefetch_related("users"):
            if not partner.is_active:
                self.message_user(
                    request,
                    gettext("%(partner)s is inactive: no links generated.") % {"partner": partner},
                    messages.WARNING,
                )
                continue
            users = [user for user in partner.users.all() if user.is_active]
            if not users:
                self.message_user(
                    request,
                    gettext("%(partner)s has no active users.") % {"partner": partner},
                    messages.WARNING,
                )
            for partner_user in users:
                issued_at = timezone.now()
                try:
                    url = services.partner_link(context, partner.code, partner_user.email)
                except Exception as error:  # audited and logged by services
                    self.message_user(
                        request,
                        gettext("No link for %(email)s at %(partner)s: %(reason)s")
                        % {
                            "email": partner_user.email,
                            "partner": partner,
                            "reason": _partner_error_text(error),
                        },
                        messages.ERROR,
                    )
                    continue
                rows.append(
                    {
                        "partner": partner,
                        "user": partner_user,
                        "url": url,
                        "expires_at": issued_at
                        + datetime.timedelta(seconds=config.staff_link_validity_time),
                    }
                )
        response = TemplateResponse(
            request,
            PARTNER_LINKS_TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "title": gettext("Partner SSO links"),
                "opts": self.model._meta,
                "rows": rows,
                "validity_time": config.staff_link_validity_time,
            },
        )
        return protect(response)


def _partner_error_text(error: BaseException) -> str:
    """A short, secret-free explanation of why a partner link could not be made."""
    failure = classify(error)
    code = failure.outcome
    if failure.kind is Kind.REFUSED:
        known = PARTNER_ERROR_MESSAGES.get(code)
        text = str(known) if known else gettext("2Checkout refused the request.")
        return f"{text} ({code})"
    if failure.kind is Kind.UNAVAILABLE:
        return gettext("2Checkout is unavailable, try again later (%(code)s).") % {"code": code}
    if failure.kind is Kind.REJECTED:
        return gettext("invalid %(field)s (%(code)s).") % {
            "field": getattr(error, "field", ""),
            "code": code,
        }
    if failure.kind is Kind.AUDIT:
        return gettext(
            "the link was made but could not be recorded in the audit log, so it is not "
            "shown; the server log has the database error (%(code)s)."
        ) % {"code": code}
    if failure.kind is Kind.CACHE:
        return gettext("the cache is unreachable, see the server log (%(code)s).") % {"code": code}
    if failure.unexpected:
        return gettext("unexpected error, see the server log.")
    return code


@admin.register(SSOAuditLog)
class SSOAuditLogAdmin(_AuditLogAdmin):
    """Read-only: rows are written by the SSO views, the admin action and the commands."""

    # Five columns, so the list fits a 1280 px window between the admin's navigation and the
    # filter sidebar (e2e/test_admin_layout.py): the page joins the kind; the client IP (it
    # can be searched) and the duration are on each row's page.
    list_display = ("created_at", "user", "what", "target_reference", "outcome")
    list_filter = ("kind", "outcome", "created_at")
    search_fields = (
        "target_reference",
        "detail",
        "client_ip",
        "user__username",
        "user__email",
    )
    date_hierarchy = "created_at"
    list_select_related = ("user",)

    class Media:
        css = {"all": ["django_2co_sso/audit_log.css"]}

    @admin.display(description=_("what"), ordering="kind")
    def what(self, obj: SSOAuditLog) -> str:
        """The kind of link, and its page when there is one."""
        kind = str(obj.get_kind_display())
        return f"{kind}: {obj.page}" if obj.page else kind

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookNotification)
class WebhookNotificationAdmin(_NotificationAdmin):
    """Read-only: rows are written by the listeners; staff may re-process them."""

    list_display = (
        "received_at",
        "kind",
        "reference",
        "outcome",
        "customer",
        "external_customer_reference",
        "is_test",
        "deliveries",
        "account",
    )
    list_filter = ("kind", "outcome", "is_test", "account", "received_at")
    search_fields = (
        "reference",
        "external_customer_reference",
        "twocheckout_customer_reference",
        "customer__user__username",
        "customer__user__email",
    )
    date_hierarchy = "received_at"
    list_select_related = ("customer__user",)
    actions = ("reprocess",)
    fields = (
        "kind",
        "outcome",
        "error",
        "reference",
        "customer",
        "external_customer_reference",
        "twocheckout_customer_reference",
        "is_test",
        "account",
        "algorithm",
        "remote_addr",
        "received_at",
        "processed_at",
        "deliveries",
        "field_table",
    )
    readonly_fields = fields

    @admin.display(description=_("fields as received"))
    def field_table(self, obj: WebhookNotification) -> str:
        """The stored fields, in order, one per row."""
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", obj.field_pairs())
        return format_html("<table>{}</table>", rows)

    @admin.action(description=_("Re-process the selected notifications"), permissions=["reprocess"])
    def reprocess(self, request: HttpRequest, queryset: QuerySet[WebhookNotification]) -> None:
        """Apply each selected notification again and report the outcomes."""
        from .webhooks.processing import reprocess

        results = reprocess(queryset.order_by("received_at", "pk"))
        failed = [row for row in results if row.outcome == WebhookNotification.Outcome.ERROR]
        counts: dict[str, int] = {}
        for row in results:
            label = str(row.get_outcome_display())
            counts[label] = counts.get(label, 0) + 1
        summary = ", ".join(f"{label}: {count}" for label, count in sorted(counts.items()))
        self.message_user(
            request,
            gettext("Re-processed %(count)d notification(s) (%(summary)s).")
            % {"count": len(results), "summary": summary},
            messages.ERROR if failed else messages.SUCCESS,
        )

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REPROCESS_PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
