"""The ``TWOCHECKOUT_SSO`` setting: every key, its default, and how it is read.

Settings are read lazily: on first use, and again after every change Django announces
(``override_settings``, pytest-django's ``settings`` fixture), so per-test settings work
while a request does not validate the setting again each time it needs it.
:func:`get_config` merges the project's dict over :data:`DEFAULTS`, rejects unknown keys
and wrong types with :class:`~django_2co_sso.exceptions.ConfigurationError`, and returns
an immutable :class:`SSOConfig` whose ``repr`` never shows the secret key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .exceptions import ConfigurationError

SETTING_NAME = "TWOCHECKOUT_SSO"

#: Every key of ``TWOCHECKOUT_SSO`` with its default. This is the one place they are listed.
DEFAULTS: dict[str, Any] = {
    # -- the API client ------------------------------------------------------------------
    # Dotted path of the backend class: .soap.SoapBackend, .jsonrpc.JsonRpcBackend,
    # .rest.RestBackend, .locmem.LocmemBackend (for your tests), or your own.
    "BACKEND": "django_2co_sso.backends.soap.SoapBackend",
    # Your 2Checkout merchant code and the account's secret key (Integrations page).
    "MERCHANT_CODE": "",
    "SECRET_KEY": "",
    # Base URL of the API; every protocol lives at {API_URL}/{soap|rpc|rest}/{API_VERSION}/.
    "API_URL": "https://api.2checkout.com",
    "API_VERSION": "6.0",
    # HMAC algorithm for login and REST signing: "sha256", "sha3-256", or legacy "md5".
    "HASH_ALGORITHM": "sha256",
    # Seconds to wait for an answer to one call (read timeout), and to connect.
    "TIMEOUT": 10.0,
    "CONNECT_TIMEOUT": 5.0,
    # Path of a PEM file of CA certificates to verify 2Checkout's TLS certificate with
    # (a corporate TLS proxy, a test server); None uses the certifi bundle of requests.
    "CA_BUNDLE": None,
    # SOAP only: where the WSDL comes from (URL or local file); None = {API_URL}/soap/{v}/?wsdl.
    "WSDL": None,
    # SOAP only: path of an SQLite file caching downloaded WSDL documents across processes
    # (faster cold starts); None keeps the cache in the process only.
    "WSDL_CACHE_PATH": None,
    # Django cache alias that holds the shared sessionID (use Redis when you run several
    # processes or hosts) and the key prefix for everything this app stores there.
    "CACHE_ALIAS": "default",
    "CACHE_KEY_PREFIX": "twocheckout_sso",
    # Seconds a sessionID is reused after login; 2Checkout expires it after 600.
    "SESSION_LIFETIME": 540,
    # Seconds one process may hold the login lock before others stop waiting for it.
    "LOGIN_LOCK_TIMEOUT": 15.0,
    # Error codes that mean "session expired or unknown": log in again once, repeat once.
    "SESSION_ERROR_CODES": (
        "SESSION_EXPIRED",
        "INVALID_SESSION",
        "FORBIDDEN",
        "10000",
        "10001",
        "10002",
    ),
    # Seconds an SSO URL stays valid when the caller does not say, and the most allowed.
    "DEFAULT_VALIDITY_TIME": 10,
    "MAX_VALIDITY_TIME": 300,
    # ISO 639-1 language sent when the caller gives none (None: let 2Checkout choose).
    "DEFAULT_LANGUAGE": None,
    # Wire values of customerType; 2Checkout's docs name the second one both
    # "AvangateCustomerReference" and "2CheckoutCustomerReference".
    "CUSTOMER_TYPE_EXTERNAL": "ExternalCustomerReference",
    "CUSTOMER_TYPE_2CHECKOUT": "AvangateCustomerReference",
    # REST only: name of a query parameter that carries the customer type (None: not sent;
    # 2Checkout documents no such parameter).
    "REST_CUSTOMER_TYPE_PARAM": None,
    # Hosts an SSO URL (and a cart URL) may point at; a leading dot allows subdomains.
    # An entry allows the default port only; "host:8443" allows port 8443 only.
    # Plain http is accepted only for loopback hosts listed here (the local emulator).
    "ALLOWED_SSO_HOSTS": (".2checkout.com", ".avangate.com"),
    # Fail fast for COOLDOWN seconds after this many upstream failures in a row (0 = never).
    "CIRCUIT_BREAKER_FAILURES": 5,
    "CIRCUIT_BREAKER_COOLDOWN": 30.0,
    # -- the Django integration (views, template tags, admin) ----------------------------
    # Dotted path to a callable(request) -> (reference, "external"|"2checkout") or None,
    # used instead of the CustomerLink model to find the shopper's 2Checkout customer.
    "CUSTOMER_REFERENCE_FUNCTION": None,
    # Dotted path to a callable(request) -> str giving the shopper's IP for validationIp.
    "CLIENT_IP_FUNCTION": "django_2co_sso.client_ip.remote_addr",
    # Send the shopper's IP as validationIp (binds the link to it).
    "SEND_CLIENT_IP": True,
    # Template shown (with status 404) to a user who has no 2Checkout customer; None = the
    # project's plain 404 page.
    "NO_CUSTOMER_TEMPLATE": "django_2co_sso/no_customer.html",
    # Template of the friendly "billing is unavailable, try again" page (status 503).
    "UNAVAILABLE_TEMPLATE": "django_2co_sso/unavailable.html",
    # Links one user may mint, as "COUNT/PERIOD" with PERIOD s, m, h or d; None = no limit.
    "RATE_LIMIT": "30/m",
    # Dotted path to a callable(request, subscription_reference) -> bool saying whether the
    # subscription belongs to the shopper; None = look it up in the Subscription model.
    "SUBSCRIPTION_OWNER_FUNCTION": None,
    # Channel Manager page that partner links open (access_page of getPartnerSingleSignOn);
    # None follows API_URL: 2Checkout's panel for its own API hosts, else
    # {API_URL}/cpanel/index.php (the emulator's panel).
    "PARTNER_PANEL_URL": None,
    # Seconds links minted by staff (admin action, twocheckout_sso_link) stay valid.
    "STAFF_LINK_VALIDITY_TIME": 120,
    # -- keeping customers and subscriptions in sync (webhooks, resync, buy links) -------
    # The accounts whose IPN/LCN notifications the listeners accept, as {name: secret key};
    # a notification is verified with each key in turn and stored with the account's name.
    # Empty: one account, "default", with SECRET_KEY.
    "WEBHOOK_ACCOUNTS": {},
    # Dotted path to a callable(request) -> {name: secret key} used instead of
    # WEBHOOK_ACCOUNTS (for keys kept elsewhere, or chosen by the listener URL).
    "WEBHOOK_ACCOUNTS_FUNCTION": None,
    # The weakest notification signature accepted: "sha3-256", "sha256" or "md5". The
    # strongest signature present is always the one checked, so with "md5" a HASH is
    # accepted only when neither SIGNATURE_SHA3_256 nor SIGNATURE_SHA2_256 is present.
    "WEBHOOK_WEAKEST_ALGORITHM": "md5",
    # Largest notification body accepted, in bytes; larger ones are refused unread (413).
    "WEBHOOK_MAX_BODY_SIZE": 131072,
    # Store and acknowledge test notifications (TEST / TEST_ORDER = 1) without applying them.
    "WEBHOOK_IGNORE_TEST_NOTIFICATIONS": False,
    # Dotted path to a callable(notification_data) -> user or None, asked for a customer the
    # shop does not know (no CustomerLink with either reference), e.g. to match by an e-mail
    # address the shop has verified (the user answered gets that customer's myAccount).
    # None: such notifications are kept as "unmatched".
    "CUSTOMER_MAPPING_FUNCTION": None,
    # Where buy links point (ConvertPlus); the local emulator serves {base}/checkout/buy.
    "BUY_LINK_URL": "https://secure.2checkout.com/checkout/buy",
    # The Buy-Link Secret Word of your account (not the API secret key); buy links need it.
    "BUY_LINK_SECRET": "",
    # Names of the buy-link parameters covered by the signature when present in a link.
    "BUY_LINK_SIGNED_PARAMETERS": (
        "customer-ext-ref",
        "customer-ref",
        "expiration",
        "item-ext-ref",
        "lock",
        "order-ext-ref",
        "return-type",
        "return-url",
    ),
}

_NUMBER_KEYS = (
    "TIMEOUT",
    "CONNECT_TIMEOUT",
    "LOGIN_LOCK_TIMEOUT",
    "CIRCUIT_BREAKER_COOLDOWN",
)
_INT_KEYS = (
    "SESSION_LIFETIME",
    "DEFAULT_VALIDITY_TIME",
    "MAX_VALIDITY_TIME",
    "CIRCUIT_BREAKER_FAILURES",
    "STAFF_LINK_VALIDITY_TIME",
    "WEBHOOK_MAX_BODY_SIZE",
)
_STR_KEYS = (
    "BACKEND",
    "MERCHANT_CODE",
    "SECRET_KEY",
    "API_URL",
    "API_VERSION",
    "CACHE_ALIAS",
    "CACHE_KEY_PREFIX",
    "CUSTOMER_TYPE_EXTERNAL",
    "CUSTOMER_TYPE_2CHECKOUT",
    "CLIENT_IP_FUNCTION",
    "UNAVAILABLE_TEMPLATE",
    "WEBHOOK_WEAKEST_ALGORITHM",
    "BUY_LINK_URL",
    "BUY_LINK_SECRET",
)
_OPTIONAL_STR_KEYS = (
    "CA_BUNDLE",
    "WSDL",
    "WSDL_CACHE_PATH",
    "DEFAULT_LANGUAGE",
    "REST_CUSTOMER_TYPE_PARAM",
    "CUSTOMER_REFERENCE_FUNCTION",
    "NO_CUSTOMER_TEMPLATE",
    "RATE_LIMIT",
    "SUBSCRIPTION_OWNER_FUNCTION",
    "PARTNER_PANEL_URL",
    "WEBHOOK_ACCOUNTS_FUNCTION",
    "CUSTOMER_MAPPING_FUNCTION",
)
_STR_TUPLE_KEYS = ("SESSION_ERROR_CODES", "ALLOWED_SSO_HOSTS", "BUY_LINK_SIGNED_PARAMETERS")
_BOOL_KEYS = ("SEND_CLIENT_IP", "WEBHOOK_IGNORE_TEST_NOTIFICATIONS")
_STR_DICT_KEYS = ("WEBHOOK_ACCOUNTS",)

HASH_ALGORITHMS = ("sha256", "sha3-256", "md5")
#: Notification signature algorithms, strongest first.
WEBHOOK_ALGORITHMS = ("sha3-256", "sha256", "md5")
#: The longest webhook account name (stored with each notification).
WEBHOOK_ACCOUNT_NAME_LENGTH = 64

#: Domains of 2Checkout's own hosts (a leading dot: the domain and its subdomains).
TWOCHECKOUT_DOMAINS = (".2checkout.com", ".avangate.com")
#: The Channel Manager of the real 2Checkout.
TWOCHECKOUT_PARTNER_PANEL_URL = "https://secure.2checkout.com/cpanel/"


@dataclasses.dataclass(frozen=True)
class SSOConfig:
    """The validated, immutable ``TWOCHECKOUT_SSO`` (field names are the keys, lowercased)."""

    backend: str
    merchant_code: str
    secret_key: str = dataclasses.field(repr=False)
    api_url: str
    api_version: str
    hash_algorithm: str
    timeout: float
    connect_timeout: float
    ca_bundle: str | None
    wsdl: str | None
    wsdl_cache_path: str | None
    cache_alias: str
    cache_key_prefix: str
    session_lifetime: int
    login_lock_timeout: float
    session_error_codes: tuple[str, ...]
    default_validity_time: int
    max_validity_time: int
    default_language: str | None
    customer_type_external: str
    customer_type_2checkout: str
    rest_customer_type_param: str | None
    allowed_sso_hosts: tuple[str, ...]
    circuit_breaker_failures: int
    circuit_breaker_cooldown: float
    customer_reference_function: str | None
    client_ip_function: str
    send_client_ip: bool
    no_customer_template: str | None
    unavailable_template: str
    rate_limit: str | None
    subscription_owner_function: str | None
    partner_panel_url: str
    staff_link_validity_time: int
    webhook_accounts: Mapping[str, str] = dataclasses.field(repr=False)
    webhook_accounts_function: str | None
    webhook_weakest_algorithm: str
    webhook_max_body_size: int
    webhook_ignore_test_notifications: bool
    customer_mapping_function: str | None
    buy_link_url: str
    buy_link_secret: str = dataclasses.field(repr=False)
    buy_link_signed_parameters: tuple[str, ...]

    def endpoint(self, protocol: str) -> str:
        """The URL of ``protocol`` ("soap", "rpc" or "rest"), with a trailing slash."""
        return f"{self.api_url.rstrip('/')}/{protocol}/{self.api_version}/"

    @property
    def wsdl_location(self) -> str:
        """Where the SOAP backend reads its WSDL from."""
        return self.wsdl or self.endpoint("soap") + "?wsdl"


def raw_settings() -> dict[str, Any]:
    """The project's ``TWOCHECKOUT_SSO`` dict, read now (an empty dict when unset)."""
    value = getattr(settings, SETTING_NAME, None)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{SETTING_NAME} must be a dict, not {type(value).__name__}.")
    return dict(value)


