"""The operation table's own rules: arguments, wire order, misdeclared entries."""

from __future__ import annotations

import pytest

from django_2co_sso import get_backend
from django_2co_sso.backends import locmem
from django_2co_sso.backends.operations import (
    CUSTOMER_SSO,
    Answer,
    Blank,
    CustomerSSO,
    Operation,
    Param,
)


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
