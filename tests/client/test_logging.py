"""One log line per upstream call, and no secret in any log, even at DEBUG."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from django_2co_sso import get_backend
from django_2co_sso.exceptions import APIError
from tests.client.conftest import SECRET, RpcServer, SoapServer

URL = "https://secure.2checkout.com/myaccount/?logintoken=" + "a" * 40
LINE = re.compile(r"protocol=(\w+) method=(\w+) outcome=(\S+) duration_ms=\d+\.\d")


def test_one_info_line_per_upstream_call(rpc_server: RpcServer, caplog: Any) -> None:
    rpc_server.returns("getSingleSignOn", URL)
    with caplog.at_level(logging.INFO, logger="django_2co_sso"):
        get_backend().subscription_sso_url("SUB1")
        get_backend().subscription_sso_url("SUB1")
    lines = [LINE.search(r.getMessage()) for r in caplog.records if r.name == "django_2co_sso"]
    assert [m.groups() for m in lines if m] == [
        ("rpc", "login", "ok"),
        ("rpc", "getSingleSignOn", "ok"),
        ("rpc", "getSingleSignOn", "ok"),
    ]


def test_failure_outcome_is_the_error_code(rpc_server: RpcServer, caplog: Any) -> None:
    rpc_server.fails("getSingleSignOn", 1, "nope", "SUBSCRIPTION_NOT_FOUND")
    with caplog.at_level(logging.INFO, logger="django_2co_sso"), pytest.raises(APIError):
        get_backend().subscription_sso_url("SUB1")
    outcomes = [m.group(3) for r in caplog.records if (m := LINE.search(r.getMessage()))]
    assert outcomes == ["ok", "SUBSCRIPTION_NOT_FOUND"]


def test_soap_debug_logging_everywhere_leaks_nothing(soap_server: SoapServer, caplog: Any) -> None:
    """Every logger at DEBUG, zeep.transports included: no secret, hash, session or URL."""
    soap_server.handlers["login"] = lambda params: __import__(
        "tests.client.wsdl", fromlist=["x"]
    ).soap_response("login", "SESSION-SECRET-123")
    soap_server.returns("getSingleSignOn", URL)
    with caplog.at_level(logging.DEBUG):
        for name in ("zeep", "zeep.transports", "urllib3", "django_2co_sso"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        try:
            get_backend().subscription_sso_url("SUB1", validation_ip="203.0.113.9")
        finally:
            for name in ("zeep", "zeep.transports", "urllib3", "django_2co_sso"):
                logging.getLogger(name).setLevel(logging.NOTSET)
    _, (_, _date, digest, _) = soap_server.calls[0]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "SOAP request getSingleSignOn" in text  # the masked copy is there
    for secret in (SECRET, digest, "SESSION-SECRET-123", "a" * 40, URL):
        assert secret not in text


def test_rpc_debug_logging_leaks_nothing(rpc_server: RpcServer, caplog: Any) -> None:
    rpc_server.returns("getSingleSignOn", URL)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("urllib3").setLevel(logging.DEBUG)
        get_backend().subscription_sso_url("SUB1")
        logging.getLogger("urllib3").setLevel(logging.NOTSET)
    digest = rpc_server.calls[0]["params"][2]
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (SECRET, digest, "SESSION-1", "a" * 40):
        assert secret not in text


def test_urllib3_debug_lines_have_tokens_masked(requests_mock: Any, caplog: Any) -> None:
    """urllib3 logs request URLs at DEBUG; REST puts the SSO token in the query."""
    from django_2co_sso.redaction import RedactingFilter

    token = "8b74ac97f8277654563c44da6915b054ba0d21be"
    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.DEBUG,
        __file__,
        1,
        '%s://%s:%s "%s %s %s" %s %s',
        (
            "https",
            "api.2checkout.com",
            443,
            "GET",
            f"/rest/6.0/customers/?ssotoken={token}",
            "HTTP/1.1",
            200,
            10,
        ),
        None,
    )
    from tests.client.conftest import use

    with use("rest"):
        get_backend()  # building a backend installs the filter
    urllib3_logger = logging.getLogger("urllib3.connectionpool")
    assert any(isinstance(f, RedactingFilter) for f in urllib3_logger.filters)
    assert urllib3_logger.filter(record)
    assert token not in record.getMessage()
    assert "ssotoken=[redacted]" in record.getMessage()


def test_masked_soap_envelope_masks_mixed_content_tails_and_attributes() -> None:
    """Text between child elements (mixed content), after them, and in attributes is masked;
    xsi:type / xsi:nil stay readable."""
    from lxml import etree

    from django_2co_sso.backends.soap import _masked

    envelope = etree.fromstring(
        '<Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<login token="SESSION-SECRET-ATTR">HASH-BEFORE<merchant xsi:type="xsd:string">'
        'MERCHANT-LEAF</merchant>HASH-TAIL<algo xsi:nil="true"/></login></Envelope>'
    )
    text = _masked(envelope)
    for secret in ("SESSION-SECRET-ATTR", "HASH-BEFORE", "MERCHANT-LEAF", "HASH-TAIL"):
        assert secret not in text
    assert 'xsi:type="xsd:string"' in text
    assert 'xsi:nil="true"' in text
