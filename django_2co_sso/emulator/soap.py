"""SOAP 1.1 (rpc style) at ``/soap/6.0/``: the WSDL, request decoding, answers and faults.

Requests are decoded BY POSITION: the first element inside ``Body`` names the operation (any
namespace), its child elements are the parameters in order; an element with ``xsi:nil="true"``
(any prefix) or a missing trailing one is null, an empty one is ``""``, integers arrive as text.
Answers are rpc/encoded like PHP's ``SoapServer``: ``<ns1:{op}Response><return
xsi:type="...">``. Errors are SOAP 1.1 faults with HTTP 500 and an unqualified
``<faultcode>`` holding the 2Checkout code (as PHP's ``SoapFault`` sends it); a request that is
not a SOAP call gets faultcode ``SOAP-ENV:Client``.
"""

from __future__ import annotations

import threading
from importlib import resources
from typing import Any, Final
from xml.sax.saxutils import escape

from lxml import etree

from . import reference_wsdl
from .errors import ApiError
from .gate import CallGate
from .messages import Request, Response, text_response
from .methods import METHODS, Scalar, invoke
from .service import PRODUCT_FIELDS, SUBSCRIPTION_FIELDS, Service

#: Target namespace of the emulator's WSDL (the real one is unconfirmed).
NAMESPACE: Final = "urn:order"
#: Where the WSDL template lives in the package; ``{{LOCATION}}`` is replaced at serve time.
WSDL_RESOURCE: Final = "wsdl/api-6.0.wsdl"
CONTENT_TYPE: Final = "text/xml; charset=utf-8"

_XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
_ENVELOPE_OPEN: Final = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
    f'xmlns:ns1="{NAMESPACE}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    f'xmlns:xsi="{_XSI}" '
    'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
    'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">'
    "<SOAP-ENV:Body>"
)
_ENVELOPE_CLOSE: Final = "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
#: Order of the Customer complex type's fields.
CUSTOMER_FIELDS: Final = (
    "CustomerReference",
    "ExternalCustomerReference",
    "FirstName",
    "LastName",
    "Company",
    "Email",
    "Address1",
    "City",
    "CountryCode",
    "Language",
    "Enabled",
    "Trial",
)

_local = threading.local()


class SoapRequestError(Exception):
    """The body is not a usable SOAP call (answered with faultcode ``SOAP-ENV:Client``)."""


def _parser() -> Any:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        _local.parser = parser
    return parser


def _local_name(element: Any) -> str:
    return str(etree.QName(element).localname)


def _is_nil(element: Any) -> bool:
    for name, value in element.attrib.items():
        if etree.QName(name).localname == "nil" and value.strip() in ("true", "1"):
            return True
    return False


def decode_call(body: bytes) -> tuple[str, list[Scalar]]:
    """Return the operation name and its positional parameters from a SOAP envelope.

    Raises :class:`SoapRequestError` when the body is not a SOAP rpc call.
    """
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError:
        raise SoapRequestError("Bad Request: the body is not XML.") from None
    if root.getroottree().docinfo.doctype:
        raise SoapRequestError("Bad Request: DTDs are not allowed.")
    if _local_name(root) != "Envelope":
        raise SoapRequestError("Bad Request: no SOAP Envelope.")
    soap_body = next((c for c in root if isinstance(c.tag, str) and _local_name(c) == "Body"), None)
    if soap_body is None:
        raise SoapRequestError("Bad Request: no SOAP Body.")
    call = next((c for c in soap_body if isinstance(c.tag, str)), None)
    if call is None:
        raise SoapRequestError("Bad Request: empty SOAP Body.")
    params: list[Scalar] = []
    for child in call:
        if not isinstance(child.tag, str):
            continue
        if _is_nil(child):
            params.append(None)
        elif any(isinstance(c.tag, str) for c in child):
            raise SoapRequestError(f"Bad Request: parameter {_local_name(child)} is not scalar.")
        else:
            params.append(child.text or "")
    return _local_name(call), params


def _scalar_xml(name: str, value: object) -> str:
    if value is None:
        return f'<{name} xsi:nil="true"/>'
    if isinstance(value, bool):
        return f'<{name} xsi:type="xsd:boolean">{"true" if value else "false"}</{name}>'
    if isinstance(value, int):
        return f'<{name} xsi:type="xsd:int">{value}</{name}>'
    return f'<{name} xsi:type="xsd:string">{escape(str(value))}</{name}>'


