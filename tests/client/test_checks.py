"""System checks for the TWOCHECKOUT_SSO setting."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from django_2co_sso.checks import check_settings
from django_2co_sso.conf import DEFAULTS
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


REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}


def test_invalid_setting_is_e001() -> None:
    with override_settings(
        TWOCHECKOUT_SSO={**client_settings("soap"), "NOT_A_KEY": 1}, CACHES=REDIS
    ):
        assert ids() == ["django_2co_sso.E001"]


def test_a_typo_in_a_key_does_not_hide_the_missing_secret() -> None:
    typo = {"BACKEND": client_settings("soap")["BACKEND"], "MERCHANT_CODE": "M", "SECRET_KY": "s"}
    with override_settings(TWOCHECKOUT_SSO=typo, CACHES=REDIS):
        messages = check_settings()
    assert [m.id for m in messages] == ["django_2co_sso.E001", "django_2co_sso.E002"]
    assert "SECRET_KY" in messages[0].msg


def test_every_settings_error_is_reported_at_once() -> None:
    broken = client_settings(
        "soap", TIMEOUT="10", HASH_ALGORITHM="sha1", SEND_CLIENT_IP="yes", SESSION_LIFETIME=900
    )
    with override_settings(TWOCHECKOUT_SSO=broken, CACHES=REDIS):
        messages = check_settings()
    e001 = " ".join(m.msg for m in messages if m.id == "django_2co_sso.E001")
    for key in ("TIMEOUT", "HASH_ALGORITHM", "SEND_CLIENT_IP"):
        assert key in e001
    # the other keys are still checked: the valid but too long lifetime is E004
    assert "django_2co_sso.E004" in [m.id for m in messages]


@pytest.mark.parametrize("rate", ["30 per minute", "0/m", "5/0m", "abc"])
def test_rate_limit_that_does_not_parse_is_e006(rate: str) -> None:
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap", RATE_LIMIT=rate), CACHES=REDIS):
        assert ids() == ["django_2co_sso.E007"]


@pytest.mark.parametrize("key", sorted(key for key in DEFAULTS if key.endswith("_FUNCTION")))
@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("no_such_module.function", "cannot be imported"),
        ("django_2co_sso.conf.DEFAULTS", "not callable"),
    ],
)
def test_function_setting_that_does_not_import_is_e007(key: str, path: str, problem: str) -> None:
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap", **{key: path}), CACHES=REDIS):
        messages = check_settings()
    assert [m.id for m in messages] == ["django_2co_sso.E008"]
    assert key in messages[0].msg
    assert problem in messages[0].msg


def test_importable_function_settings_pass() -> None:
    functions = {
        "CLIENT_IP_FUNCTION": "django_2co_sso.client_ip.x_forwarded_for",
        "CUSTOMER_REFERENCE_FUNCTION": "django_2co_sso.client_ip.remote_addr",
    }
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap", **functions), CACHES=REDIS):
        assert ids() == []


@pytest.mark.parametrize("debug", [True, False])
def test_plain_http_api_url_on_a_public_host_is_e008_even_with_debug(debug: bool) -> None:
    sso = client_settings("soap", API_URL="http://api.2checkout.com")
    with override_settings(TWOCHECKOUT_SSO=sso, CACHES=REDIS, DEBUG=debug):
        assert ids() == ["django_2co_sso.E009"]


def test_api_url_host_not_in_allowed_sso_hosts_is_w005() -> None:
    sso = client_settings("soap", API_URL="http://127.0.0.1:8765")
    with override_settings(TWOCHECKOUT_SSO=sso, CACHES=REDIS, DEBUG=True):
        messages = check_settings()
    assert [m.id for m in messages] == ["django_2co_sso.W005"]
    assert "'127.0.0.1:8765'" in messages[0].hint
    other_port = {**sso, "ALLOWED_SSO_HOSTS": [".2checkout.com", "127.0.0.1"]}
    with override_settings(TWOCHECKOUT_SSO=other_port, CACHES=REDIS, DEBUG=True):
        assert ids() == ["django_2co_sso.W005"]  # "127.0.0.1" allows the default port only
    allowed = {**sso, "ALLOWED_SSO_HOSTS": [".2checkout.com", "127.0.0.1:8765"]}
    with override_settings(TWOCHECKOUT_SSO=allowed, CACHES=REDIS, DEBUG=True):
        assert ids() == []


def test_redis_cache_without_the_redis_package_is_e009(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "redis" else find_spec(name, *args),
    )
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap"), CACHES=REDIS):
        messages = check_settings()
    assert [m.id for m in messages] == ["django_2co_sso.E010"]
    assert "django-2co-sso[redis]" in messages[0].hint


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
    hosts = (".2checkout.com", ".avangate.com", "api.example.com", "127.0.0.1:8765")
    sso = client_settings("soap", API_URL=api_url, ALLOWED_SSO_HOSTS=hosts)
    with override_settings(TWOCHECKOUT_SSO=sso, DEBUG=debug, CACHES=caches):
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
