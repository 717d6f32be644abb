"""The REST backend: ``GET {API_URL}/rest/6.0/...`` signed per request.

REST has no session: every request carries a freshly dated
``X-Avangate-Authentication: code="…" date="…" hash="…" algo="…"`` header (no ``algo``
for legacy md5). Paths and query parameters come from each operation's
:class:`~django_2co_sso.backends.operations.RestRoute`. SSO answers are a JSON string or an
object with ``url``; errors carry ``error_code`` and ``message``; a paged list is joined
here (``Page``, ``Limit``; at most :data:`MAX_PAGES` pages). REST documents fewer customer
pages than SOAP (no ``my_products``) and no customer-type parameter (see
``REST_CUSTOMER_TYPE_PARAM``). It has no Channel Manager requests either: operations without
a REST route (``partner_sso_url``) go over JSON-RPC to the same account, through the same
pipeline (login, setPartner, getPartnerSingleSignOn).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..exceptions import APIError, AuthenticationError, BadResponseError
from ..signing import rest_auth_header, utc_date
from .base import BaseBackend
from .http import HttpTransport, json_body, mapped_transport_errors
from .jsonrpc import JsonRpcTransport
from .operations import LOGIN, Operation, RestRoute
from .transport import AUTHENTICATION_CODES

#: Customer pages the REST ``/customers/{ref}/account/{PageType}/`` request documents.
REST_CUSTOMER_PAGES = ("my_subscription", "user_data", "order_lookup", "faq", "payment_methods")
#: Items asked for per page of a paged list, and the most pages read for one call.
PAGE_SIZE = 100
MAX_PAGES = 50
#: A well-formed token that no customer has: the signed request of check_credentials.
_PROBE_PATH, _PROBE_QUERY = "customers/", {"ssotoken": "0" * 40}


class RestTransport(HttpTransport):
    """Sends operations as signed REST ``GET`` requests."""

    protocol = "rest"

    def can_send(self, operation: Operation) -> bool:
        return operation.rest is not None

    def send(self, operation: Operation, request: Any, session_id: str | None) -> Any:
        route = operation.rest
        if operation is LOGIN:
            return self._probe()
        if route is None:
            raise BadResponseError(f"REST has no {operation.name} request.")
        path = route.path.format(
            **{
                name: quote(str(getattr(request, name) or route.defaults.get(name, "")), safe="")
                for name in route.fields
            }
        )
        query = self._query(route, request)
        if route.paged:
            return self._pages(operation.name, path, query)
        return self._get(operation.name, path, query)

    def _query(self, route: RestRoute, request: Any) -> dict[str, Any]:
        """The query parameters that have a value (None and "" are left out)."""
        query = {}
        for name, field in route.query.items():
            value = getattr(request, field)
            if value is not None and value != "":
                query[name] = value
        type_param = self.config.rest_customer_type_param
        if route.customer_type and type_param:
            query[type_param] = request.customer_type
        return query

    def _pages(self, method: str, path: str, query: dict[str, Any]) -> list[Any]:
        """Every item of a paged list: pages of :data:`PAGE_SIZE` until a short one, or
        until ``Pagination.Count`` items when the answer says how many there are."""
        items: list[Any] = []
        for page in range(1, MAX_PAGES + 1):
            answer = self._get(method, path, {**query, "Page": page, "Limit": PAGE_SIZE})
            batch = answer.get("Items") if isinstance(answer, dict) else answer
            if not isinstance(batch, list):
                raise BadResponseError(f"2Checkout answered {method} without a list of items.")
            items.extend(batch)
            pagination = answer.get("Pagination") if isinstance(answer, dict) else None
            count = pagination.get("Count") if isinstance(pagination, dict) else None
            if len(batch) < PAGE_SIZE or (isinstance(count, int) and len(items) >= count):
                return items
        raise BadResponseError(f"2Checkout answered {method} with more than {MAX_PAGES} pages.")

    def _probe(self) -> bool:
        """One signed request: refused credentials raise, "unknown token" means accepted."""
        try:
            self._get(LOGIN.name, _PROBE_PATH, _PROBE_QUERY)
        except AuthenticationError:
            raise
        except APIError:
            pass  # "unknown token": the signature was accepted
        return True

    def _get(self, method: str, path: str, query: dict[str, Any]) -> Any:
        config = self.config
        header = rest_auth_header(
            config.merchant_code, config.secret_key, config.hash_algorithm, utc_date()
        )
        with mapped_transport_errors(method):
            response = self.http.get(
                self.endpoint + path,
                params=query,
                headers={"X-Avangate-Authentication": header},
                timeout=self.timeout,
            )
        payload = json_body(response, method)
        if response.status_code >= 400 or (isinstance(payload, dict) and "error_code" in payload):
            error = payload if isinstance(payload, dict) else {}
            code = str(error.get("error_code") or error.get("code") or response.status_code)
            message = error.get("message") or f"HTTP {response.status_code}"
            if response.status_code == 401 or code.upper() in AUTHENTICATION_CODES:
                raise AuthenticationError(
                    self.api_error(method, code, message).message, code=code, method=method
                )
            raise self.api_error(method, code, message)
        return payload


class RestBackend(BaseBackend):
    """2Checkout API 6.0 over REST; Channel Manager calls over JSON-RPC."""

    transport_class = RestTransport
    fallback_transport_class = JsonRpcTransport
    customer_pages = REST_CUSTOMER_PAGES
