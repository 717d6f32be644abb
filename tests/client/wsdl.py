"""A test WSDL, rpc/encoded like 2Checkout's PHP server, with its own part names.

Its part names (``a1``, ``a2``, ...) differ from the documentation's on purpose: the SOAP
backend must call operations positionally, so any WSDL that keeps the order works.
Its service address is deliberately wrong: the backend must force the endpoint.
"""

from __future__ import annotations

NS = "urn:tests:twocheckout"

OPERATIONS: dict[str, tuple[list[str], str]] = {
    "login": (["string", "string", "string", "string"], "xsd:string"),
    "getSingleSignOn": (["string", "string", "string", "int", "string", "string"], "xsd:string"),
    "getSingleSignOnByCustomer": (
        ["string", "string", "string", "string", "string", "int", "string", "string"],
        "xsd:string",
    ),
    "getSingleSignOnInCart": (
        ["string", "string", "string", "string", "int", "string"],
        "xsd:string",
    ),
    "getCustomerInformationBySSOToken": (["string", "string"], "tns:Customer"),
    "setPartner": (["string", "string"], "xsd:boolean"),
    "getPartnerSingleSignOn": (
        ["string", "string", "string", "string", "int", "string"],
        "xsd:string",
    ),
}

CUSTOMER_FIELDS = [
    "CustomerReference",
    "ExternalCustomerReference",
    "FirstName",
    "LastName",
    "Email",
    "CountryCode",
]


def build_wsdl() -> str:
    """The WSDL document as text."""
    enc = 'use="encoded" encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"'
    fields = "".join(
        f'<xsd:element name="{name}" type="xsd:string" minOccurs="0" nillable="true"/>'
        for name in CUSTOMER_FIELDS
    )
    messages, port_ops, binding_ops = [], [], []
    for op, (types, result) in OPERATIONS.items():
        parts = "".join(f'<part name="a{i}" type="xsd:{kind}"/>' for i, kind in enumerate(types, 1))
        messages.append(f'<message name="{op}In">{parts}</message>')
        messages.append(f'<message name="{op}Out"><part name="r" type="{result}"/></message>')
        port_ops.append(
            f'<operation name="{op}"><input message="tns:{op}In"/>'
            f'<output message="tns:{op}Out"/></operation>'
        )
        body = f'<soap:body {enc} namespace="{NS}"/>'
        binding_ops.append(
            f'<operation name="{op}"><soap:operation soapAction="{NS}#{op}"/>'
            f"<input>{body}</input><output>{body}</output></operation>"
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="{NS}" targetNamespace="{NS}" name="TestApi">
  <types><xsd:schema targetNamespace="{NS}">
    <xsd:complexType name="Customer"><xsd:sequence>{fields}</xsd:sequence></xsd:complexType>
  </xsd:schema></types>
  {"".join(messages)}
  <portType name="TestPortType">{"".join(port_ops)}</portType>
  <binding name="TestBinding" type="tns:TestPortType">
    <soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>
    {"".join(binding_ops)}
  </binding>
  <service name="TestService"><port name="TestPort" binding="tns:TestBinding">
    <soap:address location="https://wrong-address.example.invalid/soap"/>
  </port></service>
</definitions>
"""


def soap_response(operation: str, inner: str) -> str:
    """An rpc response envelope whose result part holds ``inner`` (already XML-escaped)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:ns1="{NS}"><SOAP-ENV:Body><ns1:{operation}Response>'
        f"<r>{inner}</r></ns1:{operation}Response></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )


def soap_fault(code: str, message: str) -> str:
    """A SOAP 1.1 fault envelope as PHP's SoapFault sends it."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>{code}</faultcode>"
        f"<faultstring>{message}</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body>"
        "</SOAP-ENV:Envelope>"
    )
