"""The myAccount stand-in: signed-in pages with working buttons, after an SSO token.

A landing with a valid token (:mod:`.tokens`) opens a myAccount session for the token's
customer: a random id in the ``emu_myaccount`` cookie (HttpOnly, SameSite=Lax), valid 30
minutes on the emulator clock. Pages: ``/myaccount/`` (home), ``/myaccount/<page>/`` for
``my_subscription``, ``my_license``, ``view_order``, ``change_card``, ``my_products``,
``payment_methods``, ``user_data``, ``order_lookup``, and ``/support/`` (``faq``). Each page
names the signed-in customer (``Signed in as <email> (customer <ref>) on page <page>.``), and
links back to the shop (``shop_url``) when the emulator has one.

Buttons post to ``/myaccount/action`` (the session id is also in the form, so another site
cannot post for the shopper): ``cancel``, ``enable`` (re-enable), ``renew`` or
``change_card`` on one of the customer's own subscriptions, through
:meth:`.commerce.Commerce.act` with ``CHANGED_BY`` = ``CUSTOMER``, which sends the LCN. A used,
expired or foreign token, or a page without a session, shows a friendly explanation (403) that
still states the reason (``Login token rejected: <reason>.``).
"""

from __future__ import annotations

import secrets
import threading
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs, quote

from .commerce import OrderError
from .messages import Request, Response
from .storefront import button_form, card, esc, page, redirect, status_badge
from .tokens import TokenKind, TokenRejected

if TYPE_CHECKING:
    from .clock import Clock
    from .commerce import Order
    from .data import Customer, Subscription
    from .emulator import Emulator

COOKIE: Final = "emu_myaccount"
SESSION_LIFETIME: Final = 1800.0
ACTION_PATH: Final = "/myaccount/action"
#: Customer actions offered by myAccount (a subset of :data:`.commerce.ACTIONS`).
CUSTOMER_ACTIONS: Final = ("cancel", "enable", "renew", "change_card")
_TITLES: Final = {
    "": "My account",
    "my_subscription": "Subscription",
    "my_license": "Subscription",
    "view_order": "Order",
    "change_card": "Change card",
    "my_products": "My products",
    "payment_methods": "Payment methods",
    "user_data": "Personal details",
    "order_lookup": "Order lookup",
    "faq": "Support",
}
_REASONS: Final = {
    "already used": "This sign-in link has already been used. Links into your account work "
    "once, so that nobody can reuse one from your browser history.",
    "expired": "This sign-in link has expired. Links into your account are valid for a few "
    "seconds only.",
    "IP mismatch": "This sign-in link was made for another network address.",
    "page mismatch": "This sign-in link was made for another page.",
    "unknown": "This sign-in link is not known here.",
}
_NOT_SIGNED_IN: Final = "You are not signed in, or your session here has ended."


