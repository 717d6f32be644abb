"""Django system checks for the ``TWOCHECKOUT_SSO`` setting: one function per concern.

Every problem is reported in one run: an invalid key is reported and replaced by its
default for the other checks (:func:`~django_2co_sso.conf.settings_problems`), so a typo'd
key does not hide a missing secret key.

========================  ================================================================
id                        problem
========================  ================================================================
django_2co_sso.E001       the setting is invalid (unknown key, wrong type, bad value);
                          one message per problem
django_2co_sso.E002       MERCHANT_CODE or SECRET_KEY is missing (real backends only)
django_2co_sso.E003       BACKEND does not import or is not a backend class
django_2co_sso.E004       SESSION_LIFETIME is 600 s or more (2Checkout expires it at 600)
django_2co_sso.E005       the cache alias does not exist
django_2co_sso.E006       CA_BUNDLE is not a readable file
django_2co_sso.E007       RATE_LIMIT does not parse
django_2co_sso.E008       a dotted-path function setting does not import or is not callable
django_2co_sso.E009       API_URL is plain http on a host that is not loopback
django_2co_sso.E010       the cache backend needs a Python package that is not installed
django_2co_sso.W001       API_URL is not https while DEBUG is off
django_2co_sso.W002       API_URL is not a 2Checkout host while DEBUG is off
django_2co_sso.W003       the ``zeep.transports`` logger is at DEBUG while DEBUG is off
django_2co_sso.W004       the cache is process-local while SOAP/JSON-RPC share sessions
django_2co_sso.W005       API_URL's host is not in ALLOWED_SSO_HOSTS (not a 2Checkout host)
django_2co_sso.E101       a template uses ``{% buy_link_url %}`` but BUY_LINK_SECRET or
                          MERCHANT_CODE is empty
django_2co_sso.E102       the notification listeners are installed but no secret key is
                          configured for them (SECRET_KEY, WEBHOOK_ACCOUNTS or the function)
django_2co_sso.W101       BUY_LINK_URL is not https while DEBUG is off
django_2co_sso.W102       BUY_LINK_URL is not a 2Checkout host while DEBUG is off
========================  ================================================================
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from .conf import DEFAULTS, TWOCHECKOUT_DOMAINS, SSOConfig, settings_problems
from .exceptions import ConfigurationError
from .ratelimit import parse_rate
from .registry import load_backend_class
from .validation import host_allowed, is_loopback_host, significant_port

SESSION_MAX_SECONDS = 600
TWOCHECKOUT_API_HOSTS = TWOCHECKOUT_DOMAINS
_ID = "django_2co_sso"

#: Keys holding a dotted path to a callable (BACKEND has its own check, E003).
FUNCTION_KEYS = tuple(key for key in DEFAULTS if key.endswith("_FUNCTION"))

#: Django cache backends and the package each one imports on first use.
CACHE_BACKEND_PACKAGES = {
    "django.core.cache.backends.redis.RedisCache": ("redis", "django-2co-sso[redis]"),
    "django.core.cache.backends.memcached.PyMemcacheCache": ("pymemcache", "pymemcache"),
    "django.core.cache.backends.memcached.PyLibMCCache": ("pylibmc", "pylibmc"),
}

Check = Callable[[SSOConfig], list[CheckMessage]]


@register(Tags.security, "django_2co_sso")
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Check ``TWOCHECKOUT_SSO``; see the module docstring for the ids."""
    try:
        problems, config = settings_problems()
    except ConfigurationError as error:  # the setting is not even a dict
        return [Error(str(error), id=f"{_ID}.E001", hint="See the settings reference.")]
    messages: list[CheckMessage] = [
        Error(problem, id=f"{_ID}.E001", hint="See the settings reference.") for problem in problems
    ]
    checks: tuple[Check, ...] = (
        _check_backend,
        _check_session_lifetime,
        _check_cache,
        _check_ca_bundle,
        _check_rate_limit,
        _check_functions,
        _check_api_url,
        _check_zeep_logger,
        _check_buy_links,
        _check_webhook_keys,
    )
    for check in checks:
        messages.extend(check(config))
    return messages


def _check_backend(config: SSOConfig) -> list[CheckMessage]:
    """E003 (the backend does not load) and E002 (a real backend without credentials)."""
    try:
        backend_class = load_backend_class(config.backend)
    except ConfigurationError as error:
        return [Error(str(error), id=f"{_ID}.E003")]
    if _is_real(backend_class) and (not config.merchant_code or not config.secret_key):
        return [
            Error(
                "TWOCHECKOUT_SSO needs MERCHANT_CODE and SECRET_KEY.",
                hint="Find both on the Integrations page of your 2Checkout control panel.",
                id=f"{_ID}.E002",
            )
        ]
    return []


def _is_real(backend_class: type) -> bool:
    from .backends.locmem import LocmemBackend

    return not issubclass(backend_class, LocmemBackend)


