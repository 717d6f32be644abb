"""pytest fixtures running the 2Checkout emulator (registered as a ``pytest11`` plugin).

* ``twocheckout_emulator_options`` (session): keyword arguments for :class:`~.Emulator`
  (default ``{}``: merchant ``EMULATOR``, secret ``emulator-secret-key``, packaged seed, no
  control token). Override it in a ``conftest.py`` to change the merchant or the seed, or to
  require a control token (``{"control_token": "..."}``); a test that calls ``/__emulator__/``
  over HTTP then sends ``emulator.control_headers`` (empty when there is no token).
* ``twocheckout_emulator_server`` (session): the emulator, started on a free 127.0.0.1 port in
  a background thread, stopped at the end of the session. Needs no Django.
* ``twocheckout_emulator`` (function): resets the emulator, clears the Django cache (default and
  ``TWOCHECKOUT_SSO["CACHE_ALIAS"]``) before and after the test, and within
  ``override_settings`` points ``TWOCHECKOUT_SSO`` at the emulator: ``API_URL`` = its base URL,
  ``MERCHANT_CODE``/``SECRET_KEY`` = its own, ``"127.0.0.1:<its port>"`` appended to
  ``ALLOWED_SSO_HOSTS``
  (default ``(".2checkout.com", ".avangate.com")``). Other keys (``BACKEND`` included) are kept.
  Yields the :class:`~.Emulator`; point its notifications at your listeners with
  ``twocheckout_emulator.set_listeners(ipn=[url], lcn=[url])`` (pytest-django's
  ``live_server.url`` + the listener path) and wait for them with
  ``wait_for_notifications()``. A reset restores the listeners it was created with. When
  the default database is SQLite in memory (one connection, shared by a live server's
  threads), notifications are delivered one at a time for the test.

Importing this module touches no Django setting and loads no emulator code (fixtures do).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from .emulator import Emulator

DEFAULT_ALLOWED_SSO_HOSTS = (".2checkout.com", ".avangate.com")


def sso_settings_for(emulator: Emulator, current: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a copy of the ``TWOCHECKOUT_SSO`` dict ``current`` pointed at ``emulator``."""
    settings = dict(current or {})
    hosts = tuple(settings.get("ALLOWED_SSO_HOSTS", DEFAULT_ALLOWED_SSO_HOSTS))
    own = urlsplit(emulator.base_url).netloc  # "127.0.0.1:<port>": this port only
    if own not in hosts:
        hosts = (*hosts, own)
    settings.update(
        API_URL=emulator.base_url,
        MERCHANT_CODE=emulator.merchant_code,
        SECRET_KEY=emulator.secret_key,
        ALLOWED_SSO_HOSTS=hosts,
    )
    return settings


@pytest.fixture(scope="session")
def twocheckout_emulator_options() -> dict[str, Any]:
    """Keyword arguments for the session's :class:`~.Emulator`; override to customise."""
    return {}


@pytest.fixture(scope="session")
def twocheckout_emulator_server(
    twocheckout_emulator_options: dict[str, Any],
) -> Iterator[Emulator]:
    """The emulator running on a free 127.0.0.1 port for the whole session."""
    from .emulator import Emulator

    emulator = Emulator(**twocheckout_emulator_options)
    emulator.start("127.0.0.1", 0)
    try:
        yield emulator
    finally:
        emulator.stop()


def _clear_caches(sso: Mapping[str, Any]) -> None:
    from django.core.cache import caches

    aliases = {"default", str(sso.get("CACHE_ALIAS", "default"))}
    for alias in aliases:
        try:
            caches[alias].clear()
        except Exception:  # noqa: S112 - an unknown alias is the settings' problem, not ours
            continue


@pytest.fixture
def twocheckout_emulator(twocheckout_emulator_server: Emulator) -> Iterator[Emulator]:
    """The reset emulator, with Django's ``TWOCHECKOUT_SSO`` pointed at it for this test."""
    from django.conf import settings
    from django.test import override_settings

    emulator = twocheckout_emulator_server
    emulator.reset()
    sso = sso_settings_for(emulator, getattr(settings, "TWOCHECKOUT_SSO", None))
    _clear_caches(sso)
    workers = emulator.notifier.workers
    if _shared_sqlite():
        emulator.notifier.workers = 1
    with override_settings(TWOCHECKOUT_SSO=sso):
        try:
            yield emulator
        finally:
            emulator.notifier.workers = workers
            _clear_caches(sso)


def _shared_sqlite() -> bool:
    """Whether the default database is SQLite in memory: one connection that a live
    server's threads share, so two notifications processed at once would collide."""
    from django.db import connections
    from django.utils.connection import ConnectionDoesNotExist

    try:
        connection = connections["default"]
    except ConnectionDoesNotExist:  # no database configured: nothing to protect
        return False
    in_memory = getattr(connection, "is_in_memory_db", None)
    return connection.vendor == "sqlite" and callable(in_memory) and bool(in_memory())
