"""Views that mint an SSO link when the shopper clicks and redirect to it at once.

Every view here:

* requires a logged-in user (anonymous users are sent to ``LOGIN_URL``);
* accepts GET (plain links) and POST (buttons; CSRF is enforced);
* answers ``302`` to a freshly minted URL, never cached (``Cache-Control: no-store``) and
  never leaking it as a referrer (``Referrer-Policy: no-referrer``);
* answers ``404`` for unknown pages, for a subscription that is not the shopper's (the same
  answer as for one that does not exist), and for a user with no 2Checkout customer
  (``NO_CUSTOMER_TEMPLATE`` when set, else the project's plain 404);
* checks ``RATE_LIMIT`` before calling 2Checkout: ``429`` with ``Retry-After``;
* turns failures into friendly pages, never a 500: rejected input ``400``, 2Checkout
  unavailable ``503`` (``UNAVAILABLE_TEMPLATE``, with a retry link and ``Retry-After``),
  a URL on a host that is not allowed ``502``. An unreachable cache (rate limit, circuit
  breaker and shared session live there) is a ``503`` too, with one ERROR log line and
  no call to 2Checkout.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial, wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string, select_template
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from . import services, validation
from .conf import DEFAULTS, SSOConfig, build_config, get_config
from .exceptions import (
    CacheUnavailableError,
    ConfigurationError,
    InvalidURLError,
    ServiceUnavailableError,
    TwoCheckoutError,
)
from .failures import Page, classify
from .models import CustomerReference, LinkKind
from .ratelimit import check_rate_limit

__all__ = ["billing", "cart", "subscription"]

DEFAULT_UNAVAILABLE_TEMPLATE = "django_2co_sso/unavailable.html"
BAD_REQUEST_TEMPLATE = "django_2co_sso/bad_request.html"
BAD_GATEWAY_TEMPLATE = "django_2co_sso/bad_gateway.html"
RATE_LIMITED_TEMPLATE = "django_2co_sso/rate_limited.html"

#: Retry-After (seconds) for upstream failures other than an open circuit breaker.
UPSTREAM_RETRY_AFTER = 10

View = Callable[..., HttpResponse]


def protect(response: HttpResponse) -> HttpResponse:
    """Forbid caching (the answer carries or leads to a bearer URL) and referrers.

    Used for every SSO view and for the admin's page of partner links.
    """
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    return response


def sso_view(view: View) -> View:
    """Login required, GET/POST only, CSRF on POST, no caching, no referrer."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return protect(view(request, *args, **kwargs))

    return login_required(require_http_methods(["GET", "POST"])(csrf_protect(wrapper)))


def _param(request: HttpRequest, name: str) -> str | None:
    """``name`` from the POST body (buttons) or the query string (links)."""
    source = request.POST if request.method == "POST" else request.GET
    value = source.get(name)
    return value if value else None


def _retry_url(request: HttpRequest, params: dict[str, str | None] | None = None) -> str:
    """The URL that repeats this request with GET (the same link the shopper clicked)."""
    query = {key: value for key, value in (params or {}).items() if value}
    return request.path + (f"?{urlencode(query)}" if query else "")


