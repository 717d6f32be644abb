"""getCustomerSubscriptions on SOAP (zeep and raw XML) and JSON-RPC, and its REST twin
``GET /rest/6.0/subscriptions/``, answered from the emulator's state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import zeep
from lxml import etree
from zeep import xsd

from django_2co_sso.emulator import Emulator
from tests.emulator.wire import MERCHANT, Wire, login_hash, soap_envelope, utc_date

#: Ada's subscriptions in the packaged seed, as the API object the emulator documents.
ADA_PRO = {
    "SubscriptionReference": "4E2A1B9C70",
    "AvangateCustomerReference": "352365983",
    "ExternalCustomerReference": "shop-customer-1",
    "StartDate": "2025-03-01",
    "ExpirationDate": "2026-03-01",
    "SubscriptionEnabled": True,
    "RecurringEnabled": True,
    "Status": "ACTIVE",
    "ProductCode": "PRO-YEARLY",
    "ProductName": "Pro plan (yearly)",
    "ProductQuantity": 1,
    "TestSubscription": False,
    "Lifetime": False,
    "Product": {
        "ProductCode": "PRO-YEARLY",
        "ProductName": "Pro plan (yearly)",
        "ProductQuantity": 1,
    },
}


def _zeep_login(client: zeep.Client) -> str:
    date = utc_date()
    return str(client.service.login(MERCHANT, date, login_hash(MERCHANT, date), "sha256"))


@pytest.fixture
def client(emu: Emulator) -> Iterator[zeep.Client]:
    client = zeep.Client(f"{emu.base_url}/soap/6.0/?wsdl")
    yield client
    client.transport.session.close()  # no keep-alive connection left for later tests


def test_soap_through_zeep(client: zeep.Client) -> None:
    sid = _zeep_login(client)
    subscriptions = client.service.getCustomerSubscriptions(sid, "352365983", xsd.Nil)
    assert [s.SubscriptionReference for s in subscriptions] == ["4E2A1B9C70", "7F3C2D1E60"]
    first = subscriptions[0]
    assert first.Status == "ACTIVE"
    assert first.SubscriptionEnabled is True
    assert first.RecurringEnabled is True
    assert first.ExpirationDate == "2026-03-01"
    assert first.ProductQuantity == 1
    assert first.Product.ProductCode == "PRO-YEARLY"
    assert subscriptions[1].Status == "EXPIRED"
    assert subscriptions[1].RecurringEnabled is False
    by_external = client.service.getCustomerSubscriptions(sid, xsd.Nil, "shop-customer-2")
    assert [s.SubscriptionReference for s in by_external] == ["9B8C7D6E50"]
    with pytest.raises(zeep.exceptions.Fault) as mismatch:
        client.service.getCustomerSubscriptions(sid, "352365983", "shop-customer-2")
    assert mismatch.value.code == "CUSTOMER_NOT_FOUND"


def test_soap_answer_is_an_encoded_array(wire: Wire) -> None:
    sid = wire.login_soap()
    response = wire.soap_raw(soap_envelope("getCustomerSubscriptions", [sid, "352365985"]))
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    ret = root.find(".//return")
    assert ret is not None
    enc = "{http://schemas.xmlsoap.org/soap/encoding/}"
    assert ret.get(f"{enc}arrayType") == "ns1:Subscription[1]"
    (item,) = list(ret)
    assert item.findtext("SubscriptionReference") == "1A2B3C4D5E"
    assert item.findtext("Status") == "TRIAL"
    assert (
        item.find("ExternalCustomerReference").get(  # type: ignore[union-attr]
            "{http://www.w3.org/2001/XMLSchema-instance}nil"
        )
        == "true"
    )
    assert item.findtext("Product/ProductCode") == "PRO-TRIAL"


def test_soap_customer_without_subscriptions_is_an_empty_array(emu: Emulator, wire: Wire) -> None:
    emu.add_customer({"CustomerReference": "777", "Email": "new@example.com"})
    sid = wire.login_soap()
    response = wire.soap_raw(soap_envelope("getCustomerSubscriptions", [sid, "777", None]))
    ret = etree.fromstring(response.content).find(".//return")
    assert ret is not None
    assert len(ret) == 0


def test_jsonrpc_positional(wire: Wire) -> None:
    sid = wire.login_rpc()
    result = wire.rpc("getCustomerSubscriptions", sid, 352365983)["result"]
    assert result[0] == ADA_PRO
    assert [s["SubscriptionReference"] for s in result] == ["4E2A1B9C70", "7F3C2D1E60"]
    both = wire.rpc("getCustomerSubscriptions", sid, "352365983", "shop-customer-1")["result"]
    assert both == result
    external_only = wire.rpc("getCustomerSubscriptions", sid, None, "shop-customer-1")["result"]
    assert external_only == result


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ([None, None], "CUSTOMER_NOT_FOUND"),
        (["999", None], "CUSTOMER_NOT_FOUND"),
        ([None, "nobody"], "CUSTOMER_NOT_FOUND"),
        (["352365983", "shop-customer-2"], "CUSTOMER_NOT_FOUND"),
    ],
)
def test_jsonrpc_errors(wire: Wire, params: list[Any], code: str) -> None:
    sid = wire.login_rpc()
    error = wire.rpc("getCustomerSubscriptions", sid, *params)["error"]
    assert error["data"]["error_code"] == code
    assert error["code"] == 10404


def test_jsonrpc_needs_a_live_session(wire: Wire) -> None:
    error = wire.rpc("getCustomerSubscriptions", "f" * 32, "352365983")["error"]
    assert error["data"]["error_code"] == "SESSION_EXPIRED"
    too_few = wire.rpc("getCustomerSubscriptions", "f" * 32)["error"]
    assert too_few["code"] == -32602


def test_answers_follow_state_changes(emu: Emulator, wire: Wire) -> None:
    emu.data.update_subscription("4E2A1B9C70", status="DISABLED", enabled=False)
    sid = wire.login_rpc()
    result = wire.rpc("getCustomerSubscriptions", sid, "352365983")["result"]
    assert (result[0]["Status"], result[0]["SubscriptionEnabled"]) == ("DISABLED", False)


@pytest.mark.parametrize(
    "query",
    [{"AvangateCustomerReference": "352365983"}, {"ExternalCustomerReference": "shop-customer-1"}],
)
def test_rest_search_by_either_reference(wire: Wire, query: dict[str, str]) -> None:
    response = wire.rest("subscriptions/", query)
    assert response.status_code == 200
    body = response.json()
    assert body["Pagination"] == {"Page": 1, "Limit": 10, "Count": 2}
    assert body["Items"][0] == ADA_PRO
    assert [s["SubscriptionReference"] for s in body["Items"]] == ["4E2A1B9C70", "7F3C2D1E60"]


def test_rest_paging(wire: Wire) -> None:
    query = {"AvangateCustomerReference": "352365983", "Limit": "1"}
    first = wire.rest("subscriptions", {**query, "Page": "1"}).json()
    second = wire.rest("subscriptions", {**query, "Page": "2"}).json()
    third = wire.rest("subscriptions", {**query, "Page": "3"}).json()
    assert [s["SubscriptionReference"] for s in first["Items"]] == ["4E2A1B9C70"]
    assert [s["SubscriptionReference"] for s in second["Items"]] == ["7F3C2D1E60"]
    assert third["Items"] == []
    assert second["Pagination"] == {"Page": 2, "Limit": 1, "Count": 2}


def test_rest_without_reference_lists_the_account(wire: Wire) -> None:
    body = wire.rest("subscriptions/", {"Limit": "200"}).json()
    assert body["Pagination"]["Count"] == 4
    assert len(body["Items"]) == 4


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"Limit": "0"}, 400, "INVALID_PARAMS"),
        ({"Limit": "201"}, 400, "INVALID_PARAMS"),
        ({"Page": "first"}, 400, "INVALID_PARAMS"),
        ({"AvangateCustomerReference": "999"}, 404, "CUSTOMER_NOT_FOUND"),
        (
            {
                "AvangateCustomerReference": "352365983",
                "ExternalCustomerReference": "shop-customer-2",
            },
            404,
            "CUSTOMER_NOT_FOUND",
        ),
    ],
)
def test_rest_errors(wire: Wire, query: dict[str, str], status: int, code: str) -> None:
    response = wire.rest("subscriptions/", query)
    assert response.status_code == status
    assert response.json()["error_code"] == code


def test_rest_needs_authentication_and_counts_the_operation(emu: Emulator, wire: Wire) -> None:
    response = wire.rest("subscriptions/", {"AvangateCustomerReference": "352365983"}, auth=None)
    assert response.status_code == 401
    assert emu.calls.count("getCustomerSubscriptions", protocol="rest") == 1
