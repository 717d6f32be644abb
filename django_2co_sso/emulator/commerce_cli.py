"""Command-line options of the cart and the notification sender (used by :mod:`.cli`).

* ``--ipn-url URL`` / ``--lcn-url URL`` (repeatable): listeners IPN and LCN are posted to;
* ``--buy-link-secret WORD``: the Buy-Link Secret Word cart links are verified with
  (default ``emulator-buy-link-secret``);
* ``--retry-speedup FACTOR``: divide 2Checkout's retry schedule (default 1 = real time);
* ``--shop-url URL``: where the cart's and myAccount's "Back to the shop" links lead.
"""

from __future__ import annotations

import argparse
from typing import Any

from .emulator import DEFAULT_BUY_LINK_SECRET


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the commerce options to ``parser``."""
    group = parser.add_argument_group("cart and notifications")
    group.add_argument(
        "--ipn-url",
        action="append",
        default=[],
        metavar="URL",
        help="IPN listener URL (repeatable; default: none)",
    )
    group.add_argument(
        "--lcn-url",
        action="append",
        default=[],
        metavar="URL",
        help="LCN listener URL (repeatable; default: none)",
    )
    group.add_argument(
        "--buy-link-secret",
        default=DEFAULT_BUY_LINK_SECRET,
        metavar="WORD",
        help="Buy-Link Secret Word that cart links are signed with (default: %(default)s)",
    )
    group.add_argument(
        "--retry-speedup",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="divide 2Checkout's notification retry schedule by FACTOR (default: %(default)s)",
    )
    group.add_argument(
        "--shop-url",
        default=None,
        metavar="URL",
        help='where "Back to the shop" links lead (default: none)',
    )


def emulator_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    """The :class:`~.emulator.Emulator` keyword arguments of parsed commerce options."""
    return {
        "ipn_urls": tuple(options.get("ipn_url") or ()),
        "lcn_urls": tuple(options.get("lcn_url") or ()),
        "buy_link_secret": options.get("buy_link_secret") or DEFAULT_BUY_LINK_SECRET,
        "retry_speedup": float(options.get("retry_speedup") or 1.0),
        "shop_url": options.get("shop_url"),
    }
