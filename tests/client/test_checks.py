"""System checks for the TWOCHECKOUT_SSO setting."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from django_2co_sso.checks import check_settings
from tests.client.conftest import client_settings


def ids(**overrides: Any) -> list[str]:
    return [message.id for message in check_settings() if message.id]


@pytest.fixture
def zeep_debug() -> Iterator[None]:
    zeep_logger = logging.getLogger("zeep.transports")
    level = zeep_logger.level
    zeep_logger.setLevel(logging.DEBUG)
    yield
    zeep_logger.setLevel(level)


def test_valid_production_settings_pass() -> None:
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap"), CACHES=caches):
        assert ids() == []


def test_invalid_setting_is_e001() -> None:
    with override_settings(TWOCHECKOUT_SSO={"NOT_A_KEY": 1}):
        assert ids() == ["django_2co_sso.E001"]


def test_missing_credentials_is_e002() -> None:
    with override_settings(TWOCHECKOUT_SSO={"BACKEND": client_settings("soap")["BACKEND"]}):
        assert "django_2co_sso.E002" in ids()


def test_locmem_backend_needs_no_credentials() -> None:
    with override_settings(
        TWOCHECKOUT_SSO={"BACKEND": "django_2co_sso.backends.locmem.LocmemBackend"}
    ):
        assert "django_2co_sso.E002" not in ids()


def test_backend_that_does_not_import_is_e003() -> None:
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap", BACKEND="nope.Backend")):
        assert "django_2co_sso.E003" in ids()


@pytest.mark.parametrize(("lifetime", "flagged"), [(540, False), (599, False), (600, True)])
def test_session_lifetime_of_ten_minutes_or_more_is_e004(lifetime: int, flagged: bool) -> None:
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap", SESSION_LIFETIME=lifetime)):
        assert ("django_2co_sso.E004" in ids()) is flagged


def test_unknown_cache_alias_is_e005() -> None:
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap", CACHE_ALIAS="sessions")):
        assert "django_2co_sso.E005" in ids()


def test_process_local_cache_with_a_real_backend_is_w004() -> None:
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap"), CACHES=caches):
        assert "django_2co_sso.W004" in ids()


@pytest.mark.parametrize(
    ("api_url", "debug", "expected"),
    [
        ("http://api.2checkout.com", False, ["django_2co_sso.W001"]),
        ("https://api.example.com", False, ["django_2co_sso.W002"]),
        ("http://127.0.0.1:8765", False, ["django_2co_sso.W001", "django_2co_sso.W002"]),
        ("http://127.0.0.1:8765", True, []),
        ("https://api.avangate.com", False, []),
    ],
)
def test_api_url_checks_only_when_debug_is_off(
    api_url: str, debug: bool, expected: list[str]
) -> None:
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    with override_settings(
        TWOCHECKOUT_SSO=client_settings("soap", API_URL=api_url), DEBUG=debug, CACHES=caches
    ):
        assert ids() == expected


@pytest.mark.usefixtures("zeep_debug")
def test_zeep_transport_logger_at_debug_is_w003() -> None:
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap"), CACHES=caches):
        assert ids() == ["django_2co_sso.W003"]
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap"), CACHES=caches, DEBUG=True):
        assert ids() == []


def test_checks_are_registered_with_django() -> None:
    from django.core import checks

    with override_settings(TWOCHECKOUT_SSO={"NOT_A_KEY": 1}):
        found = [m.id for m in checks.run_checks(tags=["django_2co_sso"])]
    assert "django_2co_sso.E001" in found
