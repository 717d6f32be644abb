"""Landing pages that consume SSO tokens, standing in for the cart and the Channel Manager
control panel (myAccount has its own module, :mod:`.myaccount`).

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


def _consume(
    tokens: TokenStore, request: Request, kind: TokenKind, page: str | None
) -> Token | Response:
    try:
        return tokens.consume(request.query_value("logintoken"), kind, request.client_ip, page)
    except TokenRejected as exc:
        return _rejected(exc.reason)


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
