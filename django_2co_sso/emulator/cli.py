"""Command-line options shared by ``python -m django_2co_sso.emulator`` and
``manage.py twocheckout_emulator``.

Options (``--help`` shows each default): ``--host`` (127.0.0.1; a non-loopback address starts
with a warning), ``--port`` (8765; 0 = any free port), ``--data`` (seed JSON file; default: the
packaged seed), ``--merchant`` (EMULATOR), ``--secret`` (emulator-secret-key), ``--public-url``
(base URL put in answers), ``--control-token`` (the ``X-Emulator-Token`` that
``/__emulator__/`` requires; default: a random one), ``--allowed-host`` (a ``Host`` name to
answer besides loopback names and IP addresses; repeatable; ``*`` = any),
``--max-connections`` (served at once, 256; more are answered 503), ``--max-clock-skew``
(seconds, 900), ``--tls-cert``/``--tls-key`` (serve https with this PEM chain and key),
``--reference-wsdl`` (a WSDL with every operation of the API reference), the cart and
notification options of :mod:`.commerce_cli` (``--ipn-url``, ``--lcn-url``,
``--buy-link-secret``, ``--retry-speedup``, ``--shop-url``), ``--verbose`` (log method,
path, status and service time of each request; never query strings, bodies or secrets). On
start it prints ``2Checkout emulator listening on <base URL> (merchant code <CODE>)``, then
what a project needs to use it (:func:`startup_text`: merchant code, secret key, control
token and a ready-to-paste ``TWOCHECKOUT_SSO`` block), and serves until interrupted (Ctrl-C
or SIGTERM). Bad options, a port in use and a broken seed file end with one line naming the
problem (:class:`CommandLineError`), never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import secrets
import signal
import ssl
import sys
import threading
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from . import commerce_cli
from .emulator import DEFAULT_MERCHANT_CODE, DEFAULT_SECRET_KEY, Emulator
from .guard import TOKEN_HEADER, is_loopback
from .limits import DEFAULT_MAX_CONNECTIONS, Limits
from .tls import server_context

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class CommandLineError(ValueError):
    """The emulator cannot start as asked; the message says why in one line (a
    :class:`ValueError`, as :func:`build` raised before it existed)."""


class Writer(Protocol):
    """Where the start-up text goes (a text stream, or Django's ``OutputWrapper``)."""

    def write(self, text: str, /) -> Any:
        """Write ``text``."""

    def flush(self) -> None:
        """Flush."""


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return port


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return value


def _non_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options to ``parser``."""
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help="TCP port, 0 = any free port (default: %(default)s)",
    )
    parser.add_argument("--data", default=None, help="seed JSON file (default: the packaged seed)")
    parser.add_argument(
        "--merchant",
        type=_non_empty,
        default=DEFAULT_MERCHANT_CODE,
        help="merchant code (default: %(default)s)",
    )
    parser.add_argument(
        "--secret",
        type=_non_empty,
        default=DEFAULT_SECRET_KEY,
        help="merchant secret key (default: %(default)s)",
    )
    parser.add_argument(
        "--public-url",
        default=None,
        help="base URL to put in answers (default: http://HOST:PORT)",
    )
    parser.add_argument(
        "--control-token",
        type=_non_empty,
        default=None,
        help=f"token /__emulator__/ requires in the {TOKEN_HEADER} header "
        "(default: a random token, printed at start)",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a Host name to answer besides loopback names and IP addresses; repeatable; "
        "'*' = any (default: none)",
    )
    parser.add_argument(
        "--max-connections",
        type=_positive_int,
        default=DEFAULT_MAX_CONNECTIONS,
        help="connections served at once; more are answered 503 (default: %(default)s)",
    )
    parser.add_argument(
        "--max-clock-skew",
        type=float,
        default=900.0,
        help="seconds a login date may differ from real UTC time (default: %(default)s)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="log each request (never secrets or tokens)"
    )
    parser.add_argument("--tls-cert", default=None, help="serve https: certificate chain (PEM)")
    parser.add_argument("--tls-key", default=None, help="serve https: private key (PEM)")
    parser.add_argument(
        "--reference-wsdl",
        action="store_true",
        help="serve a WSDL with every operation of the API reference (the others as stubs)",
    )
    commerce_cli.add_arguments(parser)


def build(options: dict[str, Any]) -> Emulator:
    """Create (not start) an emulator from parsed option values.

    A missing ``control_token`` gets a random one. Raises :class:`CommandLineError` for a
    seed that cannot be loaded (the message names the file), an invalid value, only one of
    ``tls_cert`` and ``tls_key``, or TLS files that cannot be loaded.
    """
    cert, key = options.get("tls_cert"), options.get("tls_key")
    if bool(cert) != bool(key):
        raise CommandLineError("--tls-cert and --tls-key go together")
    try:
        tls = server_context(cert, key) if cert and key else None
    except (OSError, ssl.SSLError) as exc:
        raise CommandLineError(f"cannot load --tls-cert {cert} / --tls-key {key}: {exc}") from None
    try:
        return Emulator(
            merchant_code=options["merchant"],
            secret_key=options["secret"],
            seed=options.get("data"),
            max_clock_skew=options.get("max_clock_skew", 900.0),
            public_url=options.get("public_url"),
            verbose=bool(options.get("verbose")),
            control_token=options.get("control_token") or secrets.token_hex(16),
            allowed_hosts=options.get("allowed_host") or (),
            limits=Limits(
                max_connections=options.get("max_connections") or DEFAULT_MAX_CONNECTIONS
            ),
            tls=tls,
            reference_wsdl=bool(options.get("reference_wsdl")),
            **commerce_cli.emulator_kwargs(options),
        )
    except ValueError as exc:
        raise CommandLineError(str(exc)) from None


def bind(emulator: Emulator, host: str, port: int) -> str:
    """Bind ``emulator`` to ``host:port`` and return its base URL; raise
    :class:`CommandLineError` naming the address when that is impossible."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        return emulator.bind(host, port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EADDRINUSE:
            reason = (
                f"port {port} is already in use; stop what uses it, choose another --port, "
                "or use --port 0 for any free port"
            )
        raise CommandLineError(f"cannot listen on {where}: {reason}") from None
    except OverflowError:
        raise CommandLineError(f"cannot listen on {where}: not a port number") from None


def settings_block(emulator: Emulator) -> str:
    """A ``TWOCHECKOUT_SSO = {...}`` Python block pointing a Django project at ``emulator``
    (``PARTNER_PANEL_URL`` follows ``API_URL``, so the block does not need it)."""
    base_url = emulator.base_url
    # host:port, as ALLOWED_SSO_HOSTS wants it (an entry without a port allows port 80/443 only).
    host = urlsplit(base_url).netloc
    values = {
        "API_URL": json.dumps(base_url),
        "MERCHANT_CODE": json.dumps(emulator.merchant_code),
        "SECRET_KEY": json.dumps(emulator.secret_key),
        "ALLOWED_SSO_HOSTS": f"({json.dumps(host)},)",
    }
    lines = [f"    {json.dumps(key)}: {value}," for key, value in values.items()]
    return "\n".join(["TWOCHECKOUT_SSO = {", *lines, "}"])


def startup_text(emulator: Emulator) -> str:
    """What the command line prints once listening: the base URL, the account, the control
    token and the settings block (see the module docstring)."""
    lines = [
        f"2Checkout emulator listening on {emulator.base_url} "
        f"(merchant code {emulator.merchant_code})",
        f"  API URL:        {emulator.base_url}",
        f"  Merchant code:  {emulator.merchant_code}",
        f"  Secret key:     {emulator.secret_key}",
    ]
    if emulator.control_token:
        lines.append(
            f"  Control token:  {emulator.control_token}  "
            f"(send it as {TOKEN_HEADER} to {emulator.base_url}/__emulator__/)"
        )
        lines.append(
            f"  Operator page:  {emulator.base_url}/__emulator__/operator"
            f"?token={emulator.control_token}"
        )
    lines += [
        "",
        "Paste into your Django settings to use it:",
        "",
        settings_block(emulator),
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines) + "\n"


def bind_warning(host: str) -> str | None:
    """A warning for a bind address other machines can reach, or None for loopback."""
    if is_loopback(host):
        return None
    shown = host or "all interfaces"
    return (
        f"WARNING: the emulator listens on {shown}, which other machines may reach: it holds "
        "customer data and fake credentials. Use --host 127.0.0.1 unless you mean it "
        "(other machines must then use an IP address or a name given with --allowed-host).\n"
    )


def run(options: dict[str, Any], out: Writer | None = None, err: Writer | None = None) -> None:
    """Start the emulator with ``options`` and serve until interrupted.

    Raises :class:`CommandLineError` when it cannot start.
    """
    if options.get("verbose"):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        logging.getLogger("django_2co_sso.emulator").setLevel(logging.INFO)
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    emulator = build(options)
    warning = bind_warning(options["host"])
    if warning:
        err.write(warning)
        err.flush()
    bind(emulator, options["host"], options["port"])
    out.write(startup_text(emulator))
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
    except CommandLineError as exc:
        parser.exit(1, f"error: {exc}\n")
