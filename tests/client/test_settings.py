"""The TWOCHECKOUT_SSO setting: defaults, validation, laziness, and get_backend reuse."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_2co_sso import get_backend
from django_2co_sso.backends.jsonrpc import JsonRpcBackend
from django_2co_sso.backends.locmem import LocmemBackend
from django_2co_sso.backends.soap import SoapBackend
from django_2co_sso.conf import DEFAULTS, get_config
from django_2co_sso.exceptions import ConfigurationError, TwoCheckoutError
from tests.client.conftest import SECRET, client_settings


def test_defaults_apply_when_setting_is_absent() -> None:
    with override_settings(TWOCHECKOUT_SSO=None):
        config = get_config()
    assert config.backend == "django_2co_sso.backends.soap.SoapBackend"
    assert config.api_url == "https://api.2checkout.com"
    assert config.hash_algorithm == "sha256"
    assert config.session_lifetime < 600
    assert config.default_validity_time == 10
    assert config.endpoint("soap") == "https://api.2checkout.com/soap/6.0/"
    assert config.endpoint("rpc") == "https://api.2checkout.com/rpc/6.0/"
    assert config.endpoint("rest") == "https://api.2checkout.com/rest/6.0/"
    assert config.wsdl_location == "https://api.2checkout.com/soap/6.0/?wsdl"


def test_every_default_key_is_a_config_field() -> None:
    config = get_config()
    for key in DEFAULTS:
        assert hasattr(config, key.lower()), key


def test_unknown_key_is_an_error_naming_it() -> None:
    with (
        override_settings(TWOCHECKOUT_SSO={"MERCHANT_CODE": "X", "TIMEOUTT": 3}),
        pytest.raises(ConfigurationError, match="TIMEOUTT"),
    ):
        get_config()


def test_configuration_error_is_improperly_configured_and_in_hierarchy() -> None:
    assert issubclass(ConfigurationError, ImproperlyConfigured)
    assert issubclass(ConfigurationError, TwoCheckoutError)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("TIMEOUT", 0),
        ("TIMEOUT", "10"),
        ("SESSION_LIFETIME", 1.5),
        ("HASH_ALGORITHM", "sha1"),
        ("API_URL", "api.2checkout.com"),
        ("ALLOWED_SSO_HOSTS", ".2checkout.com"),
        ("SEND_CLIENT_IP", "yes"),
        ("DEFAULT_VALIDITY_TIME", 1000),
        ("MERCHANT_CODE", None),
    ],
)
def test_invalid_values_are_refused(key: str, value: object) -> None:
    with override_settings(TWOCHECKOUT_SSO={key: value}), pytest.raises(ConfigurationError):
        get_config()


def test_setting_is_read_lazily_at_call_time() -> None:
    with override_settings(TWOCHECKOUT_SSO={"TIMEOUT": 3}):
        assert get_config().timeout == 3.0
    with override_settings(TWOCHECKOUT_SSO={"TIMEOUT": 7}):
        assert get_config().timeout == 7.0


def test_repr_of_config_and_backend_hide_the_secret() -> None:
    with override_settings(TWOCHECKOUT_SSO=client_settings("rpc")):
        assert SECRET not in repr(get_config())
        assert SECRET not in repr(get_backend())
        assert SECRET not in repr(get_backend().sessions)


def test_get_backend_is_reused_until_the_setting_changes() -> None:
    with override_settings(TWOCHECKOUT_SSO=client_settings("rpc")):
        first = get_backend()
        assert get_backend() is first
        assert isinstance(first, JsonRpcBackend)
    with override_settings(TWOCHECKOUT_SSO=client_settings("soap")):
        second = get_backend()
        assert isinstance(second, SoapBackend)
    with override_settings(TWOCHECKOUT_SSO=client_settings("rpc", TIMEOUT=2)):
        assert get_backend() is not first
        assert get_backend().config.timeout == 2


def test_get_backend_overrides_give_another_account() -> None:
    with override_settings(TWOCHECKOUT_SSO=client_settings("rpc")):
        default = get_backend()
        other = get_backend(MERCHANT_CODE="OTHER", SECRET_KEY="other-secret")
        assert other is not default
        assert other.config.merchant_code == "OTHER"
        assert default.config.merchant_code == "TESTMERCH"
        assert get_backend(MERCHANT_CODE="OTHER", SECRET_KEY="other-secret") is other
        with pytest.raises(ConfigurationError, match="NOPE"):
            get_backend(NOPE=1)


def test_backend_path_that_does_not_import_is_a_configuration_error() -> None:
    with (
        override_settings(TWOCHECKOUT_SSO={"BACKEND": "no.such.Backend"}),
        pytest.raises(ConfigurationError, match="cannot be imported"),
    ):
        get_backend()
    with (
        override_settings(TWOCHECKOUT_SSO={"BACKEND": "django_2co_sso.conf.SSOConfig"}),
        pytest.raises(ConfigurationError, match="not a django_2co_sso backend"),
    ):
        get_backend()


def test_locmem_is_the_test_settings_backend() -> None:
    assert isinstance(get_backend(), LocmemBackend)


def test_config_is_kept_until_django_announces_a_change() -> None:
    first = get_config()
    assert get_config() is first  # not merged and validated again on every call
    with override_settings(TWOCHECKOUT_SSO={"TIMEOUT": 4}):
        assert get_config() is not first
        assert get_config().timeout == 4.0
    assert get_config() == first
    assert get_config(TIMEOUT=6).timeout == 6.0  # overrides are never kept
    assert get_config() == first


@pytest.mark.parametrize(
    ("api_url", "panel"),
    [
        ("https://api.2checkout.com", "https://secure.2checkout.com/cpanel/"),
        ("https://api.avangate.com/", "https://secure.2checkout.com/cpanel/"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/cpanel/index.php"),
        ("http://localhost:9000/", "http://localhost:9000/cpanel/index.php"),
    ],
)
def test_partner_panel_url_follows_api_url_when_unset(api_url: str, panel: str) -> None:
    with override_settings(TWOCHECKOUT_SSO={"API_URL": api_url}):
        assert get_config().partner_panel_url == panel


def test_partner_panel_url_set_explicitly_is_kept() -> None:
    own = "https://secure.2checkout.com/cpanel/partners.php"
    with override_settings(
        TWOCHECKOUT_SSO={"API_URL": "http://127.0.0.1:1", "PARTNER_PANEL_URL": own}
    ):
        assert get_config().partner_panel_url == own


def test_partner_panel_url_that_is_not_a_url_is_an_error() -> None:
    with (
        override_settings(TWOCHECKOUT_SSO={"PARTNER_PANEL_URL": "cpanel/index.php"}),
        pytest.raises(ConfigurationError, match="PARTNER_PANEL_URL"),
    ):
        get_config()


def test_every_bad_key_is_named_in_one_error() -> None:
    with (
        override_settings(TWOCHECKOUT_SSO={"TIMEOUT": "1", "SEND_CLIENT_IP": 1}),
        pytest.raises(ConfigurationError, match=r"TIMEOUT.*SEND_CLIENT_IP"),
    ):
        get_config()
