"""The operation table's own rules: arguments, wire order, misdeclared entries."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from django_2co_sso import get_backend
from django_2co_sso.backends import locmem, operations, rest
from django_2co_sso.backends.operations import (
    CUSTOMER_SSO,
    Answer,
    Blank,
    CustomerSSO,
    Operation,
    Param,
    RestRoute,
    Validated,
    reference,
    rule,
)
from django_2co_sso.backends.rest import RestBackend
from django_2co_sso.exceptions import BadResponseError, DisallowedRedirectError
from tests.client.conftest import REST_URL, RpcServer, use


def test_an_argument_the_request_has_no_field_for_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="no argument bogus"):
        get_backend().call("getSingleSignOn", subscription_reference="SUB1", bogus=1)
    assert locmem.outbox == []


def test_a_derived_field_is_not_an_argument() -> None:
    with pytest.raises(TypeError, match="customer_type"):
        get_backend().call("getSingleSignOnByCustomer", customer_reference="C1", customer_type="X")


def test_defaults_apply_only_to_arguments_left_out() -> None:
    request = CustomerSSO.validated(get_backend(), customer_reference="C1")
    assert request.reference_type == "external"
    assert request.customer_type == "ExternalCustomerReference"


def test_wire_order_with_null_and_omitted_values() -> None:
    request = CustomerSSO.validated(get_backend(), customer_reference="C1", page="faq")
    assert CUSTOMER_SSO.positional(request, "SID") == [
        "SID",
        "C1",
        "ExternalCustomerReference",
        "faq",
        None,  # request: none without my_subscription
        get_backend().config.default_validity_time,
        None,  # no validation IP: null
    ]  # no language: the trailing languageCode is left out


def test_only_trailing_parameters_may_be_left_out() -> None:
    with pytest.raises(ValueError, match="only trailing"):
        Operation(
            "broken",
            CustomerSSO,
            wire=(Param("language", Blank.OMIT), "customer_reference"),
            rest=None,
            answer=Answer.ANY,
        )


def test_login_is_not_called_directly() -> None:
    with pytest.raises(TypeError, match="login is not called directly"):
        get_backend().call("login")
    assert locmem.outbox == []


# -- answers and transports, with made-up operations --------------------------------------


@dataclasses.dataclass(frozen=True)
class Lookup(Validated):
    """A made-up request: one reference."""

    customer_reference: str = rule(reference)


def _made_up(name: str, answer: Answer, rest: RestRoute | None = None) -> Operation:
    return Operation(name, Lookup, wire=("customer_reference",), rest=rest, answer=answer)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(Answer.OBJECT, {}), (Answer.OBJECTS, []), (Answer.ANY, True)],
)
def test_locmem_answers_a_new_operation_by_its_kind(
    monkeypatch: pytest.MonkeyPatch, answer: Answer, expected: object
) -> None:
    monkeypatch.setitem(operations.OPERATIONS, "getMadeUp", _made_up("getMadeUp", answer))
    assert get_backend().call("getMadeUp", customer_reference="C1") == expected
    [sent] = locmem.outbox
    assert (sent.method, sent.request) == ("getMadeUp", Lookup("C1"))


def test_locmem_answers_a_new_url_operation_on_its_fake_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(operations.OPERATIONS, "getMadeUp", _made_up("getMadeUp", Answer.URL))
    url = get_backend().call("getMadeUp", customer_reference="C1")
    assert url.startswith("https://secure.2checkout.com/getMadeUp/?logintoken=")


def test_login_without_a_session_id_is_a_bad_response(rpc_server: RpcServer) -> None:
    rpc_server.returns("login", "")
    with pytest.raises(BadResponseError, match="without a sessionID"):
        get_backend().subscription_sso_url("SUB1")


def test_an_object_answer_that_is_not_one_is_a_bad_response(rpc_server: RpcServer) -> None:
    rpc_server.returns("getCustomerInformationBySSOToken", "not an object")
    with pytest.raises(BadResponseError, match="without an object"):
        get_backend().customer_by_sso_token("a" * 40)


def test_an_unreadable_url_is_refused_without_a_host(rpc_server: RpcServer) -> None:
    rpc_server.returns("getSingleSignOn", "https://[::1/myaccount/")
    with pytest.raises(DisallowedRedirectError) as caught:
        get_backend().subscription_sso_url("SUB1")
    assert caught.value.host == ""


class RestOnly(RestBackend):
    """REST without the JSON-RPC fallback: operations without a REST route cannot go."""

    fallback_transport_class = None


def test_rest_without_a_route_or_fallback_refuses_the_operation(requests_mock: Any) -> None:
    with (
        use("rest", BACKEND=f"{__name__}.RestOnly"),
        pytest.raises(BadResponseError, match="REST has no setPartner request"),
    ):
        get_backend().partner_sso_url(
            "P1", email="r@example.com", access_page="https://secure.2checkout.com/cpanel/"
        )
    assert requests_mock.call_count == 0


PAGED = _made_up("getMadeUpList", Answer.OBJECTS, RestRoute("things/", paged=True))


def test_rest_pages_that_are_not_lists_are_bad_responses(
    requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(operations.OPERATIONS, PAGED.name, PAGED)
    requests_mock.get(f"{REST_URL}things/", json={"Items": "not a list"})
    with use("rest"), pytest.raises(BadResponseError, match="without a list of items"):
        get_backend().call(PAGED.name, customer_reference="C1")


def test_rest_paging_is_bounded(requests_mock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(operations.OPERATIONS, PAGED.name, PAGED)
    monkeypatch.setattr(rest, "PAGE_SIZE", 1)
    monkeypatch.setattr(rest, "MAX_PAGES", 3)
    requests_mock.get(f"{REST_URL}things/", json=[{"Code": "same page again"}])
    with use("rest"), pytest.raises(BadResponseError, match="more than 3 pages"):
        get_backend().call(PAGED.name, customer_reference="C1")
    assert requests_mock.call_count == 3


def test_operations_show_their_name() -> None:
    assert repr(operations.CUSTOMER_SSO) == "<Operation getSingleSignOnByCustomer>"
