"""System checks and setting validation of the sync keys (webhooks and buy links)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from django_2co_sso.checks import check_settings
from django_2co_sso.conf import get_config
from django_2co_sso.exceptions import ConfigurationError


def ids() -> list[str]:
    return [message.id for message in check_settings() if message.id]


@pytest.fixture
def template_dir(tmp_path: Path, settings: Any) -> Path:
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    (tmp_path / "shop").mkdir()
    return tmp_path


def test_buy_link_tag_without_secret_is_e101(template_dir: Path, sso_settings: Any) -> None:
    assert "django_2co_sso.E101" not in ids()
    (template_dir / "shop" / "plans.html").write_text(
        '{% load twocheckout_sso %}<a href="{%  buy_link_url "PRO" %}">Buy</a>'
    )
    messages = [m for m in check_settings() if m.id == "django_2co_sso.E101"]
    assert len(messages) == 1
    assert "plans.html" in messages[0].msg
    sso_settings(BUY_LINK_SECRET="secret-word")
    assert "django_2co_sso.E101" not in ids()


def test_listeners_without_any_key_are_e102(sso_settings: Any) -> None:
    sso_settings(SECRET_KEY="")  # the locmem backend needs none, the listeners do
    assert "django_2co_sso.E102" in ids()
    sso_settings(SECRET_KEY="", WEBHOOK_ACCOUNTS={"main": "k"})
    assert "django_2co_sso.E102" not in ids()


def test_listeners_not_routed_need_no_key(sso_settings: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.integration.urls_without_webhooks"
    sso_settings(SECRET_KEY="")
    assert "django_2co_sso.E102" not in ids()


def test_plain_http_buy_links_in_production_are_w101(sso_settings: Any, settings: Any) -> None:
    settings.DEBUG = False
    sso_settings(BUY_LINK_URL="http://127.0.0.1:8765/checkout/buy")
    assert "django_2co_sso.W101" in ids()
    settings.DEBUG = True
    assert "django_2co_sso.W101" not in ids()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://secure.2checkout.com/checkout/buy", False),
        ("https://secure.avangate.com/checkout/buy", False),
        ("https://secure.2checkout.com.evil.example/checkout/buy", True),
        ("https://shop.example.com/checkout/buy", True),
        ("http://127.0.0.1:8765/checkout/buy", True),  # the emulator: fine with DEBUG on
    ],
)
def test_buy_links_off_2checkout_in_production_are_w102(
    sso_settings: Any, settings: Any, url: str, expected: bool
) -> None:
    settings.DEBUG = False
    sso_settings(BUY_LINK_URL=url)
    assert ("django_2co_sso.W102" in ids()) is expected
    settings.DEBUG = True
    assert "django_2co_sso.W102" not in ids()


@pytest.mark.parametrize("key", ["WEBHOOK_ACCOUNTS_FUNCTION", "CUSTOMER_MAPPING_FUNCTION"])
def test_function_keys_must_import(sso_settings: Any, key: str) -> None:
    sso_settings(**{key: "tests.nowhere.function"})
    assert "django_2co_sso.E008" in ids()


@pytest.mark.parametrize(
    "keys",
    [
        {"WEBHOOK_WEAKEST_ALGORITHM": "sha1"},
        {"WEBHOOK_ACCOUNTS": ["key"]},
        {"WEBHOOK_ACCOUNTS": {"main": ""}},
        {"WEBHOOK_ACCOUNTS": {"x" * 65: "k"}},
        {"WEBHOOK_MAX_BODY_SIZE": 10},
        {"WEBHOOK_IGNORE_TEST_NOTIFICATIONS": "yes"},
        {"BUY_LINK_URL": "ftp://example.com/buy"},
        {"BUY_LINK_URL": "https://secure.2checkout.com/checkout/buy?merchant=X"},
        {"BUY_LINK_SIGNED_PARAMETERS": "customer-ext-ref"},
    ],
)
def test_bad_sync_values_are_configuration_errors(sso_settings: Any, keys: dict[str, Any]) -> None:
    sso_settings(**keys)
    with pytest.raises(ConfigurationError):
        get_config()
    assert "django_2co_sso.E001" in ids()


def test_secrets_stay_out_of_the_config_repr(sso_settings: Any) -> None:
    sso_settings(BUY_LINK_SECRET="buy-secret-xyz", WEBHOOK_ACCOUNTS={"eu": "eu-key-xyz"})
    text = repr(get_config())
    assert "buy-secret-xyz" not in text
    assert "eu-key-xyz" not in text
