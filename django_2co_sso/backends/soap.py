"""The SOAP backend (the default), built on zeep.

* One zeep client per process and WSDL: the WSDL is downloaded and parsed once, on the
  first call (never at import or in ``get_backend``), and kept; ``WSDL_CACHE_PATH``
  adds zeep's SQLite cache so new processes skip the download.
* The endpoint address is forced to ``{API_URL}/soap/6.0/`` whatever the WSDL says.
* Every call has the configured ``(CONNECT_TIMEOUT, TIMEOUT)``; zeep's own default is none.
* Operations are called positionally in the documented order, so any WSDL that keeps
  that order works; absent optional values go as ``xsd:nil``.
* zeep's transport logger prints whole envelopes (hash, sessionID, URLs) at DEBUG; this
  backend's transport does not log them. A masked copy goes to the ``django_2co_sso.soap``
  logger at DEBUG instead.
"""

from __future__ import annotations

import copy
import logging
import threading
from typing import Any

import requests
from lxml import etree
from zeep import Client, Plugin, Settings, xsd
from zeep.cache import SqliteCache
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault
from zeep.exceptions import TransportError as ZeepTransportError
from zeep.exceptions import ValidationError as ZeepValidationError
from zeep.helpers import serialize_object
from zeep.transports import Transport as ZeepTransport

from ..conf import SSOConfig
from ..exceptions import BadResponseError, TwoCheckoutError
from ..redaction import MASK
from .base import BaseBackend
from .http import mapped_transport_errors, new_session, preconnect
from .operations import Operation
from .transport import Transport

wire_logger = logging.getLogger("django_2co_sso.soap")

_clients: dict[tuple[Any, ...], Client] = {}
_clients_lock = threading.Lock()


class _EnvelopeFreeTransport(ZeepTransport):
    """A zeep transport that never logs envelopes (zeep's own logs them at DEBUG).

    An HTTP error status without a SOAP envelope (a proxy's 503 page) is raised here as
    :class:`BadResponseError` with its status; zeep would lose the status on parsing.
    """

    def post(self, address: str, message: bytes, headers: dict[str, str]) -> requests.Response:
        response: requests.Response = self.session.post(
            address, data=message, headers=headers, timeout=self.operation_timeout
        )
        if response.status_code >= 400 and b"Envelope" not in response.content[:1000]:
            raise BadResponseError(
                f"2Checkout answered with HTTP {response.status_code}.",
                status=response.status_code,
            )
        return response


class _MaskedEnvelopeLogger(Plugin):
    """Logs a copy of each envelope with every parameter and result value masked."""

    def egress(
        self, envelope: Any, http_headers: dict[str, str], operation: Any, binding_options: Any
    ) -> tuple[Any, dict[str, str]]:
        if wire_logger.isEnabledFor(logging.DEBUG):
            wire_logger.debug("SOAP request %s:\n%s", operation.name, _masked(envelope))
        return envelope, http_headers

    def ingress(
        self, envelope: Any, http_headers: dict[str, str], operation: Any
    ) -> tuple[Any, dict[str, str]]:
        if wire_logger.isEnabledFor(logging.DEBUG):
            wire_logger.debug("SOAP response %s:\n%s", operation.name, _masked(envelope))
        return envelope, http_headers


#: Attributes kept as they are in the masked envelope: they describe types, never values.
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"


def _masked(envelope: Any) -> str:
    """The envelope as text, on a copy where every value is masked: the text of every
    element (mixed content included), the text after it, and every attribute value but
    ``xsi:type`` and ``xsi:nil``."""
    masked = copy.deepcopy(envelope)
    for element in masked.iter():
        if element.text and element.text.strip():
            element.text = MASK
        if element.tail and element.tail.strip():
            element.tail = MASK
        for name in element.attrib:
            if not str(name).startswith(_XSI):
                element.attrib[name] = MASK
    return str(etree.tostring(masked, encoding="unicode"))