def _struct_xml(name: str, type_name: str, fields: tuple[str, ...], data: dict[str, Any]) -> str:
    parts = []
    for key in fields:
        value = data.get(key)
        if isinstance(value, dict):
            parts.append(_struct_xml(key, "SubscriptionProduct", PRODUCT_FIELDS, value))
        else:
            parts.append(_scalar_xml(key, value))
    return f'<{name} xsi:type="ns1:{type_name}">{"".join(parts)}</{name}>'


def encode_result(operation: str, result: object) -> bytes:
    """Return the SOAP envelope answering ``operation`` with ``result``: a scalar, a
    ``Customer`` (dict) or a ``SubscriptionList`` (list of dicts: ``item`` elements, with the
    ``SOAP-ENC:arrayType`` attribute PHP writes on arrays)."""
    if isinstance(result, list):
        items = "".join(
            _struct_xml("item", "Subscription", SUBSCRIPTION_FIELDS, item) for item in result
        )
        value = (
            '<return xsi:type="ns1:SubscriptionList" '
            f'SOAP-ENC:arrayType="ns1:Subscription[{len(result)}]">{items}</return>'
        )
    elif isinstance(result, dict):
        value = _struct_xml("return", "Customer", CUSTOMER_FIELDS, result)
    else:
        value = _scalar_xml("return", result)
    body = f"<ns1:{operation}Response>{value}</ns1:{operation}Response>"
    return (_ENVELOPE_OPEN + body + _ENVELOPE_CLOSE).encode("utf-8")


def fault_response(code: str, message: str) -> Response:
    """A SOAP 1.1 fault (HTTP 500) with an unqualified ``faultcode``."""
    body = (
        f"<SOAP-ENV:Fault><faultcode>{escape(code)}</faultcode>"
        f"<faultstring>{escape(message)}</faultstring></SOAP-ENV:Fault>"
    )
    return Response(500, (_ENVELOPE_OPEN + body + _ENVELOPE_CLOSE).encode("utf-8"), CONTENT_TYPE)


def handle_post(request: Request, service: Service, gate: CallGate) -> Response:
    """Answer a SOAP call."""
    try:
        operation, params = decode_call(request.body)
    except SoapRequestError as exc:
        return fault_response("SOAP-ENV:Client", str(exc))
    method = METHODS.get(operation)
    if method is None:
        return fault_response("SOAP-ENV:Client", f"Procedure '{operation}' not present.")
    try:
        override = gate.enter(request, "soap", operation, CONTENT_TYPE)
        if override is not None:
            return override
        result = invoke(service, method, params)
    except ApiError as exc:
        return fault_response(exc.code, exc.message)
    return Response(200, encode_result(operation, result), CONTENT_TYPE)


class Wsdl:
    """The WSDL template, loaded once; :meth:`render` fills in the service location.

    ``reference`` adds the API reference's other operations as described-only stubs, so
    the document has about the size of the real one (:mod:`.reference_wsdl`).
    """

    def __init__(self, *, reference: bool = False) -> None:
        self._template = resources.files(__package__).joinpath(WSDL_RESOURCE).read_text("utf-8")
        if reference:
            self._template = reference_wsdl.expand(self._template)

    def render(self, base_url: str) -> bytes:
        """The WSDL with ``soap:address location`` = ``{base_url}/soap/6.0/``."""
        location = escape(f"{base_url}/soap/6.0/", {'"': "&quot;"})
        return self._template.replace("{{LOCATION}}", location).encode("utf-8")


def wants_wsdl(query_string: str) -> bool:
    """Whether a GET asks for the WSDL (``?wsdl``, ``?WSDL``, ``?wsdl=...``)."""
    return any(part.split("=", 1)[0].lower() == "wsdl" for part in query_string.split("&"))


def handle_get(request: Request, wsdl: Wsdl, base_url: str) -> Response:
    """Serve the WSDL for ``?wsdl``; anything else is a 400."""
    if not wants_wsdl(request.query_string):
        return text_response("POST a SOAP envelope here, or GET ?wsdl for the WSDL.", 400)
    request.protocol, request.operation = "soap", "wsdl"
    return Response(200, wsdl.render(base_url), CONTENT_TYPE)
