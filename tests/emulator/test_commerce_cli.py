"""Command-line options of the cart and the notification sender."""

from __future__ import annotations

import argparse

import pytest

from django_2co_sso.emulator import cli


def parse(*argv: str) -> dict[str, object]:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return vars(parser.parse_args(argv))


def test_repeatable_listener_options_reach_the_emulator() -> None:
    options = parse(
        "--ipn-url",
        "http://127.0.0.1:8000/2checkout/ipn/",
        "--ipn-url",
        "http://127.0.0.1:8001/ipn/",
        "--lcn-url",
        "http://127.0.0.1:8000/2checkout/lcn/",
        "--buy-link-secret",
        "word",
        "--retry-speedup",
        "60",
        "--shop-url",
        "http://127.0.0.1:8000/billing/",
    )
    emulator = cli.build(options)
    assert emulator.notifier.listeners() == {
        "ipn": ["http://127.0.0.1:8000/2checkout/ipn/", "http://127.0.0.1:8001/ipn/"],
        "lcn": ["http://127.0.0.1:8000/2checkout/lcn/"],
    }
    assert emulator.buy_link_secret == "word"
    assert emulator.notifier.speedup == 60
    assert emulator.shop_url == "http://127.0.0.1:8000/billing/"


def test_defaults_and_bad_values() -> None:
    emulator = cli.build(parse())
    assert emulator.notifier.listeners() == {"ipn": [], "lcn": []}
    assert emulator.buy_link_secret == "emulator-buy-link-secret"
    with pytest.raises(ValueError, match="listener URL"):
        cli.build(parse("--lcn-url", "file:///etc/passwd"))
    with pytest.raises(ValueError, match="speed-up"):
        cli.build(parse("--retry-speedup", "-1"))
