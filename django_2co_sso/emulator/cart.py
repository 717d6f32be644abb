"""The ConvertPlus-style cart: ``/checkout/buy`` (checkout page) and ``/checkout/place``.

``GET /checkout/buy?merchant=CODE&prod=PRODUCT&qty=N&customer-ext-ref=REF&signature=HEX``
checks, in order: the merchant code, the signature (HMAC-SHA256 with the emulator's buy-link
secret over the signed parameters present, :func:`.signing.buy_link_signature`; the signed set
is :attr:`Emulator.buy_link_signed_parameters`), the product, the quantity. Any failure shows
the refusal page a shopper would see (HTTP 400, the reason in a sentence); otherwise the
checkout page with the product, price and a form (name, e-mail, test card). Its "Place order"
posts the original query back to ``/checkout/place``, which checks it all again, places the
order (:meth:`.commerce.Commerce.place_order`: customer, subscription, IPN and LCN) and shows
the confirmation with a way back to the shop (the link's ``return-url``, else the emulator's
``shop_url``). A signature is required whenever the link has any parameter of the signed set.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode

from .commerce import OrderError
from .messages import Request, Response
from .signing import buy_link_signature
from .storefront import card, esc, page

if TYPE_CHECKING:
    from .data import Product
    from .emulator import Emulator

BUY_PATH = "/checkout/buy"
PLACE_PATH = "/checkout/place"


class CartRefused(Exception):
    """The link cannot be sold; ``str(exc)`` is the sentence shown to the shopper."""


def _single(query: str) -> dict[str, str]:
    parsed = parse_qs(query, keep_blank_values=True)
    duplicated = [name for name, values in parsed.items() if len(values) > 1]
    if duplicated:
        raise CartRefused(f"The link repeats the parameter {duplicated[0]}.")
    return {name: values[0] for name, values in parsed.items()}


def check_link(emulator: Emulator, query: str) -> tuple[dict[str, str], Product, int]:
    """Return the link's parameters, product and quantity, or raise :class:`CartRefused`."""
    params = _single(query)
    if params.get("merchant") != emulator.merchant_code:
        raise CartRefused("This link does not belong to a known merchant account.")
    signed = emulator.buy_link_signed_parameters
    given = params.get("signature", "")
    needs_signature = any(name in signed for name in params if name != "merchant")
    if needs_signature or given:
        unsigned = {k: v for k, v in params.items() if k != "signature"}
        expected = buy_link_signature(emulator.buy_link_secret, unsigned, signed)
        if not given:
            raise CartRefused("This link is not signed, so it cannot be used to buy.")
        if not hmac.compare_digest(expected, given.lower()):
            raise CartRefused("This link's signature is not valid; it may have been altered.")
    product = emulator.data.product(params.get("prod", ""))
    if product is None:
        raise CartRefused("The product in this link is not for sale.")
    quantity_text = params.get("qty", "1") or "1"
    if not quantity_text.isdigit() or not 1 <= int(quantity_text) <= 99:
        raise CartRefused("The quantity in this link is not valid.")
    return params, product, int(quantity_text)


def refusal(reason: str) -> Response:
    """The page a shopper sees for a link that cannot be sold (400)."""
    body = card(
        "<h1>This purchase link cannot be used</h1>"
        f"<p>{esc(reason)}</p><p class='muted'>Go back to the shop and use its buy button "
        "again. If it keeps happening, the shop's buy-link settings do not match this "
        "account.</p>",
        "refused",
    )
    return page("Purchase link refused", body, status=400, brand="2Checkout checkout")


def _billing(months: int) -> str:
    if months == 0:
        return "One payment, no renewal."
    return f"Billed every {months} month(s); renews automatically until you cancel."