def _real_backend(config: SSOConfig) -> bool:
    try:
        return _is_real(load_backend_class(config.backend))
    except ConfigurationError:
        return False


def _check_session_lifetime(config: SSOConfig) -> list[CheckMessage]:
    """E004: 2Checkout expires a session after 600 s, whatever we think."""
    if config.session_lifetime < SESSION_MAX_SECONDS:
        return []
    return [
        Error(
            f"TWOCHECKOUT_SSO['SESSION_LIFETIME'] is {config.session_lifetime} s; "
            f"2Checkout expires sessions after {SESSION_MAX_SECONDS} s.",
            hint="Use less than 600, e.g. the default 540.",
            id=f"{_ID}.E004",
        )
    ]


def _check_cache(config: SSOConfig) -> list[CheckMessage]:
    """E005 (no such alias), E010 (its client package is missing), W004 (process-local)."""
    if config.cache_alias not in settings.CACHES:
        return [
            Error(
                f"TWOCHECKOUT_SSO['CACHE_ALIAS'] {config.cache_alias!r} is not in CACHES.",
                id=f"{_ID}.E005",
            )
        ]
    backend = str(settings.CACHES[config.cache_alias].get("BACKEND", ""))
    if backend in CACHE_BACKEND_PACKAGES:
        module, requirement = CACHE_BACKEND_PACKAGES[backend]
        if importlib.util.find_spec(module) is None:
            return [
                Error(
                    f"The cache {config.cache_alias!r} ({backend}) needs the Python package "
                    f"{module!r}, which is not installed.",
                    hint=f"pip install '{requirement}'",
                    id=f"{_ID}.E010",
                )
            ]
    if "LocMemCache" in backend and _real_backend(config):
        return [
            Warning(
                "The 2Checkout sessionID is kept in a process-local cache: each process "
                "logs in on its own.",
                hint="Point CACHE_ALIAS at a shared cache (Redis, Memcached, database).",
                id=f"{_ID}.W004",
            )
        ]
    return []


def _check_ca_bundle(config: SSOConfig) -> list[CheckMessage]:
    """E006: a CA_BUNDLE that cannot be read fails every TLS handshake."""
    path = config.ca_bundle
    if path is None or (os.path.isfile(path) and os.access(path, os.R_OK)):
        return []
    return [
        Error(
            f"TWOCHECKOUT_SSO['CA_BUNDLE'] {path!r} is not a readable file.",
            hint="Give the path of a PEM file of CA certificates, or None for the default.",
            id=f"{_ID}.E006",
        )
    ]


def _check_rate_limit(config: SSOConfig) -> list[CheckMessage]:
    """E007: a RATE_LIMIT that does not parse would fail every click."""
    try:
        parse_rate(config.rate_limit)
    except ConfigurationError as error:
        return [Error(str(error), hint="For example '30/m', or None.", id=f"{_ID}.E007")]
    return []


def _check_functions(config: SSOConfig) -> list[CheckMessage]:
    """E008: every dotted-path function setting imports and is callable."""
    messages: list[CheckMessage] = []
    for key in FUNCTION_KEYS:
        path = getattr(config, key.lower())
        if path is None:
            continue
        try:
            function = import_string(path)
        except ImportError as error:
            problem = f"cannot be imported ({error})"
        else:
            if callable(function):
                continue
            problem = "is not callable"
        messages.append(Error(f"TWOCHECKOUT_SSO[{key!r}] {path!r} {problem}.", id=f"{_ID}.E008"))
    return messages


def _check_api_url(config: SSOConfig) -> list[CheckMessage]:
    """E009 and W005 always; W001 and W002 with DEBUG off."""
    parts = urlsplit(config.api_url)
    host = parts.hostname or ""
    loopback = is_loopback_host(host)
    official = host_allowed(host, TWOCHECKOUT_API_HOSTS)
    messages: list[CheckMessage] = []
    if parts.scheme != "https" and not loopback:
        messages.append(
            Error(
                f"TWOCHECKOUT_SSO['API_URL'] is plain http on {host!r}, which is not a "
                "loopback host: the login hash would cross the network in clear.",
                hint="Use https (2Checkout: https://api.2checkout.com); plain http is for "
                "the local emulator only.",
                id=f"{_ID}.E009",
            )
        )
    try:
        port = significant_port(parts.scheme, parts.port)
    except ValueError:  # a port out of range: reported with API_URL's other problems
        port = None
    if not official and not host_allowed(host, config.allowed_sso_hosts, port, scheme=parts.scheme):
        messages.append(
            Warning(
                f"TWOCHECKOUT_SSO['API_URL'] is on {host!r}, which is not in "
                "ALLOWED_SSO_HOSTS: every link it returns on that host is refused (502).",
                hint=f"Add {parts.netloc!r} to ALLOWED_SSO_HOSTS (for the emulator), or use "
                "https://api.2checkout.com.",
                id=f"{_ID}.W005",
            )
        )
    if settings.DEBUG:
        return messages
    if parts.scheme != "https" and loopback:
        messages.append(
            Warning(
                "TWOCHECKOUT_SSO['API_URL'] is not https while DEBUG is off.",
                id=f"{_ID}.W001",
            )
        )
    if not official:
        messages.append(
            Warning(
                "TWOCHECKOUT_SSO['API_URL'] is not a 2Checkout host while DEBUG is off.",
                hint="Use https://api.2checkout.com unless you really mean the emulator.",
                id=f"{_ID}.W002",
            )
        )
    return messages