def _type_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """``{key: message}`` for every key of ``values`` whose value has the wrong type."""
    problems: dict[str, str] = {}

    def fail(key: str, expected: str) -> None:
        problems[key] = (
            f"{SETTING_NAME}[{key!r}] must be {expected}, not {type(values[key]).__name__}."
        )

    for key in _NUMBER_KEYS:
        value = values[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            fail(key, "a positive number")
    for key in _INT_KEYS:
        value = values[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            fail(key, "a non-negative integer")
    for key in _STR_KEYS:
        if not isinstance(values[key], str):
            fail(key, "a string")
    for key in _OPTIONAL_STR_KEYS:
        if values[key] is not None and not isinstance(values[key], str):
            fail(key, "a string or None")
    for key in _STR_TUPLE_KEYS:
        value = values[key]
        if (
            isinstance(value, str)
            or not isinstance(value, list | tuple)
            or not all(isinstance(item, str) for item in value)
        ):
            fail(key, "a list of strings")
    for key in _BOOL_KEYS:
        if not isinstance(values[key], bool):
            fail(key, "True or False")
    for key in _STR_DICT_KEYS:
        value = values[key]
        if not isinstance(value, Mapping) or not all(
            isinstance(name, str) and isinstance(item, str) for name, item in value.items()
        ):
            fail(key, "a dict of strings")
    return problems


def _value_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """``{key: message}`` for every bad value; ``values`` must have the right types."""
    problems: dict[str, str] = {}
    if values["HASH_ALGORITHM"] not in HASH_ALGORITHMS:
        problems["HASH_ALGORITHM"] = (
            f"{SETTING_NAME}['HASH_ALGORITHM'] must be one of {', '.join(HASH_ALGORITHMS)}."
        )
    for key in ("API_URL", "PARTNER_PANEL_URL"):
        if values[key] is None:
            continue
        parts = urlsplit(values[key])
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems[key] = f"{SETTING_NAME}[{key!r}] must be an absolute http(s) URL."
    if values["DEFAULT_VALIDITY_TIME"] < 1:
        problems["DEFAULT_VALIDITY_TIME"] = (
            f"{SETTING_NAME}['DEFAULT_VALIDITY_TIME'] must be at least 1."
        )
    elif values["DEFAULT_VALIDITY_TIME"] > values["MAX_VALIDITY_TIME"]:
        problems["DEFAULT_VALIDITY_TIME"] = (
            f"{SETTING_NAME}['DEFAULT_VALIDITY_TIME'] exceeds MAX_VALIDITY_TIME."
        )
    if values["SESSION_LIFETIME"] < 1:
        problems["SESSION_LIFETIME"] = f"{SETTING_NAME}['SESSION_LIFETIME'] must be at least 1."
    problems.update(_sync_value_problems(values))
    return problems


def _sync_value_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """The keys of webhooks and buy links (never quoting a secret)."""
    problems: dict[str, str] = {}
    if values["WEBHOOK_WEAKEST_ALGORITHM"] not in WEBHOOK_ALGORITHMS:
        problems["WEBHOOK_WEAKEST_ALGORITHM"] = (
            f"{SETTING_NAME}['WEBHOOK_WEAKEST_ALGORITHM'] must be one of "
            f"{', '.join(WEBHOOK_ALGORITHMS)}."
        )
    if values["WEBHOOK_MAX_BODY_SIZE"] < 1024:
        problems["WEBHOOK_MAX_BODY_SIZE"] = (
            f"{SETTING_NAME}['WEBHOOK_MAX_BODY_SIZE'] must be at least 1024 bytes."
        )
    if any(
        not name or len(name) > WEBHOOK_ACCOUNT_NAME_LENGTH or not key
        for name, key in values["WEBHOOK_ACCOUNTS"].items()
    ):
        problems["WEBHOOK_ACCOUNTS"] = (
            f"{SETTING_NAME}['WEBHOOK_ACCOUNTS'] needs names of 1 to "
            f"{WEBHOOK_ACCOUNT_NAME_LENGTH} characters, "
            "each with a non-empty secret key."
        )
    parts = urlsplit(values["BUY_LINK_URL"])
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        problems["BUY_LINK_URL"] = (
            f"{SETTING_NAME}['BUY_LINK_URL'] must be an absolute http(s) URL without a query."
        )
    return problems


def _unknown_keys_problem(keys: set[str]) -> str:
    return (
        f"Unknown {SETTING_NAME} key(s): {', '.join(sorted(keys))}. "
        f"Known keys: {', '.join(sorted(DEFAULTS))}."
    )


def merged_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """DEFAULTS, then the project's setting, then ``overrides``; unknown keys are an error."""
    project = raw_settings()
    extra = dict(overrides or {})
    unknown = (set(project) | set(extra)) - set(DEFAULTS)
    if unknown:
        raise ConfigurationError(_unknown_keys_problem(unknown))
    return {**DEFAULTS, **project, **extra}


def settings_problems() -> tuple[list[str], SSOConfig]:
    """Every problem of the project's setting at once, and the best config despite them.

    The config replaces each unknown, mistyped or invalid key by its default, so the
    system checks can still look at everything else (a typo'd key must not hide a
    missing secret key). Raises ConfigurationError only when the setting is not a dict.
    """
    project = raw_settings()
    messages: list[str] = []
    unknown = set(project) - set(DEFAULTS)
    if unknown:
        messages.append(_unknown_keys_problem(unknown))
    values = {**DEFAULTS, **{key: project[key] for key in project if key in DEFAULTS}}
    for problems in (_type_problems, _value_problems):
        found = problems(values)
        messages.extend(found.values())
        values.update({key: DEFAULTS[key] for key in found})
    return messages, _to_config(values)


def _default_partner_panel_url(api_url: str) -> str:
    """Where partner links open when PARTNER_PANEL_URL is None: beside the API.

    2Checkout's own API hosts give its Channel Manager; any other API_URL (the emulator)
    gives ``{API_URL}/cpanel/index.php``, served by the same host.
    """
    host = (urlsplit(api_url).hostname or "").lower()
    if any(host == domain[1:] or host.endswith(domain) for domain in TWOCHECKOUT_DOMAINS):
        return TWOCHECKOUT_PARTNER_PANEL_URL
    return f"{api_url.rstrip('/')}/cpanel/index.php"


def _to_config(values: Mapping[str, Any]) -> SSOConfig:
    fields: dict[str, Any] = {}
    for key, value in values.items():
        if key in _STR_TUPLE_KEYS:
            value = tuple(value)
        elif key in _STR_DICT_KEYS:
            value = MappingProxyType(dict(value))
        elif key in _NUMBER_KEYS:
            value = float(value)
        fields[key.lower()] = value
    if fields["partner_panel_url"] is None:
        fields["partner_panel_url"] = _default_partner_panel_url(fields["api_url"])
    return SSOConfig(**fields)


def build_config(values: Mapping[str, Any]) -> SSOConfig:
    """Validate a full set of keys (see :func:`merged_settings`) into an :class:`SSOConfig`.

    Every problem is reported in one :class:`ConfigurationError`, not just the first.
    """
    messages = list(_type_problems(values).values())
    if not messages:
        messages = list(_value_problems(values).values())
    if messages:
        raise ConfigurationError(" ".join(messages))
    return _to_config(values)


_current: SSOConfig | None = None


def get_config(**overrides: Any) -> SSOConfig:
    """The current settings, validated, with ``overrides`` applied on top.

    Without overrides the validated result is kept until Django announces a change of
    ``TWOCHECKOUT_SSO`` (``setting_changed``); an invalid setting is never kept.
    """
    global _current
    if overrides:
        return build_config(merged_settings(overrides))
    config = _current
    if config is None:
        config = _current = build_config(merged_settings())
    return config


@receiver(setting_changed)
def _forget_config(setting: str, **kwargs: Any) -> None:
    """Read the setting anew after ``override_settings`` (or any announced change)."""
    global _current
    if setting == SETTING_NAME:
        _current = None