class AccountSessions:
    """myAccount sessions: id -> (customer reference, expiry on the emulator clock)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[str, float]] = {}

    def open(self, customer_reference: str) -> str:
        """Start a session for a customer and return its id."""
        session_id = secrets.token_hex(20)
        with self._lock:
            now = self._clock.now()
            self._sessions = {k: v for k, v in self._sessions.items() if v[1] > now}
            self._sessions[session_id] = (customer_reference, now + SESSION_LIFETIME)
        return session_id

    def customer(self, session_id: str | None) -> str | None:
        """The customer reference of a live session, or None."""
        if not session_id:
            return None
        with self._lock:
            found = self._sessions.get(session_id)
        if found is None or found[1] <= self._clock.now():
            return None
        return found[0]

    def clear(self) -> None:
        """End every session."""
        with self._lock:
            self._sessions.clear()


def _cookie(request: Request) -> str | None:
    raw = request.header("Cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def _set_cookie(session_id: str) -> dict[str, str]:
    return {
        "Set-Cookie": f"{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax; "
        f"Max-Age={int(SESSION_LIFETIME)}"
    }


def page_name(path: str) -> str | None:
    """The myAccount page a path shows ("" = home), or None if not a myAccount path."""
    parts = [p for p in path.split("/") if p]
    match parts:
        case ["myaccount"]:
            return ""
        case ["support"] | ["myaccount", "faq"]:
            return "faq"
        case ["myaccount", "action"]:
            return None
        case ["myaccount", name]:
            return name
    return None


def _nav(session: str) -> list[tuple[str, str]]:
    return [
        ("Home", "/myaccount/"),
        ("My products", "/myaccount/my_products/"),
        ("Payment methods", "/myaccount/payment_methods/"),
        ("Personal details", "/myaccount/user_data/"),
        ("Orders", "/myaccount/order_lookup/"),
        ("Support", "/support/"),
    ]


def friendly_refusal(reason: str, emulator: Emulator, *, session: bool = False) -> Response:
    """The page for a token that cannot sign the shopper in, or (``session``) a page or
    button without a live myAccount session (403)."""
    explanation = _NOT_SIGNED_IN if session else _REASONS.get(reason, _REASONS["unknown"])
    back = (
        f'<p><a class="button" id="back-to-shop" href="{esc(emulator.shop_url)}">'
        "Back to the shop</a></p>"
        if emulator.shop_url
        else ""
    )
    body = card(
        "<h1>Please sign in again</h1>"
        f"<p>{esc(explanation)}</p><p>Go back to the shop and click its button again: it "
        "opens your account with a fresh link.</p>"
        f"{back}<p class='muted'>Login token rejected: {esc(reason)}.</p>",
        "refused",
    )
    return page("Sign-in link not valid", body, status=403, brand="2Checkout myAccount")


def land(request: Request, emulator: Emulator) -> Response:
    """``GET`` of a myAccount page: with ``logintoken`` it signs in, else it needs a session."""
    request.protocol, request.operation = "landing", "myaccount_page"
    name = page_name(request.path)
    if name is None:
        return page("Not found", card("<h1>No such myAccount page</h1>"), status=404)
    token_value = request.query_value("logintoken")
    headers: dict[str, str] = {}
    language: str | None = None
    subscription_ref = request.query_value("subscription")
    if token_value is not None:
        try:
            token = emulator.tokens.consume(
                token_value, TokenKind.MYACCOUNT, request.client_ip, name
            )
        except TokenRejected as exc:
            return friendly_refusal(exc.reason, emulator)
        customer = emulator.data.customer(token.customer_reference or "")
        if customer is None:
            return friendly_refusal("unknown", emulator)
        session_id = emulator.account_sessions.open(customer.reference)
        headers = _set_cookie(session_id)
        subscription_ref = token.subscription_reference or subscription_ref
        language = token.language
    else:
        session_id = _cookie(request) or ""
        reference = emulator.account_sessions.customer(session_id)
        customer = emulator.data.customer(reference or "")
        if customer is None:
            return friendly_refusal("unknown", emulator, session=True)
    return render(emulator, customer, name, subscription_ref, session_id, language, headers)


def _own_subscription(
    emulator: Emulator, customer: Customer, ref: str | None
) -> Subscription | None:
    subscription = emulator.data.subscription(ref) if ref else None
    if subscription is None or subscription.customer_reference != customer.reference:
        return None
    return subscription


def _actions(subscription: Subscription, session: str, back: str) -> str:
    fields = {"session": session, "subscription": subscription.reference, "back": back}
    buttons = []
    if subscription.status in ("ACTIVE", "TRIAL", "PASTDUE"):
        buttons.append(
            button_form(
                ACTION_PATH, {**fields, "action": "cancel"}, "Cancel subscription", "danger"
            )
        )
    else:
        buttons.append(
            button_form(ACTION_PATH, {**fields, "action": "enable"}, "Re-enable subscription")
        )
    buttons.append(
        button_form(ACTION_PATH, {**fields, "action": "renew"}, "Renew now", "secondary")
    )
    return "".join(buttons)


def _card_form(subscription: Subscription, session: str, back: str) -> str:
    return (
        f'<form method="post" action="{ACTION_PATH}">'
        f'<input type="hidden" name="session" value="{esc(session)}">'
        f'<input type="hidden" name="subscription" value="{esc(subscription.reference)}">'
        f'<input type="hidden" name="back" value="{esc(back)}">'
        '<input type="hidden" name="action" value="change_card">'
        '<label for="card">New card number (test card)</label>'
        '<input id="card" name="card" value="5555 5555 5555 4444" required>'
        '<button type="submit">Save card</button></form>'
    )


def _address(customer: Customer) -> str:
    parts = (customer.address1, customer.city, customer.country_code)
    return ", ".join(p for p in parts if p) or "-"


def _card_text(last_digits: str | None) -> str:
    return f"•••• {last_digits}" if last_digits else "none on file"


def _orders_card(orders: list[Order]) -> str:
    rows = (
        "".join(
            f"<tr><td>{esc(o.reference)}</td><td>{esc(o.date)}</td>"
            f"<td>{esc(o.product_code)} &times; {o.quantity}</td>"
            f"<td>{esc(o.total)} {esc(o.currency)}</td></tr>"
            for o in orders
        )
        or "<tr><td colspan=4>No order placed through this emulator.</td></tr>"
    )
    return card(
        "<h2>Orders</h2><table><tr><th>Order</th><th>Date</th><th>Products</th><th>Total</th>"
        f"</tr>{rows}</table>"
    )


def _subscription_card(subscription: Subscription, session: str, back: str, with_card: bool) -> str:
    details = (
        f"<h2>{esc(subscription.product_name or subscription.product_code)} "
        f"{status_badge(subscription.status)}</h2><dl>"
        f"<dt>Subscription</dt><dd>{esc(subscription.reference)}</dd>"
        f"<dt>Started</dt><dd>{esc(subscription.start_date or '-')}</dd>"
        f"<dt>Expires</dt><dd>{esc(subscription.expiration_date or '-')}</dd>"
        f"<dt>Automatic renewal</dt><dd>{'on' if subscription.recurring_enabled else 'off'}</dd>"
        f"<dt>Card</dt><dd>{esc(_card_text(subscription.card_last_digits))}</dd>"
        "</dl><p>" + _actions(subscription, session, back) + "</p>"
    )
    if with_card:
        details += _card_form(subscription, session, back)
    return card(details)


def render(
    emulator: Emulator,
    customer: Customer,
    name: str,
    subscription_ref: str | None,
    session: str,
    language: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One myAccount page for a signed-in customer."""
    shown = name or "index"
    back = f"/myaccount/{name + '/' if name and name != 'faq' else ''}"
    if name == "faq":
        back = "/support/"
    subscription = _own_subscription(emulator, customer, subscription_ref)
    if subscription is not None:
        back += f"?subscription={quote(subscription.reference, safe='')}"
    intro = (
        f"<p class='muted' id='signed-in'>Signed in as {esc(customer.email)} (customer "
        f"{esc(customer.reference)}) on page {esc(shown)}.</p>"
        f"<p class='muted'>Customer name: {esc(customer.display_name)}.</p>"
    )
    if subscription is not None:
        intro += (
            f"<p class='muted'>Subscription {esc(subscription.reference)} "
            f"({esc(subscription.product_name)}, {esc(subscription.status)}).</p>"
        )
    if language:
        intro += f"<p class='muted'>Language {esc(language)}.</p>"
    sections: list[str] = []
    own = emulator.data.subscriptions_of(customer.reference)
    if name in ("my_subscription", "my_license", "view_order", "change_card") and subscription:
        sections.append(_subscription_card(subscription, session, back, name == "change_card"))
        if name == "view_order":
            orders = emulator.commerce.orders
            mine = [o for o in orders if o.subscription_reference == subscription.reference]
            sections.append(_orders_card(mine))
    elif name == "user_data":
        sections.append(
            card(
                "<h2>Personal details</h2><dl>"
                f"<dt>Name</dt><dd>{esc(customer.display_name)}</dd>"
                f"<dt>E-mail</dt><dd>{esc(customer.email)}</dd>"
                f"<dt>Company</dt><dd>{esc(customer.company or '-')}</dd>"
                f"<dt>Address</dt><dd>{esc(_address(customer))}</dd>"
                "<dt>Your reference at the shop</dt>"
                f"<dd>{esc(customer.external_reference or '-')}</dd>"
                "</dl>"
            )
        )
    elif name == "order_lookup":
        orders = emulator.commerce.orders
        sections.append(
            _orders_card([o for o in orders if o.customer_reference == customer.reference])
        )
    elif name == "faq":
        sections.append(
            card(
                "<h2>Support</h2><p>How do I cancel? Open the subscription and press "
                "<em>Cancel subscription</em>. How do I change my card? Use <em>Payment "
                "methods</em>.</p><p class='muted'>This is the emulator's stand-in for "
                "2Checkout's shopper support.</p>"
            )
        )
    else:  # home, my_products, payment_methods, or a subscription page without one
        with_card = name == "payment_methods"
        cards = [_subscription_card(s, session, back, with_card) for s in own]
        sections += cards or [card("<p>No subscriptions yet.</p>")]
    if emulator.shop_url:
        sections.append(
            f'<p><a class="button secondary" id="back-to-shop" href="{esc(emulator.shop_url)}">'
            "Back to the shop</a></p>"
        )
    title = _TITLES.get(name, "My account")
    body = card(f"<h1>{esc(title)}</h1>{intro}") + "".join(sections)
    return page(
        f"2Checkout myAccount (emulator): {title}",
        body,
        brand="2Checkout myAccount",
        nav=_nav(session),
        who=f"{customer.display_name} · {customer.email}",
        headers=headers,
    )