def _check_zeep_logger(config: SSOConfig) -> list[CheckMessage]:
    """W003: zeep's own transport logger at DEBUG in production logs whole envelopes."""
    if settings.DEBUG or not logging.getLogger("zeep.transports").isEnabledFor(logging.DEBUG):
        return []
    return [
        Warning(
            "The zeep.transports logger is at DEBUG while DEBUG is off: zeep logs whole "
            "SOAP envelopes there (hashes, sessionIDs, SSO URLs) for any client that "
            "does not use this app's transport.",
            hint="Raise it to INFO; django_2co_sso.soap logs masked envelopes at DEBUG.",
            id=f"{_ID}.W003",
        )
    ]


#: How many template files the buy-link check reads at most, and how much of each.
_TEMPLATE_SCAN_FILES = 5000
_TEMPLATE_SCAN_BYTES = 1_000_000
_BUY_LINK_TAG = re.compile(r"{%\s*buy_link_url\b")


def templates_using_buy_links() -> list[str]:
    """Template files (of every Django template engine) that use ``{% buy_link_url %}``.

    Reads at most :data:`_TEMPLATE_SCAN_FILES` files, and the first
    :data:`_TEMPLATE_SCAN_BYTES` of each.
    """
    from django.template import engines
    from django.template.backends.django import DjangoTemplates

    found: list[str] = []
    seen = 0
    for engine in engines.all():
        if not isinstance(engine, DjangoTemplates):
            continue
        for directory in engine.template_dirs:
            for path in sorted(Path(directory).rglob("*")):
                if seen >= _TEMPLATE_SCAN_FILES:
                    return found
                if not path.is_file():
                    continue
                seen += 1
                try:
                    with path.open("rb") as handle:
                        text = handle.read(_TEMPLATE_SCAN_BYTES).decode("utf-8", "replace")
                except OSError:
                    continue
                if _BUY_LINK_TAG.search(text):
                    found.append(str(path))
    return found


def _check_buy_links(config: SSOConfig) -> list[CheckMessage]:
    """E101: buy links in templates without the secret; W101 and W102 with DEBUG off."""
    messages: list[CheckMessage] = []
    if not config.buy_link_secret or not config.merchant_code:
        users = templates_using_buy_links()
        if users:
            messages.append(
                Error(
                    "Templates use {% buy_link_url %} but TWOCHECKOUT_SSO has no "
                    f"BUY_LINK_SECRET or MERCHANT_CODE (first: {users[0]}).",
                    hint="Copy the Buy-Link Secret Word from the 2Checkout control panel.",
                    id=f"{_ID}.E101",
                )
            )
    if not settings.DEBUG and urlsplit(config.buy_link_url).scheme != "https":
        messages.append(
            Warning(
                "TWOCHECKOUT_SSO['BUY_LINK_URL'] is not https while DEBUG is off.",
                id=f"{_ID}.W101",
            )
        )
    host = urlsplit(config.buy_link_url).hostname or ""
    if not settings.DEBUG and not host_allowed(host, TWOCHECKOUT_DOMAINS):
        messages.append(
            Warning(
                f"TWOCHECKOUT_SSO['BUY_LINK_URL'] is on {host!r}, not a 2Checkout host, "
                "while DEBUG is off: shoppers' purchases would go there.",
                hint="Use https://secure.2checkout.com/checkout/buy, or silence this check "
                "if 2Checkout serves your cart on a domain of your own.",
                id=f"{_ID}.W102",
            )
        )
    return messages


def _check_webhook_keys(config: SSOConfig) -> list[CheckMessage]:
    """E102: the notification listeners are routed but nothing can verify a notification.

    Not repeated when E002 already reports the missing SECRET_KEY of a real backend.
    """
    if config.secret_key or config.webhook_accounts or config.webhook_accounts_function:
        return []
    if _real_backend(config):
        return []
    try:
        reverse("twocheckout_webhooks:ipn")
    except NoReverseMatch:
        return []
    return [
        Error(
            "The 2Checkout notification listeners are installed but have no secret key "
            "to verify notifications with.",
            hint="Set SECRET_KEY, WEBHOOK_ACCOUNTS or WEBHOOK_ACCOUNTS_FUNCTION.",
            id=f"{_ID}.E102",
        )
    ]
