"""Landing pages that consume SSO tokens, standing in for myAccount, the cart and the Channel
Manager control panel.

* myAccount: ``/myaccount/?logintoken=T`` (home, "page index"), ``/myaccount/<page>/?...``,
  ``/support/?...`` (= ``faq``, also ``/myaccount/faq/``). A valid token answers 200 with
  ``Signed in as <email> (customer <2Checkout ref>) on page <page>.``, ``Customer name: ...``
  and, when the token has one, ``Subscription <ref> (<product>, <status>).``
* cart: ``/order/checkout.php?PRODS=...&QTY=...&logintoken=T`` answers ``Signed in as <email>
  (customer <ref>) in the cart.`` and ``Products: <id> x <qty>, ...`` (no ``logintoken``: a
  guest cart).
* partner: ``/cpanel/index.php?logintoken=T`` answers ``Signed in as <email> for partner
  <code>`` and the requested page.

A refused token answers 403 ``Login token rejected: <reason>`` where reason is ``unknown``,
``already used``, ``expired``, ``IP mismatch`` or ``page mismatch`` (see :mod:`.tokens`).
"""

from __future__ import annotations

from .data import Dataset
from .messages import Request, Response, html_response
from .tokens import Token, TokenKind, TokenRejected, TokenStore


def _rejected(reason: str) -> Response:
    return html_response("403 Forbidden", [f"Login token rejected: {reason}."], status=403)


def myaccount_page_name(path: str) -> str | None:
    """The myAccount page a landing path shows ("" = home), or None if not a myAccount path."""
    parts = [p for p in path.split("/") if p]
    match parts:
        case ["myaccount"]:
            return ""
        case ["support"] | ["myaccount", "faq"]:
            return "faq"
        case ["myaccount", page]:
            return page
    return None


def _consume(
    tokens: TokenStore, request: Request, kind: TokenKind, page: str | None
) -> Token | Response:
    try:
        return tokens.consume(request.query_value("logintoken"), kind, request.client_ip, page)
    except TokenRejected as exc:
        return _rejected(exc.reason)


def myaccount(request: Request, tokens: TokenStore, data: Dataset) -> Response:
    """The myAccount landing page (any path :func:`myaccount_page_name` accepts)."""
    request.protocol, request.operation = "landing", "myaccount_page"
    page = myaccount_page_name(request.path)
    if page is None:
        return html_response("404 Not Found", ["No such myAccount page."], status=404)
    token = _consume(tokens, request, TokenKind.MYACCOUNT, page)
    if isinstance(token, Response):
        return token
    customer = data.customer(token.customer_reference or "")
    if customer is None:
        return _rejected("unknown")
    lines = [
        f"Signed in as {customer.email} (customer {customer.reference}) on page {page or 'index'}.",
        f"Customer name: {customer.display_name}.",
    ]
    if token.subscription_reference:
        subscription = data.subscription(token.subscription_reference)
        detail = f" ({subscription.product_name}, {subscription.status})" if subscription else ""
        lines.append(f"Subscription {token.subscription_reference}{detail}.")
    if token.language:
        lines.append(f"Language {token.language}.")
    return html_response("2Checkout myAccount (emulator)", lines)


def cart(request: Request, tokens: TokenStore, data: Dataset) -> Response:
    """The cart landing page ``/order/checkout.php``."""
    request.protocol, request.operation = "landing", "cart_page"
    products = (request.query_value("PRODS") or "").split(",")
    quantities = (request.query_value("QTY") or "").split(",")
    items = [
        f"{product} x {quantities[i] if i < len(quantities) and quantities[i] else '1'}"
        for i, product in enumerate(products)
        if product
    ]
    product_line = f"Products: {', '.join(items) if items else 'none'}."
    if request.query_value("logintoken") is None:
        return html_response("2Checkout cart (emulator)", ["Guest checkout.", product_line])
    token = _consume(tokens, request, TokenKind.CART, None)
    if isinstance(token, Response):
        return token
    customer = data.customer(token.customer_reference or "")
    if customer is None:
        return _rejected("unknown")
    signed_in = f"Signed in as {customer.email} (customer {customer.reference}) in the cart."
    name = f"Customer name: {customer.display_name}."
    return html_response("2Checkout cart (emulator)", [signed_in, name, product_line])


def cpanel(request: Request, tokens: TokenStore, data: Dataset) -> Response:
    """The Channel Manager control panel landing page ``/cpanel/index.php``."""
    request.protocol, request.operation = "landing", "cpanel_page"
    token = _consume(tokens, request, TokenKind.PARTNER, None)
    if isinstance(token, Response):
        return token
    partner = data.partner(token.partner_code or "")
    name = f" ({partner.name})" if partner and partner.name else ""
    return html_response(
        "2Checkout Channel Manager (emulator)",
        [
            f"Signed in as {token.email} for partner {token.partner_code}{name}.",
            f"Requested page: {token.page}",
        ],
    )
