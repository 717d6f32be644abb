"""The REST backend: ``GET {API_URL}/rest/6.0/...`` signed per request.

REST has no session: every request carries a freshly dated
``X-Avangate-Authentication: code="…" date="…" hash="…" algo="…"`` header (no ``algo``
for legacy md5). SSO answers are a JSON string or an object with ``url``; errors carry
``error_code`` and ``message``. REST documents fewer customer pages than SOAP
(no ``my_products``) and no customer-type parameter (see ``REST_CUSTOMER_TYPE_PARAM``).
It has no Channel Manager requests either: :meth:`partner_sso_url` goes over JSON-RPC
to the same account (login, setPartner, getPartnerSingleSignOn).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..conf import SSOConfig
from ..exceptions import APIError, AuthenticationError, BadResponseError
from ..signing import rest_auth_header, utc_date
from .base import (
    AUTHENTICATION_CODES,
    BaseBackend,
    CartSSO,
    CustomerSSO,
    PartnerSSO,
    SubscriptionSSO,
)
from .http import json_body, mapped_transport_errors, new_session
from .jsonrpc import JsonRpcBackend

#: Customer pages the REST ``/customers/{ref}/account/{PageType}/`` request documents.
REST_CUSTOMER_PAGES = ("my_subscription", "user_data", "order_lookup", "faq", "payment_methods")
HOME_PAGE = "index"
#: A well-formed token that no customer has, for :meth:`RestBackend.check_credentials`.
_PROBE_TOKEN = "0" * 40


def _segment(value: str) -> str:
    return quote(value, safe="")


def _query(**params: Any) -> dict[str, Any]:
    """The query parameters that have a value (None and "" are left out)."""
    return {name: value for name, value in params.items() if value not in (None, "")}


class RestBackend(BaseBackend):
    """2Checkout API 6.0 over REST."""

    protocol = "rest"
    customer_pages = REST_CUSTOMER_PAGES

    def __init__(self, config: SSOConfig) -> None:
        super().__init__(config)
        self.base_url = config.endpoint("rest")
        self.http = new_session(ca_bundle=config.ca_bundle)
        self._timeout = (config.connect_timeout, config.timeout)
        self._partner_backend = JsonRpcBackend(config)

    def _get(self, method: str, path: str, params: dict[str, Any]) -> Any:
        return self._upstream(method, lambda: self._send(method, path, params))

    def _send(self, method: str, path: str, params: dict[str, Any]) -> Any:
        config = self.config
        header = rest_auth_header(
            config.merchant_code, config.secret_key, config.hash_algorithm, utc_date()
        )
        with mapped_transport_errors(method):
            response = self.http.get(
                self.base_url + path,
                params=params,
                headers={"X-Avangate-Authentication": header},
                timeout=self._timeout,
            )
        if response.status_code >= 500 and "json" not in response.headers.get("Content-Type", ""):
            raise BadResponseError(
                f"2Checkout answered {method} with HTTP {response.status_code}.",
                status=response.status_code,
            )
        payload = json_body(response, method)
        if response.status_code >= 400 or (isinstance(payload, dict) and "error_code" in payload):
            error = payload if isinstance(payload, dict) else {}
            code = str(error.get("error_code") or error.get("code") or response.status_code)
            message = error.get("message") or f"HTTP {response.status_code}"
            if response.status_code == 401 or code.upper() in AUTHENTICATION_CODES:
                raise AuthenticationError(
                    self._api_error(method, code, message).message, code=code, method=method
                )
            raise self._api_error(method, code, message)
        return payload

    def _customer_type_query(self, request: CustomerSSO | CartSSO) -> dict[str, Any]:
        name = self.config.rest_customer_type_param
        return {name: request.customer_type} if name else {}

    def _subscription_sso(self, request: SubscriptionSSO) -> Any:
        path = (
            f"subscriptions/{_segment(request.subscription_reference)}"
            f"/signon/{request.page or HOME_PAGE}/"
        )
        return self._get(
            "getSingleSignOn",
            path,
            _query(
                Email=request.email,
                LanguageCode=request.language,
                ValidityTime=request.validity_time,
                ValidationIp=request.validation_ip,
            ),
        )

    def _customer_sso(self, request: CustomerSSO) -> Any:
        path = (
            f"customers/{_segment(request.customer_reference)}/account/{request.page or HOME_PAGE}/"
        )
        params = _query(
            Lang=request.language,
            ValidityTime=request.validity_time,
            ValidationIp=request.validation_ip,
            Request=request.request,
        )
        return self._get(
            "getSingleSignOnByCustomer", path, {**params, **self._customer_type_query(request)}
        )

    def _cart_sso(self, request: CartSSO) -> Any:
        path = f"customers/{_segment(request.customer_reference)}/cart/"
        params = _query(
            Url=request.cart_url,
            ValidityTime=request.validity_time,
            ValidationIp=request.validation_ip,
        )
        return self._get(
            "getSingleSignOnInCart", path, {**params, **self._customer_type_query(request)}
        )

    def _partner_sso(self, request: PartnerSSO) -> Any:
        """REST has no Channel Manager requests: partner links go over JSON-RPC."""
        return self._partner_backend._partner_sso(request)

    def _customer_by_token(self, token: str) -> Any:
        return self._get("getCustomerInformationBySSOToken", "customers/", {"ssotoken": token})

    def _check_credentials(self) -> None:
        try:
            self._customer_by_token(_PROBE_TOKEN)
        except AuthenticationError:
            raise
        except APIError:
            return  # "unknown token": the signature was accepted