def _zeep_client(config: SSOConfig) -> Client:
    """The process-wide zeep client for this WSDL and these timeouts (built once)."""
    key = (
        config.wsdl_location,
        config.wsdl_cache_path,
        config.timeout,
        config.connect_timeout,
        config.ca_bundle,
    )
    client = _clients.get(key)
    if client is not None:
        return client
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            # No redirect followed, and a deadline of TIMEOUT per request (WSDL included).
            session = new_session(ca_bundle=config.ca_bundle, deadline=config.timeout)
            session.headers["Accept"] = "text/xml"
            # The parsed client is kept for the process below; zeep's cache is only worth
            # having on disk, where it spares new processes the download.
            cache = (
                SqliteCache(path=config.wsdl_cache_path, timeout=86400)
                if config.wsdl_cache_path
                else None
            )
            transport = _EnvelopeFreeTransport(
                cache=cache,
                session=session,
                timeout=config.timeout,
                operation_timeout=(config.connect_timeout, config.timeout),
            )
            with mapped_transport_errors("loading the WSDL"):
                try:
                    client = Client(
                        config.wsdl_location,
                        transport=transport,
                        settings=Settings(strict=False),
                        plugins=[_MaskedEnvelopeLogger()],
                    )
                except (requests.RequestException, TwoCheckoutError):
                    raise  # mapped by the block around / already ours (a redirect)
                except Exception as error:  # anything zeep makes of a page that is no WSDL
                    raise BadResponseError(
                        f"The SOAP WSDL could not be loaded: {type(error).__name__}."
                    ) from None
            if not any(service.ports for service in client.wsdl.services.values()):
                # An XML page that parsed (a maintenance page) but is no usable WSDL.
                raise BadResponseError("The SOAP WSDL defines no service: it is not kept.")
            _clients[key] = client
    return client


def clear_clients() -> None:
    """Forget every parsed WSDL (tests; a changed WSDL)."""
    with _clients_lock:
        _clients.clear()


class SoapTransport(Transport):
    """Sends operations through zeep, positionally, to ``{API_URL}/soap/6.0/``."""

    protocol = "soap"
    uses_session = True

    def __init__(self, config: SSOConfig) -> None:
        super().__init__(config)
        self.endpoint = config.endpoint("soap")
        self._service: Any = None
        self._service_lock = threading.Lock()

    @property
    def service(self) -> Any:
        """The zeep service proxy bound to ``{API_URL}/soap/6.0/`` (WSDL loaded on first use)."""
        if self._service is None:
            with self._service_lock:
                if self._service is None:
                    client = _zeep_client(self.config)
                    bindings = [
                        port.binding
                        for service in client.wsdl.services.values()
                        for port in service.ports.values()
                    ]
                    self._service = client.create_service(bindings[0].name, self.endpoint)
        return self._service

    def warm_up(self) -> None:
        """Load and parse the WSDL (from ``WSDL_CACHE_PATH`` when set), then make sure a
        connection to the endpoint is open (the WSDL download usually left one)."""
        self.service  # noqa: B018
        session = _zeep_client(self.config).transport.session
        preconnect(session, self.endpoint, self.config.connect_timeout)

    def _arguments(self, method: str, params: list[Any]) -> list[Any]:
        """``params`` fitted to the WSDL's parts: None as nil, missing optional parts as nil.

        Trailing optional values the WSDL has no part for (``algo`` on a legacy WSDL,
        ``languageCode`` on one without it) are left out, with a debug line when set.
        """
        expected = self._part_count(method)
        arguments = [xsd.Nil if value is None else value for value in params]
        if expected is None:
            return arguments
        if len(arguments) > expected:
            if any(value is not xsd.Nil for value in arguments[expected:]):
                wire_logger.debug(
                    "The WSDL's %s takes %d parameters; the optional rest is not sent.",
                    method,
                    expected,
                )
            return arguments[:expected]
        return arguments + [xsd.Nil] * (expected - len(arguments))

    def _part_count(self, method: str) -> int | None:
        try:
            operation = self.service._binding.get(method)
            return len(operation.input.body.type.elements)
        except (AttributeError, ValueError, TypeError):
            return None

    def send(self, operation: Operation, request: Any, session_id: str | None) -> Any:
        method = operation.name
        service = self.service
        arguments = self._arguments(method, operation.positional(request, session_id))
        with mapped_transport_errors(method):
            try:
                result = getattr(service, method)(*arguments)
            except Fault as fault:
                raise self.api_error(
                    method, fault.code or "UNKNOWN", fault.message, session_id
                ) from None
            except ZeepTransportError as error:
                raise BadResponseError(
                    f"2Checkout answered {method} with HTTP {error.status_code}.",
                    status=error.status_code,
                ) from None
            except ZeepValidationError as error:
                raise BadResponseError(
                    f"The WSDL's {method} does not accept these parameters: {type(error).__name__}."
                ) from None
            except (ZeepError, etree.LxmlError, AttributeError, ValueError) as error:
                # zeep raises AttributeError on a body that is not XML at all.
                raise BadResponseError(
                    f"2Checkout's answer to {method} could not be read: {type(error).__name__}."
                ) from None
        if result is not None and not isinstance(result, str | bool | int | float):
            return serialize_object(result, target_cls=dict)
        return result


class SoapBackend(BaseBackend):
    """2Checkout API 6.0 over SOAP."""

    transport_class = SoapTransport
