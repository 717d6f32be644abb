"""An operation added to the table, and nothing else, is called over every protocol.

The tests add made-up operations to :data:`django_2co_sso.backends.operations.OPERATIONS`
and teach the emulator to answer them through its own dispatch tables (``methods.METHODS``
for SOAP and JSON-RPC, ``rest.route`` for REST; SOAP also gets a WSDL with the operation),
then call them with ``get_backend().call``. No backend or transport code is touched.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from django_2co_sso import get_backend
from django_2co_sso.backends import operations
from django_2co_sso.backends import rest as rest_backend
from django_2co_sso.backends.operations import (
    Answer,
    Blank,
    Operation,
    Param,
    RestRoute,
    Validated,
    language,
    reference,
    rule,
)
from django_2co_sso.emulator import methods as emulator_methods
from django_2co_sso.emulator import rest as emulator_rest
from django_2co_sso.exceptions import DisallowedRedirectError, InvalidReferenceError
from tests.contract.conftest import Api

pytestmark = pytest.mark.emulator


@dataclasses.dataclass(frozen=True)
class GreetingLink(Validated):
    """The request of the made-up operation: a reference and an optional language."""

    customer_reference: str = rule(reference)
    language: str | None = rule(language)


GREETING = Operation(
    "getTestGreetingLink",
    GreetingLink,
    wire=("customer_reference", Param("language", Blank.OMIT)),
    rest=RestRoute("greetings/{customer_reference}/link/", query={"Lang": "language"}),
    answer=Answer.URL,
)


@dataclasses.dataclass(frozen=True)
class ItemList(Validated):
    """The request of a made-up list operation."""

    customer_reference: str = rule(reference)


ITEMS = Operation(
    "getTestItems",
    ItemList,
    wire=("customer_reference",),
    rest=RestRoute("items/", query={"ExternalCustomerReference": "customer_reference"}, paged=True),
    answer=Answer.OBJECTS,
)

ALL_ITEMS = [{"Code": f"ITEM-{n}", "Number": n} for n in range(5)]


def _soap_wsdl(emulator: Any, tmp_path: Path) -> str:
    """The emulator's WSDL with getTestGreetingLink added, as a local file."""
    text = requests.get(f"{emulator.base_url}/soap/6.0/?wsdl", timeout=5).text
    body = (
        'use="encoded" namespace="urn:order" '
        'encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"'
    )
    messages = (
        '<message name="getTestGreetingLinkRequest">'
        '<part name="sessionID" type="xsd:string"/>'
        '<part name="customerReference" type="xsd:string"/>'
        '<part name="languageCode" type="xsd:string"/></message>'
        '<message name="getTestGreetingLinkResponse">'
        '<part name="return" type="xsd:string"/></message>'
    )
    port_operation = (
        '<operation name="getTestGreetingLink">'
        '<input message="tns:getTestGreetingLinkRequest"/>'
        '<output message="tns:getTestGreetingLinkResponse"/></operation>'
    )
    binding_operation = (
        '<operation name="getTestGreetingLink">'
        '<soap:operation soapAction="urn:order#getTestGreetingLink" style="rpc"/>'
        f"<input><soap:body {body}/></input><output><soap:body {body}/></output></operation>"
    )
    text = text.replace("<portType", messages + "<portType", 1)
    text = text.replace("</portType>", port_operation + "</portType>", 1)
    text = text.replace("</binding>", binding_operation + "</binding>", 1)
    path = tmp_path / "with-greeting.wsdl"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def emulator_knows_the_operations(api: Api, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The emulator answers both made-up operations; returns the REST paths it served."""
    base_url = api.emulator.base_url

    def greeting(service: Any, values: list[Any]) -> object:
        service.session(values[0])
        return f"{base_url}/myaccount/greeting/?ref={values[1]}&lang={values[2] or '-'}"

    def items(service: Any, values: list[Any]) -> object:
        service.session(values[0])
        return [{**item, "Customer": values[1]} for item in ALL_ITEMS]

    for name, params, handler in (
        ("getTestGreetingLink", ("sessionID", "customerReference", "languageCode"), greeting),
        ("getTestItems", ("sessionID", "customerReference"), items),
    ):
        method = emulator_methods.Method(name, params, 2, "string")
        monkeypatch.setitem(emulator_methods.METHODS, name, method)
        monkeypatch.setitem(emulator_methods._HANDLERS, name, handler)

    original_route = emulator_rest.route
    served: list[str] = []

    def route(path: str) -> Any:
        parts = path[len(emulator_rest.PREFIX) :].strip("/").split("/")
        if parts[0] == "greetings":
            served.append(path)

            def link(service: Any, request: Any) -> object:
                language = request.query_value("Lang") or "-"
                return f"{base_url}/myaccount/greeting/?ref={parts[1]}&lang={language}"

            return "getTestGreetingLink", link
        if parts[0] == "items":

            def page(service: Any, request: Any) -> object:
                number, limit = int(request.query_value("Page")), int(request.query_value("Limit"))
                served.append(f"{path} page {number}")
                customer = request.query_value("ExternalCustomerReference")
                chunk = ALL_ITEMS[(number - 1) * limit : number * limit]
                return {
                    "Items": [{**item, "Customer": customer} for item in chunk],
                    "Pagination": {"Page": number, "Limit": limit, "Count": len(ALL_ITEMS)},
                }

            return "getTestItems", page
        return original_route(path)

    monkeypatch.setattr(emulator_rest, "route", route)
    monkeypatch.setitem(operations.OPERATIONS, GREETING.name, GREETING)
    monkeypatch.setitem(operations.OPERATIONS, ITEMS.name, ITEMS)
    return served


def test_a_new_operation_is_one_table_entry(
    api: Api, emulator_knows_the_operations: list[str], tmp_path: Path
) -> None:
    extra = {"WSDL": _soap_wsdl(api.emulator, tmp_path)} if api.protocol == "soap" else {}
    with api.settings(**extra):
        url = get_backend().call("getTestGreetingLink", customer_reference="C-7", language="de")
        home = get_backend().call("getTestGreetingLink", customer_reference="C-8")
    assert parse_qs(urlsplit(url).query) == {"ref": ["C-7"], "lang": ["de"]}
    assert parse_qs(urlsplit(home).query) == {"ref": ["C-8"], "lang": ["-"]}
    assert api.emulator.calls.count("getTestGreetingLink") == 2
    if api.protocol == "rest":
        assert emulator_knows_the_operations == [
            "/rest/6.0/greetings/C-7/link/",
            "/rest/6.0/greetings/C-8/link/",
        ]


def test_a_new_operation_goes_through_the_pipeline(
    api: Api, emulator_knows_the_operations: list[str], tmp_path: Path
) -> None:
    """Validated before any call, and its URL checked against ALLOWED_SSO_HOSTS."""
    extra = {"WSDL": _soap_wsdl(api.emulator, tmp_path)} if api.protocol == "soap" else {}
    with api.settings(**extra):
        with pytest.raises(InvalidReferenceError):
            get_backend().call("getTestGreetingLink", customer_reference="not valid!")
        assert api.emulator.calls.count("getTestGreetingLink") == 0
    with (
        api.settings(**extra, ALLOWED_SSO_HOSTS=[".2checkout.com"]),
        pytest.raises(DisallowedRedirectError),
    ):
        get_backend().call("getTestGreetingLink", customer_reference="C-7")


@pytest.mark.parametrize(("page_size", "pages"), [(2, 3), (5, 1)])
@pytest.mark.parametrize("api", ["rpc", "rest"], indirect=True)
def test_a_new_list_operation_joins_rest_pages(
    api: Api,
    emulator_knows_the_operations: list[str],
    monkeypatch: pytest.MonkeyPatch,
    page_size: int,
    pages: int,
) -> None:
    """REST reads pages until a short one, or until Pagination.Count items (5 here)."""
    monkeypatch.setattr(rest_backend, "PAGE_SIZE", page_size)
    items = get_backend().call("getTestItems", customer_reference="shop-customer-1")
    assert items == [{**item, "Customer": "shop-customer-1"} for item in ALL_ITEMS]
    if api.protocol == "rest":
        assert emulator_knows_the_operations == [
            f"/rest/6.0/items/ page {number}" for number in range(1, pages + 1)
        ]