def act(request: Request, emulator: Emulator) -> Response:
    """``POST /myaccount/action``: a button of a myAccount page."""
    request.protocol, request.operation = "landing", "myaccount_action"
    if request.method != "POST":
        return page("Method not allowed", card("<h1>Use the page's buttons</h1>"), status=405)
    form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
    session_id = _cookie(request)
    if not session_id or form.get("session") != session_id:
        return friendly_refusal("unknown", emulator, session=True)
    customer = emulator.data.customer(emulator.account_sessions.customer(session_id) or "")
    if customer is None:
        return friendly_refusal("unknown", emulator, session=True)
    subscription = _own_subscription(emulator, customer, form.get("subscription"))
    action = form.get("action", "")
    if subscription is None or action not in CUSTOMER_ACTIONS:
        return page("Not possible", card("<h1>That change is not possible</h1>"), status=400)
    try:
        emulator.commerce.act(
            subscription.reference, action, changed_by="CUSTOMER", card_number=form.get("card")
        )
    except OrderError as exc:
        return page(
            "Not possible",
            card(f"<h1>That change is not possible</h1><p>{esc(exc)}</p>"),
            status=400,
        )
    back = form.get("back", "/myaccount/")
    if not back.startswith(("/myaccount/", "/support/")):
        back = "/myaccount/"
    return redirect(back)
