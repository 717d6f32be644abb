"""Django settings for the benchmark: the example project's, with what a benchmark must fix.

The example project (``example_project/demo_site/settings.py``) reads its settings from the
environment; the harness (``python -m bench``) sets those variables for every server it
starts: ``DATABASE_URL`` (a SQLite file in ``bench/.work/``), ``REDIS_URL``,
``TWOCHECKOUT_BACKEND``, ``TWOCHECKOUT_API_URL`` (the emulator), ``DJANGO_DEBUG=false``.
What the example cannot be told from the environment is set here:

* ``RATE_LIMIT`` None: one shopper clicks thousands of times;
* ``CACHE_KEY_PREFIX`` from ``BENCH_SSO_PREFIX``: each phase of the run starts with no
  sessionID and a closed circuit breaker; Django's cache ``KEY_PREFIX`` from
  ``BENCH_CACHE_PREFIX``, so the run's keys can be deleted at the end (never a FLUSHDB);
* ``WSDL_CACHE_PATH`` from ``BENCH_WSDL_CACHE`` (empty: none); ``CA_BUNDLE`` from
  ``BENCH_CA_BUNDLE`` (the run's throwaway CA when the emulator serves https);
* persistent database connections and, for SQLite, ``synchronous=NORMAL`` (see below);
* logging to a file (``BENCH_APP_LOG``) instead of the console, the app's INFO line per
  upstream call included, as a production server would;
* ``ALLOWED_HOSTS`` with ``testserver`` (the in-process measurements).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_EXAMPLE = Path(__file__).resolve().parent.parent / "example_project"
if str(_EXAMPLE) not in sys.path:
    sys.path.insert(0, str(_EXAMPLE))

from demo_site.settings import *  # noqa: E402, F403
from demo_site.settings import CACHES, DATABASES, TWOCHECKOUT_SSO  # noqa: E402

BENCH_BASE_SETTINGS = "demo_site.settings"
BENCH_BASE_URLCONF = ROOT_URLCONF  # noqa: F405
ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

# Persistent connections, as a production site keeps them. With Django's default (0) every
# request opens the SQLite file and closes it at the end, and closing the last connection
# checkpoints the WAL: milliseconds per request that belong to neither the library nor the
# redirect (BENCH_CONN_MAX_AGE=0 measures that too).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("BENCH_CONN_MAX_AGE", "600"))
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL (set once on the file by `bench.inprocess setup`) lets readers run beside the
    # one writer; NORMAL syncs the WAL at checkpoints, not at every audit-row INSERT.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA synchronous=NORMAL;"}
    )

CACHES["default"]["KEY_PREFIX"] = os.environ.get("BENCH_CACHE_PREFIX", "bench")

TWOCHECKOUT_SSO = {
    **TWOCHECKOUT_SSO,
    "WSDL_CACHE_PATH": os.environ.get("BENCH_WSDL_CACHE") or None,
    "CACHE_KEY_PREFIX": os.environ.get("BENCH_SSO_PREFIX", "twocheckout_sso"),
    "RATE_LIMIT": None,
    # the WAN run's throwaway CA (the emulator serves https through the delay proxy)
    "CA_BUNDLE": os.environ.get("BENCH_CA_BUNDLE") or None,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(process)d %(levelname)s %(message)s"}},
    "handlers": {
        "file": {
            "class": "logging.FileHandler",
            "filename": os.environ.get("BENCH_APP_LOG", "bench/.work/app.log"),
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["file"], "level": "WARNING"},
    "loggers": {"django_2co_sso": {"level": "INFO"}},
}
