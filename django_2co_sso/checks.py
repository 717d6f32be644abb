"""Django system checks for the ``TWOCHECKOUT_SSO`` setting.

========================  ================================================================
id                        problem
========================  ================================================================
django_2co_sso.E001       the setting is invalid (unknown key, wrong type, bad value)
django_2co_sso.E002       MERCHANT_CODE or SECRET_KEY is missing (real backends only)
django_2co_sso.E003       BACKEND does not import or is not a backend class
django_2co_sso.E004       SESSION_LIFETIME is 600 s or more (2Checkout expires it at 600)
django_2co_sso.E005       the cache alias does not exist
django_2co_sso.E006       CA_BUNDLE is not a readable file
django_2co_sso.W001       API_URL is not https while DEBUG is off
django_2co_sso.W002       API_URL is not a 2Checkout host while DEBUG is off
django_2co_sso.W003       the ``zeep.transports`` logger is at DEBUG while DEBUG is off
django_2co_sso.W004       the cache is process-local while SessionBackends share sessions
========================  ================================================================
"""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .conf import build_config, merged_settings
from .exceptions import ConfigurationError
from .registry import load_backend_class
from .validation import host_allowed

SESSION_MAX_SECONDS = 600
TWOCHECKOUT_API_HOSTS = (".2checkout.com", ".avangate.com")
_ID = "django_2co_sso"


@register(Tags.security, "django_2co_sso")
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Check ``TWOCHECKOUT_SSO``; see the module docstring for the ids."""
    try:
        config = build_config(merged_settings())
    except ConfigurationError as error:
        return [Error(str(error), id=f"{_ID}.E001", hint="See the settings reference.")]

    messages: list[CheckMessage] = []
    try:
        backend_class = load_backend_class(config.backend)
    except ConfigurationError as error:
        messages.append(Error(str(error), id=f"{_ID}.E003"))
        backend_class = None
    from .backends.locmem import LocmemBackend

    is_real = backend_class is not None and not issubclass(backend_class, LocmemBackend)
    if is_real and (not config.merchant_code or not config.secret_key):
        messages.append(
            Error(
                "TWOCHECKOUT_SSO needs MERCHANT_CODE and SECRET_KEY.",
                hint="Find both on the Integrations page of your 2Checkout control panel.",
                id=f"{_ID}.E002",
            )
        )
    if config.session_lifetime >= SESSION_MAX_SECONDS:
        messages.append(
            Error(
                f"TWOCHECKOUT_SSO['SESSION_LIFETIME'] is {config.session_lifetime} s; "
                f"2Checkout expires sessions after {SESSION_MAX_SECONDS} s.",
                hint="Use less than 600, e.g. the default 540.",
                id=f"{_ID}.E004",
            )
        )
    if config.cache_alias not in settings.CACHES:
        messages.append(
            Error(
                f"TWOCHECKOUT_SSO['CACHE_ALIAS'] {config.cache_alias!r} is not in CACHES.",
                id=f"{_ID}.E005",
            )
        )
    elif is_real and "LocMemCache" in settings.CACHES[config.cache_alias].get("BACKEND", ""):
        messages.append(
            Warning(
                "The 2Checkout sessionID is kept in a process-local cache: each process "
                "logs in on its own.",
                hint="Point CACHE_ALIAS at a shared cache (Redis, Memcached, database).",
                id=f"{_ID}.W004",
            )
        )
    if config.ca_bundle is not None and not (
        os.path.isfile(config.ca_bundle) and os.access(config.ca_bundle, os.R_OK)
    ):
        messages.append(
            Error(
                f"TWOCHECKOUT_SSO['CA_BUNDLE'] {config.ca_bundle!r} is not a readable file.",
                hint="Give the path of a PEM file of CA certificates, or None for the default.",
                id=f"{_ID}.E006",
            )
        )
    if not settings.DEBUG:
        messages.extend(_production_checks(config.api_url))
    return messages


def _production_checks(api_url: str) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    parts = urlsplit(api_url)
    if parts.scheme != "https":
        messages.append(
            Warning(
                "TWOCHECKOUT_SSO['API_URL'] is not https while DEBUG is off.",
                id=f"{_ID}.W001",
            )
        )
    if not host_allowed(parts.hostname or "", TWOCHECKOUT_API_HOSTS):
        messages.append(
            Warning(
                "TWOCHECKOUT_SSO['API_URL'] is not a 2Checkout host while DEBUG is off.",
                hint="Use https://api.2checkout.com unless you really mean the emulator.",
                id=f"{_ID}.W002",
            )
        )
    if logging.getLogger("zeep.transports").isEnabledFor(logging.DEBUG):
        messages.append(
            Warning(
                "The zeep.transports logger is at DEBUG while DEBUG is off: zeep logs whole "
                "SOAP envelopes there (hashes, sessionIDs, SSO URLs) for any client that "
                "does not use this app's transport.",
                hint="Raise it to INFO; django_2co_sso.soap logs masked envelopes at DEBUG.",
                id=f"{_ID}.W003",
            )
        )
    return messages
