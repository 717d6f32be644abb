"""Hostile control bodies: every one is a 4xx (never a 500), and the emulator keeps serving."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from django_2co_sso.emulator import Emulator
from django_2co_sso.emulator.commerce import ACTIONS
from django_2co_sso.emulator.commerce_control import ORDER_KEYS
from django_2co_sso.emulator.faults import RULE_KEYS
from django_2co_sso.emulator.jsonbody import MAX_DEPTH

#: Values of the wrong type or range for any key.
BAD_VALUES: list[Any] = [
    None,
    True,
    False,
    -1,
    0,
    10**18,
    -(10**18),
    1.5,
    -1e300,
    1e300,
    "",
    " ",
    "x" * 5000,
    "\u0000",
    "../../etc/passwd",
    [],
    [1, "a"],
    [[[]]],
    {},
    {"a": 1},
]

#: Endpoint -> (a body that is valid or nearly so, the keys it takes).
ENDPOINTS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "faults": ({"operation": "getSingleSignOn", "error_code": "INTERNAL_ERROR"}, RULE_KEYS),
    "clock": ({"advance": 1}, ("advance",)),
    "seed": (
        {
            "Customers": [{"CustomerReference": "1", "Email": "a@example.com"}],
            "Subscriptions": [{"SubscriptionReference": "S1", "CustomerReference": "1"}],
        },
        ("Customers", "Subscriptions", "Partners", "Products"),
    ),
    "orders": (
        {"product": "PRO", "quantity": 1, "customer_ext_ref": "shop-customer-1"},
        ORDER_KEYS,
    ),
    "listeners": ({"ipn": [], "lcn": []}, ("ipn", "lcn")),
    "buy-link": (
        {"product": "PRO", "quantity": 1, "params": {}},
        ("product", "quantity", "params"),
    ),
    **{
        f"subscriptions/4E2A1B9C70/{action}": (
            {"card_number": "4111111111111111"},
            ("changed_by", "card_number"),
        )
        for action in ACTIONS
    },
}

#: Whole bodies that are not acceptable JSON at all.
RAW_BODIES = [
    b"1" * 5000,  # an integer Python refuses to convert (over 4300 digits)
    b"9" * 21,
    b"[" * 100_000 + b"]" * 100_000,  # nesting deep enough to exhaust the recursion limit
    b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
    b'{"a": ' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1),
    b'{"advance": 1e999}',
    b'{"advance": NaN}',
    b"Infinity",
    b"\xff\xfe",
    b"{",
    b'"\\ud800"',
]


@pytest.fixture(scope="module")
def target() -> Iterator[tuple[Emulator, requests.Session]]:
    """An emulator of this module's own (the bodies may change its state) and a client."""
    with Emulator(control_token="bodies") as emulator, requests.Session() as http:
        http.headers["X-Emulator-Token"] = "bodies"
        yield emulator, http


def _post(target: tuple[Emulator, requests.Session], endpoint: str, body: Any) -> int:
    emulator, http = target
    url = f"{emulator.base_url}/__emulator__/{endpoint}"
    if isinstance(body, bytes):
        response = http.post(
            url, data=body, headers={"Content-Type": "application/json"}, timeout=30
        )
    else:
        response = http.post(url, json=body, timeout=30)
    return response.status_code


def _api_status(target: tuple[Emulator, requests.Session]) -> int:
    emulator, http = target
    payload = {"jsonrpc": "2.0", "id": 1, "method": "getSingleSignOn", "params": ["x", "y"]}
    try:
        return http.post(f"{emulator.base_url}/rpc/6.0/", json=payload, timeout=10).status_code
    except requests.ConnectionError:
        return 0  # an injected drop


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("raw", RAW_BODIES, ids=lambda b: repr(b[:12]))
def test_bodies_that_are_not_acceptable_json_are_400(
    target: tuple[Emulator, requests.Session], endpoint: str, raw: bytes
) -> None:
    assert _post(target, endpoint, raw) == 400


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_wrong_types_and_values_are_4xx(
    target: tuple[Emulator, requests.Session], endpoint: str
) -> None:
    emulator, _ = target
    valid, keys = ENDPOINTS[endpoint]
    problems = []
    for key, value in itertools.product(keys, BAD_VALUES):
        status = _post(target, endpoint, {**valid, key: value})
        if status >= 500:
            problems.append((key, value if not isinstance(value, str) else value[:20], status))
        elif endpoint == "faults" and status < 300:
            # An accepted fault must not make the API answer 500 either.
            if _api_status(target) >= 500:
                problems.append((key, value, "API 500"))
            emulator.clear_faults()
    for value in BAD_VALUES:
        status = _post(target, endpoint, value)
        if status >= 500:
            problems.append(("<body>", value, status))
    # Items of the seed's lists, with each field of the wrong type.
    if endpoint == "seed":
        for (list_key, field), value in itertools.product(
            [
                ("Customers", "CustomerReference"),
                ("Customers", "Email"),
                ("Customers", "Enabled"),
                ("Subscriptions", "CustomerReference"),
                ("Subscriptions", "Status"),
                ("Partners", "Users"),
                ("Products", "Code"),
                ("Products", "Price"),
            ],
            BAD_VALUES,
        ):
            item = {**(valid.get(list_key) or [{}])[0], field: value}
            status = _post(target, endpoint, {**valid, list_key: [item]})
            if status >= 500:
                problems.append((f"{list_key}[0].{field}", value, status))
    emulator.reset()
    assert problems == []
    assert emulator.state()["merchant_code"] == "EMULATOR"  # still serving


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("error_code", 123),
        ("error_code", ""),
        ("error_code", "<b>x</b>"),
        ("error_message", []),
        ("times", True),
        ("times", 1.5),
        ("delay", True),
        ("delay", 1e300),
        ("expire_session", "no"),
        ("drop", "yes"),
        ("malformed", 1),
        ("operation", None),
        ("protocol", 5),
    ],
)
def test_a_fault_of_the_wrong_type_is_400(
    target: tuple[Emulator, requests.Session], key: str, value: Any
) -> None:
    body = {"operation": "getSingleSignOn", "error_code": "INTERNAL_ERROR", key: value}
    assert _post(target, "faults", body) == 400
    assert _post(target, "faults", {"http_status": 500, "body": 123}) == 400
    assert _post(target, "faults", {"http_status": True}) == 400
    assert _post(target, "faults", {"http_status": 99.5}) == 400
    assert target[0].faults.rules == []


def test_the_clock_moves_at_most_ten_years_at_once(
    target: tuple[Emulator, requests.Session],
) -> None:
    assert _post(target, "clock", {"advance": 1e300}) == 400
    assert _post(target, "clock", {"advance": 10 * 365 * 86400}) == 200
    target[0].reset()


@pytest.mark.parametrize("raw", RAW_BODIES[:5], ids=lambda b: repr(b[:12]))
def test_json_rpc_answers_a_parse_error_to_hostile_json(
    target: tuple[Emulator, requests.Session], raw: bytes
) -> None:
    emulator, http = target
    response = http.post(
        f"{emulator.base_url}/rpc/6.0/",
        data=raw,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()["error"]["code"] == -32700