def buy(request: Request, emulator: Emulator) -> Response:
    """``GET /checkout/buy``: the checkout page, or the refusal page."""
    request.protocol, request.operation = "landing", "checkout_page"
    try:
        params, product, quantity = check_link(emulator, request.query_string)
    except CartRefused as exc:
        return refusal(str(exc))
    total = f"{float(product.price) * quantity:.2f}"
    customer = emulator.data.customer_by_external(params.get("customer-ext-ref", "") or "\0")
    email = params.get("email") or (customer.email if customer else "")
    first = params.get("first-name") or (
        customer.first_name if customer and customer.first_name else ""
    )
    last = params.get("last-name") or (
        customer.last_name if customer and customer.last_name else ""
    )
    summary = card(
        "<h1>Checkout</h1><table><tr><th>Product</th><th>Quantity</th><th>Price</th></tr>"
        f"<tr><td>{esc(product.name)} <span class='muted'>({esc(product.code)})</span></td>"
        f"<td>{quantity}</td><td>{esc(product.price)} {esc(product.currency)}</td></tr></table>"
        f"<p class='total'>Total: {esc(total)} {esc(product.currency)}</p>"
        + f"<p class='muted'>{esc(_billing(product.cycle_months))}</p>"
    )
    form = card(
        f'<h2>Your details</h2><form method="post" action="{PLACE_PATH}">'
        f'<input type="hidden" name="link" value="{esc(request.query_string)}">'
        '<div class="row"><div><label for="first_name">First name</label>'
        f'<input id="first_name" name="first_name" value="{esc(first)}" required></div>'
        '<div><label for="last_name">Last name</label>'
        f'<input id="last_name" name="last_name" value="{esc(last)}" required></div></div>'
        '<label for="email">E-mail</label>'
        f'<input id="email" name="email" type="email" value="{esc(email)}" required>'
        '<label for="card">Card number (test card)</label>'
        '<input id="card" name="card" value="4111 1111 1111 1111" required>'
        '<p class="muted">The emulator charges nothing; any 12 to 19 digit number works.</p>'
        '<button type="submit" id="place-order">Place order</button></form>'
    )
    return page("Checkout", summary + form, brand="2Checkout checkout")


def place(request: Request, emulator: Emulator) -> Response:
    """``POST /checkout/place``: check the link again, place the order, confirm."""
    request.protocol, request.operation = "landing", "place_order"
    form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
    try:
        params, product, quantity = check_link(emulator, form.get("link", ""))
    except CartRefused as exc:
        return refusal(str(exc))
    try:
        order = emulator.commerce.place_order(
            product.code,
            quantity,
            customer_ext_ref=params.get("customer-ext-ref") or None,
            email=form.get("email") or None,
            first_name=form.get("first_name") or None,
            last_name=form.get("last_name") or None,
            order_ext_ref=params.get("order-ext-ref", ""),
            card_number=form.get("card", ""),
        )
    except OrderError as exc:
        return refusal(f"The order could not be placed: {exc}.")
    back = params.get("return-url") or emulator.shop_url
    back_link = (
        f'<p><a class="button" id="back-to-shop" href="{esc(back)}">Back to the shop</a></p>'
        if back
        else ""
    )
    body = card(
        "<h1>Thank you for your order</h1>"
        f"<p>Order <strong id='order-ref'>{esc(order.reference)}</strong> is complete: "
        f"{esc(product.name)} &times; {quantity}, {esc(order.total)} {esc(order.currency)}.</p>"
        f"<p>Subscription <strong id='subscription-ref'>{esc(order.subscription_reference)}"
        "</strong> is active. The shop is notified and shows it within seconds.</p>" + back_link,
        "notice",
    )
    return page("Order complete", body, brand="2Checkout checkout")


def buy_link(emulator: Emulator, product: str, quantity: int = 1, **extra: str) -> str:
    """A signed buy link to this emulator's cart (for tests and the operator page).

    ``extra`` keys use underscores for dashes (``customer_ext_ref="u-1"``).
    """
    params = {"merchant": emulator.merchant_code, "prod": product, "qty": str(quantity)}
    params.update({key.replace("_", "-"): value for key, value in extra.items()})
    params["signature"] = buy_link_signature(
        emulator.buy_link_secret, params, emulator.buy_link_signed_parameters
    )
    return f"{emulator.base_url}{BUY_PATH}?{urlencode(params)}"