def _render(
    request: HttpRequest,
    templates: list[str],
    context: dict[str, Any],
    *,
    status: int,
    retry_after: int | None = None,
) -> HttpResponse:
    template = select_template(templates)
    response = HttpResponse(template.render(context, request), status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    if status >= 500:
        # services already logged this failure once; keep django.request from logging it
        # again as an ERROR (and mailing ADMINS for every 2Checkout outage).
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _no_customer(request: HttpRequest, config: SSOConfig) -> HttpResponse:
    """The answer for a user with no 2Checkout customer (status 404)."""
    if not config.no_customer_template:
        raise Http404(_("You have no billing account yet."))
    content = render_to_string(config.no_customer_template, {}, request)
    return HttpResponse(content, status=404)


def _unavailable(
    request: HttpRequest, config: SSOConfig, retry_url: str, error: BaseException
) -> HttpResponse:
    if isinstance(error, ServiceUnavailableError):
        retry_after = max(1, math.ceil(config.circuit_breaker_cooldown))
    else:
        retry_after = UPSTREAM_RETRY_AFTER
    return _render(
        request,
        [config.unavailable_template, DEFAULT_UNAVAILABLE_TEMPLATE],
        {"retry_url": retry_url, "retry_after": retry_after},
        status=503,
        retry_after=retry_after,
    )


def _bad_request(request: HttpRequest, error: BaseException) -> HttpResponse:
    if isinstance(error, InvalidURLError):
        # the page's heading already says "This link cannot be opened"
        message = _(
            "The address it opens must be an https address on one of the shop's 2Checkout sites."
        )
    else:
        message = _("This link is not valid. Please go back and try again.")
    return _render(request, [BAD_REQUEST_TEMPLATE], {"message": message}, status=400)


def _mint(
    request: HttpRequest,
    mint: Callable[[services.LinkContext], str],
    *,
    retry_url: str,
) -> HttpResponse:
    """Check the rate limit, mint the URL and redirect; failures become friendly pages."""
    config = get_config()
    user_key = str(request.user.pk)
    try:
        limit = check_rate_limit(config, user_key)
    except CacheUnavailableError as error:  # no link without the shared state: fail closed
        services.logger.error("2checkout SSO link not minted: %s user=%s", error.message, user_key)
        return _unavailable(request, config, retry_url, error)
    if not limit.allowed:
        services.logger.info("2checkout SSO rate limit reached: user=%s", user_key)
        return _render(
            request,
            [RATE_LIMITED_TEMPLATE],
            {"retry_url": retry_url, "retry_after": limit.retry_after},
            status=429,
            retry_after=limit.retry_after,
        )
    context = services.context_for_request(request)
    try:
        url = mint(context)
    except Exception as error:  # audited and logged once by services
        page = classify(error).page
        if page is Page.NOT_FOUND:
            raise Http404(_("No such billing page.")) from None
        if page is Page.BAD_REQUEST:
            return _bad_request(request, error)
        if page is Page.BAD_GATEWAY:
            return _render(request, [BAD_GATEWAY_TEMPLATE], {"retry_url": retry_url}, status=502)
        return _unavailable(request, config, retry_url, error)
    return HttpResponseRedirect(url)


def _guarded(view: View) -> View:
    """Turn a configuration error raised before minting into the 503 page, logged once."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ConfigurationError as error:  # raised before minting: nothing audited
            failure = classify(error)
            services.logger.log(
                failure.level, "2checkout SSO %s: %s", failure.kind.value, failure.detail
            )
            return _unavailable(request, _config_or_defaults(), request.get_full_path(), error)

    return wrapper


def _config_or_defaults() -> SSOConfig:
    """The current settings, or the defaults when the setting itself is invalid."""
    try:
        return get_config()
    except TwoCheckoutError:
        return build_config(DEFAULTS)


@sso_view
@_guarded
def billing(request: HttpRequest, page: str | None = None) -> HttpResponse:
    """The shopper's myAccount: the home page, or ``page`` (one of CUSTOMER_PAGES).

    ``my_subscription`` needs ``?subscription=<reference>`` of a subscription of the
    shopper; anything else is a 404.
    """
    config = get_config()
    if page is not None and page not in validation.CUSTOMER_PAGES:
        raise Http404(_("No such billing page."))
    customer = services.resolve_customer(request)
    if customer is None:
        return _no_customer(request, config)
    subscription_reference: str | None = None
    if page == "my_subscription":
        subscription_reference = _param(request, "subscription")
        if subscription_reference is None or not services.owns_subscription(
            request, subscription_reference, customer
        ):
            services.record_not_found(
                request,
                kind=LinkKind.CUSTOMER,
                reference=customer.reference,
                page=page,
                detail=subscription_reference or "",
            )
            raise Http404(_("No such subscription."))
    return _mint(
        request,
        partial(
            services.customer_link,
            customer=customer,
            page=page,
            subscription_reference=subscription_reference,
        ),
        retry_url=_retry_url(request, {"subscription": subscription_reference}),
    )


@sso_view
@_guarded
def subscription(request: HttpRequest, reference: str, page: str | None = None) -> HttpResponse:
    """A myAccount page (one of SUBSCRIPTION_PAGES, or home) of one of the shopper's subscriptions.

    A subscription that is not the shopper's gives the same 404 as one that does not exist.
    """
    config = get_config()
    if page is not None and page not in validation.SUBSCRIPTION_PAGES:
        raise Http404(_("No such billing page."))
    customer: CustomerReference | None = None
    if not config.subscription_owner_function:
        customer = services.resolve_customer(request)
        if customer is None:
            return _no_customer(request, config)
    if not services.owns_subscription(request, reference, customer):
        services.record_not_found(
            request, kind=LinkKind.SUBSCRIPTION, reference=reference, page=page
        )
        raise Http404(_("No such subscription."))
    return _mint(
        request,
        partial(services.subscription_link, reference=reference, page=page),
        retry_url=_retry_url(request),
    )


@sso_view
@_guarded
def cart(request: HttpRequest) -> HttpResponse:
    """Sign the shopper in to a 2Checkout cart: ``?url=<cart URL>`` (or ``url`` in the POST).

    The cart URL must be https on one of ``ALLOWED_SSO_HOSTS``, else a 400 page.
    """
    config = get_config()
    cart_url = _param(request, "url")
    if cart_url is None:
        return _render(
            request,
            [BAD_REQUEST_TEMPLATE],
            {"message": _("This link does not say which cart to open.")},
            status=400,
        )
    customer = services.resolve_customer(request)
    if customer is None:
        return _no_customer(request, config)
    return _mint(
        request,
        partial(services.cart_link, customer=customer, cart_url=cart_url),
        retry_url=_retry_url(request, {"url": cart_url}),
    )
