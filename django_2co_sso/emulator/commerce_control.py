"""Control endpoints for orders, notifications and the subscription life cycle, and the
operator page. Reached through :mod:`.control` (so any access rule of the control endpoint
applies here too); bodies are JSON unless said otherwise.

* ``POST /__emulator__/orders`` ``{"product": CODE, "quantity": 1, "customer_ext_ref": REF}``
  (optional ``email``, ``first_name``, ``last_name``, ``order_ext_ref``, ``test``): places the
  order as the cart does and answers 201 ``{"order_reference", "customer_reference",
  "subscription_reference"}``; ``GET`` lists the orders.
* ``GET /__emulator__/notifications``: ``{"listeners": {"ipn": [...], "lcn": [...]},
  "pending": N, "deliveries": [attempt, ...]}`` (see :meth:`.notifications.Notifier.log`).
* ``GET``/``POST /__emulator__/listeners`` ``{"ipn": [URL, ...], "lcn": [URL, ...]}``: read or
  replace the listener URLs (a kind left out is kept).
* ``POST /__emulator__/subscriptions/<REF>/<action>`` with ``action`` one of
  :data:`.commerce.ACTIONS` (``change_card`` needs ``{"card_number": "..."}``; optional
  ``changed_by``): applies it, sends the LCN, answers the subscription in seed format.
* ``POST /__emulator__/buy-link`` ``{"product": CODE, "quantity": 1, "params": {...}}``: a
  signed buy link to the cart.
* ``GET /__emulator__/operator``: an HTML page listing every subscription with buttons for
  each action (``POST`` form back to the same URL) and the delivery log.

Only endpoints whose first part is in :data:`ENDPOINTS` come here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs

from . import jsonbody
from .cart import buy_link
from .commerce import ACTIONS, OrderError
from .messages import Request, Response, json_response
from .storefront import button_form, card, esc, page, redirect, status_badge

if TYPE_CHECKING:
    from .emulator import Emulator

OPERATOR_PATH = "/__emulator__/operator"
#: First path parts (after ``/__emulator__/``) answered here.
ENDPOINTS = frozenset(
    {"orders", "notifications", "listeners", "subscriptions", "buy-link", "operator"}
)


#: The keys of a ``POST /__emulator__/orders`` body.
ORDER_KEYS: Final = (
    "product",
    "quantity",
    "customer_ext_ref",
    "email",
    "first_name",
    "last_name",
    "order_ext_ref",
    "test",
)


def _error(message: str, status: int = 400) -> Response:
    return json_response({"error": message}, status)


def _str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def _order(emulator: Emulator, body: Any) -> Response:
    if not isinstance(body, dict) or not isinstance(body.get("product"), str):
        return _error('POST {"product": CODE, "quantity": 1, "customer_ext_ref": REF}')
    unknown = set(body) - set(ORDER_KEYS)
    if unknown:
        return _error(f"unknown keys {sorted(unknown)}")
    test = body.get("test", True)
    if not isinstance(test, bool):
        return _error("test must be true or false")
    order = emulator.commerce.place_order(
        body["product"],
        body.get("quantity", 1),
        customer_ext_ref=_str(body, "customer_ext_ref"),
        email=_str(body, "email"),
        first_name=_str(body, "first_name"),
        last_name=_str(body, "last_name"),
        order_ext_ref=_str(body, "order_ext_ref") or "",
        test=test,
    )
    return json_response(
        {
            "order_reference": order.reference,
            "customer_reference": order.customer_reference,
            "subscription_reference": order.subscription_reference,
        },
        201,
    )


def _listeners(emulator: Emulator, body: Any) -> Response:
    if not isinstance(body, dict) or not set(body) <= {"ipn", "lcn"}:
        return _error('POST {"ipn": [URL, ...], "lcn": [URL, ...]}')
    for key, urls in body.items():
        if not isinstance(urls, list):
            return _error(f"{key} must be a list of URLs")
    emulator.notifier.set_listeners(body.get("ipn"), body.get("lcn"))
    return json_response(emulator.notifier.listeners())


def _action(emulator: Emulator, reference: str, action: str, body: Any) -> Response:
    if not isinstance(body, dict):
        return _error("POST a JSON object (or nothing)")
    subscription = emulator.commerce.act(
        reference,
        action,
        changed_by=_str(body, "changed_by") or "VENDOR",
        card_number=_str(body, "card_number"),
    )
    return json_response({"subscription": subscription.to_api()})


def handle(request: Request, emulator: Emulator, endpoint: str) -> Response:
    """Answer ``endpoint`` (the path after ``/__emulator__/``, first part in :data:`ENDPOINTS`)."""
    parts = endpoint.split("/")
    method = request.method
    try:
        if parts == ["operator"]:
            return operator(request, emulator)
        body = jsonbody.request_json(request) if method == "POST" else None
        match parts, method:
            case ["orders"], "POST":
                return _order(emulator, body)
            case ["orders"], "GET":
                return json_response({"orders": [o.to_api() for o in emulator.commerce.orders]})
            case ["notifications"], "GET":
                return json_response(
                    {
                        "listeners": emulator.notifier.listeners(),
                        "pending": emulator.notifier.pending(),
                        "deliveries": emulator.notifier.log(),
                    }
                )
            case ["listeners"], "GET":
                return json_response(emulator.notifier.listeners())
            case ["listeners"], "POST":
                return _listeners(emulator, body)
            case ["subscriptions", reference, action], "POST":
                return _action(emulator, reference, action, body)
            case ["buy-link"], "POST":
                if not isinstance(body, dict) or not isinstance(body.get("product"), str):
                    return _error('POST {"product": CODE, "quantity": 1, "params": {...}}')
                params = body.get("params", {})
                quantity = body.get("quantity", 1)
                if not isinstance(params, dict) or not all(
                    isinstance(v, str) for v in params.values()
                ):
                    return _error("params must be an object of strings")
                if isinstance(quantity, bool) or not isinstance(quantity, int):
                    return _error("quantity must be an integer")
                extra = {k.replace("-", "_"): v for k, v in params.items()}
                return json_response(
                    {"url": buy_link(emulator, body["product"], quantity, **extra)}
                )
            case ((["orders"] | ["notifications"] | ["listeners"] | ["buy-link"]), _):
                return _error(f"method {method} not allowed here", 405)
            case ["subscriptions", _, _], _:
                return _error(f"method {method} not allowed here", 405)
    except OrderError as exc:
        status = 404 if str(exc).startswith("unknown subscription") else 400
        return _error(str(exc), status)
    except ValueError as exc:
        return _error(str(exc))
    return _error("unknown control endpoint", 404)


def operator(request: Request, emulator: Emulator) -> Response:
    """The operator page: every subscription with life-cycle buttons, and the delivery log."""
    request.protocol, request.operation = "landing", "operator_page"
    message = ""
    if request.method == "POST":
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        try:
            emulator.commerce.act(
                form.get("subscription", ""),
                form.get("action", ""),
                card_number=form.get("card") or None,
            )
        except OrderError as exc:
            message = str(exc)
        else:
            return redirect(OPERATOR_PATH)
    elif request.method != "GET":
        return _error(f"method {request.method} not allowed here", 405)
    rows = []
    for subscription in emulator.data.subscriptions:
        customer = emulator.data.customer(subscription.customer_reference)
        buttons = "".join(
            button_form(
                OPERATOR_PATH,
                {
                    "subscription": subscription.reference,
                    "action": action,
                    **({"card": "4000 0000 0000 0002"} if action == "change_card" else {}),
                },
                action.replace("_", " "),
                "secondary",
            )
            for action in ACTIONS
        )
        rows.append(
            f"<tr><td>{esc(subscription.reference)}</td>"
            f"<td>{esc(customer.email if customer else '')}<br><span class='muted'>"
            f"{esc(customer.external_reference if customer else '')}</span></td>"
            f"<td>{esc(subscription.product_name)}</td><td>{status_badge(subscription.status)}</td>"
            f"<td>{esc(subscription.expiration_date or '-')}</td><td>{buttons}</td></tr>"
        )
    log_rows = "".join(
        f"<tr><td>{esc(e['time'])}</td><td>{esc(e['kind'])}</td><td>{esc(e['reference'])}</td>"
        f"<td>{esc(e['url'])}</td><td>{esc(e['attempt'])}</td><td>{esc(e['status'])}</td>"
        f"<td>{'valid' if e['receipt_valid'] else esc(e['error'])}</td></tr>"
        for e in reversed(emulator.notifier.log()[-50:])
    )
    listeners = emulator.notifier.listeners()
    body = (
        (card(f"<p>{esc(message)}</p>", "refused") if message else "")
        + card(
            "<h1>Operator: subscriptions</h1><p class='muted'>Each button changes the "
            "subscription as 2Checkout would and sends its LCN to the listeners.</p>"
            "<table><tr><th>Subscription</th><th>Customer</th><th>Product</th><th>Status</th>"
            f"<th>Expires</th><th>Actions</th></tr>{''.join(rows)}</table>"
        )
        + card(
            "<h2>Notification deliveries</h2>"
            f"<p class='muted'>IPN listeners: {esc(', '.join(listeners['ipn']) or 'none')}. "
            f"LCN listeners: {esc(', '.join(listeners['lcn']) or 'none')}.</p>"
            "<table><tr><th>Time (UTC)</th><th>Kind</th><th>Reference</th><th>URL</th>"
            f"<th>Attempt</th><th>Status</th><th>Receipt</th></tr>{log_rows}</table>"
        )
    )
    return page(
        "Emulator operator",
        body,
        status=400 if message else 200,
        brand="2Checkout emulator operator",
    )
