"""Command-line options shared by ``python -m django_2co_sso.emulator`` and
``manage.py twocheckout_emulator``.

Options: ``--host`` (127.0.0.1), ``--port`` (8765; 0 = any free port), ``--data`` (seed JSON
file; default: the packaged seed), ``--merchant`` (EMULATOR), ``--secret``
(emulator-secret-key), ``--public-url`` (base URL put in answers), ``--max-clock-skew``
(seconds, 900), ``--tls-cert``/``--tls-key`` (serve https with this PEM chain and key),
``--reference-wsdl`` (a WSDL the size of the real API's), the cart and notification options
of :mod:`.commerce_cli` (``--ipn-url``, ``--lcn-url``, ``--buy-link-secret``,
``--retry-speedup``, ``--shop-url``), ``--verbose`` (log method, path,
status and service time of each request; never query strings, bodies or secrets). On start
it prints ``2Checkout emulator listening on <base URL> (merchant code <CODE>)`` and serves
until interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from . import commerce_cli
from .emulator import DEFAULT_MERCHANT_CODE, DEFAULT_SECRET_KEY, Emulator
from .tls import server_context


class Writer(Protocol):
    """Where the start-up line goes (a text stream, or Django's ``OutputWrapper``)."""

    def write(self, text: str, /) -> Any:
        """Write ``text``."""

    def flush(self) -> None:
        """Flush."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (0 = any free port)")
    parser.add_argument("--data", default=None, help="seed JSON file (default: packaged seed)")
    parser.add_argument("--merchant", default=DEFAULT_MERCHANT_CODE, help="merchant code")
    parser.add_argument("--secret", default=DEFAULT_SECRET_KEY, help="merchant secret key")
    parser.add_argument("--public-url", default=None, help="base URL to put in answers")
    parser.add_argument(
        "--max-clock-skew",
        type=float,
        default=900.0,
        help="seconds a login date may differ from real UTC time",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="log each request (never secrets or tokens)"
    )
    parser.add_argument("--tls-cert", default=None, help="serve https: certificate chain (PEM)")
    parser.add_argument("--tls-key", default=None, help="serve https: private key (PEM)")
    parser.add_argument(
        "--reference-wsdl",
        action="store_true",
        help="serve a WSDL the size of the real API's (its other operations as stubs)",
    )
    commerce_cli.add_arguments(parser)


def build(options: dict[str, Any]) -> Emulator:
    """Create (not start) an emulator from parsed option values.

    Raises :class:`ValueError` when only one of ``tls_cert`` and ``tls_key`` is given, and
    :class:`OSError` when they cannot be loaded.
    """
    cert, key = options.get("tls_cert"), options.get("tls_key")
    if bool(cert) != bool(key):
        raise ValueError("--tls-cert and --tls-key go together")
    return Emulator(
        merchant_code=options["merchant"],
        secret_key=options["secret"],
        seed=options.get("data"),
        max_clock_skew=options.get("max_clock_skew", 900.0),
        public_url=options.get("public_url"),
        verbose=bool(options.get("verbose")),
        tls=server_context(cert, key) if cert and key else None,
        reference_wsdl=bool(options.get("reference_wsdl")),
        **commerce_cli.emulator_kwargs(options),
    )


def run(options: dict[str, Any], out: Writer | None = None) -> None:
    """Start the emulator with ``options`` and serve until interrupted."""
    if options.get("verbose"):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        logging.getLogger("django_2co_sso.emulator").setLevel(logging.INFO)
    emulator = build(options)
    base_url = emulator.bind(options["host"], options["port"])
    out = out if out is not None else sys.stdout
    out.write(
        f"2Checkout emulator listening on {base_url} (merchant code {emulator.merchant_code})\n"
    )
    out.flush()

    def _stop(signum: int, frame: object) -> None:
        threading.Thread(target=emulator.stop, daemon=True).start()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m django_2co_sso.emulator``."""
    parser = argparse.ArgumentParser(
        prog="python -m django_2co_sso.emulator",
        description="Run a local 2Checkout API emulator (SOAP, JSON-RPC, REST, SSO pages).",
    )
    add_arguments(parser)
    try:
        run(vars(parser.parse_args(argv)))
    except (OSError, ValueError) as exc:
        parser.exit(1, f"error: {exc}\n")
