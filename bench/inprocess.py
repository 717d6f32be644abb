"""The parts of the benchmark that run inside a Django process (``python -m bench.inprocess``).

``setup``
    Migrates the bench database (SQLite in WAL mode by default), creates one shopper linked
    to the emulator's customer ``shop-customer-1`` and prints a logged-in session cookie.
``layers``
    Times, interleaved in blocks, in this one process: the floor (a bare keep-alive
    ``requests`` call with a prebuilt body), the API client alone
    (``get_backend().customer_sso_url``), and the whole Django app (the WSGI handler
    gunicorn calls, with the session cookie); counts the SQL queries of one redirect and
    the cache operations of a run of redirects (the client remembers the sessionID and a
    closed circuit breaker in the process, so most redirects read nothing); and profiles
    the app with pyinstrument (when installed), attributing the time to components.

Every command prints one JSON line last.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

from bench.floor import CUSTOMER, Floor, login_session_id

USERNAME = "bench-shopper"
BILLING_PATH = "/account/billing/"


def _setup() -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from django_2co_sso.models import CustomerLink

    call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=USERNAME)
    CustomerLink.objects.filter(external_reference=CUSTOMER).exclude(user=user).delete()
    CustomerLink.objects.update_or_create(user=user, defaults={"external_reference": CUSTOMER})
    client = Client()
    client.force_login(user)
    return {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "cookie": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "session_engine": settings.SESSION_ENGINE,
        "database": connection.vendor,
        "base_settings": settings.BENCH_BASE_SETTINGS,
    }


# -- layers ----------------------------------------------------------------------------------


def _wsgi_caller(
    cookie_name: str, cookie: str, path: str = BILLING_PATH, status: str = "302"
) -> Callable[[], None]:
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def call() -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_COOKIE": f"{cookie_name}={cookie}",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        answer: list[str] = []

        def start_response(line: str, headers: list[Any], exc_info: Any = None) -> Any:
            answer.append(line)
            return lambda data: None

        body = handler(environ, start_response)
        try:
            for _chunk in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        if not answer or not answer[0].startswith(status):
            raise RuntimeError(f"{path} answered {answer[:1]}")

    return call


def _client_caller() -> Callable[[], None]:
    from django_2co_sso import get_backend

    def call() -> None:
        get_backend().customer_sso_url(
            CUSTOMER, reference_type="external", language="en", validation_ip="127.0.0.1"
        )

    return call


def _naive_caller(protocol: str, api_url: str) -> Callable[[], None]:
    """The naive client work alone (bench/views.py's, without Django around it)."""
    from bench import views

    naive = {"soap": views._naive_soap, "rpc": views._naive_rpc, "rest": views._naive_rest}[
        protocol
    ]
    api = api_url.rstrip("/")

    def call() -> None:
        naive(api, "EMULATOR", "emulator-secret-key", CUSTOMER, "127.0.0.1")

    return call


def _timed(function: Callable[[], Any], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _count_operations(call: Callable[[], None], repeat: int = 1) -> dict[str, Any]:
    """SQL queries and cache operations of ``repeat`` calls of ``call``, and their time."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache_class = type(caches["default"])
    names = ("get", "set", "add", "delete", "incr", "get_many", "set_many", "delete_many", "touch")
    seen: list[str] = []
    originals = {}
    for name in names:
        original = getattr(cache_class, name, None)
        if original is None:
            continue
        originals[name] = original

        def wrapper(
            self: Any, *args: Any, _name: str = name, _orig: Any = original, **kw: Any
        ) -> Any:
            key = str(args[0]) if args else ""
            seen.append(f"{_name} {key.split(':')[1] if ':' in key else key}")
            return _orig(self, *args, **kw)

        setattr(cache_class, name, wrapper)
    started = time.perf_counter()
    try:
        with CaptureQueriesContext(connection) as queries:
            for _ in range(repeat):
                call()
    finally:
        for name, original in originals.items():
            setattr(cache_class, name, original)
    elapsed = time.perf_counter() - started
    sql = [query["sql"].split(" WHERE ")[0].split(" VALUES ")[0][:90] for query in queries]
    return {"sql": sql, "cache": seen, "count": repeat, "seconds": elapsed}


#: Components a profile sample is charged to: the innermost matching frame wins.
_COMPONENTS = (
    ("cache (Redis client, round trips)", ("/redis/", "django/core/cache/")),
    (
        "upstream HTTP (requests, urllib3, socket wait)",
        ("/urllib3/", "/requests/", "http/client.py"),
    ),
    ("zeep (envelope build, response parse, WSDL)", ("/zeep/", "/lxml/")),
    ("database (connect, ORM, SQLite)", ("django/db/",)),
    ("logging", ("/logging/",)),
    ("django_2co_sso (config, validation, services, backend)", ("django_2co_sso/",)),
    ("Django (handler, middleware, sessions, auth, URLs, response)", ("django/",)),
)
IMPORTS = "imports on first use"

#: Steps whose inclusive time is reported: (label, function, file suffix, required ancestor).
_SPANS = (
    (
        "the view's _mint (rate check, context, mint, redirect)",
        "_mint",
        "django_2co_sso/views.py",
        "",
    ),
    (
        "services._issue (backend call, audit row, signal)",
        "_issue",
        "django_2co_sso/services.py",
        "",
    ),
    ("backend.customer_sso_url", "customer_sso_url", "django_2co_sso/backends/base.py", ""),
    (
        "  SessionStore.obtain (sessionID: process memo, else the cache)",
        "obtain",
        "django_2co_sso/session_store.py",
        "",
    ),
    (
        "  CircuitBreaker.before_call (closed: process memo, else a cache read)",
        "before_call",
        "django_2co_sso/circuit.py",
        "",
    ),
    (
        "  BaseBackend._send (the API call, its log line)",
        "_send",
        "django_2co_sso/backends/base.py",
        "",
    ),
    (
        "audit row INSERT (SSOAuditLog.objects.create)",
        "create",
        "django/db/models/query.py",
        "_issue",
    ),
    ("sso_link_issued.send", "send", "django/dispatch/dispatcher.py", "_issue"),
    ("get_config() (every call)", "get_config", "django_2co_sso/conf.py", ""),
    ("get_backend() (every call)", "get_backend", "django_2co_sso/registry.py", ""),
    ("resolve_customer (CustomerLink query)", "resolve_customer", "django_2co_sso/services.py", ""),
    (
        "context_for_request (client IP, language)",
        "context_for_request",
        "django_2co_sso/services.py",
        "",
    ),
    (
        "close_old_connections (request start and end)",
        "close_old_connections",
        "django/db/__init__.py",
        "",
    ),
)


def _profile(
    call: Callable[[], None], count: int, out: Path, *, imports: bool = False
) -> dict[str, Any] | None:
    """Profile ``count`` calls with pyinstrument; charge the time to components and steps."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    profiler = Profiler(interval=0.001 if count > 5 else 0.0002)
    profiler.start()
    for _ in range(count):
        call()
    session = profiler.stop()
    out.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    root = session.root_frame()
    if root is None:
        return None
    components: Counter[str] = Counter()
    spans: Counter[str] = Counter()

    def walk(frame: Any, stack: list[Any]) -> None:
        path = (frame.file_path or "").replace("\\", "/")
        for label, function, suffix, ancestor in _SPANS:
            if frame.function == function and path.endswith(suffix):
                if ancestor and not any(f.function == ancestor for f in stack):
                    continue
                if not any(
                    f.function == function and (f.file_path or "").endswith(suffix) for f in stack
                ):
                    spans[label] += frame.time
        if not frame.children:
            components[_component([*stack, frame], imports)] += frame.time
            return
        for child in frame.children:
            walk(child, [*stack, frame])

    walk(root, [])
    total = sum(components.values()) or 1.0
    return {
        "count": count,
        "ms_per_call": round(total * 1000 / count, 3),
        "components_ms": {k: round(v * 1000 / count, 3) for k, v in components.most_common()},
        "spans_ms": {label: round(spans[label] * 1000 / count, 3) for label, *_ in _SPANS},
        "text": str(out),
    }


def _component(chain: list[Any], imports: bool = False) -> str:
    """The component of the innermost frame of ``chain`` that belongs to one.

    With ``imports``, anything below an import statement is charged to imports.
    """
    if imports and any(
        "importlib._bootstrap" in (f.file_path or "") or f.function == "_find_and_load"
        for f in chain
    ):
        return IMPORTS
    for frame in reversed(chain):
        path = (frame.file_path or "").replace("\\", "/")
        if not path:
            continue
        for name, markers in _COMPONENTS:
            if any(marker in path for marker in markers):
                return name
    return "other (standard library, interpreter)"


def _call_counts(call: Callable[[], None]) -> dict[str, int]:
    """How often one redirect calls the functions that cost per call (cProfile)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(call)
    stats = pstats.Stats(profiler)
    wanted = {
        ("conf.py", "get_config"): "get_config()",
        ("registry.py", "get_backend"): "get_backend()",
        ("conf.py", "merged_settings"): "merged_settings()",
        ("__init__.py", "_log"): "log records written",
    }
    counts: dict[str, int] = {}
    for (filename, _line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        for (suffix, name), label in wanted.items():
            if function == name and filename.replace("\\", "/").endswith(suffix):
                if label == "log records written" and "/logging/" not in filename:
                    continue
                counts[label] = counts.get(label, 0) + row[1]
    return counts


def _micro(count: int) -> dict[str, float]:
    """Medians (ms) of the per-redirect steps timed alone."""
    import logging

    from django.core.cache import caches

    from django_2co_sso.conf import get_config
    from django_2co_sso.models import SSOAuditLog

    config = get_config()
    cache = caches[config.cache_alias]
    logger = logging.getLogger("django_2co_sso")
    result = {}

    def audit() -> None:
        SSOAuditLog.objects.create(
            user=None,
            kind="customer",
            target_reference=CUSTOMER,
            page="",
            outcome="ok",
            client_ip="127.0.0.1",
            duration_ms=1,
        )

    steps = {
        "cache.get (one round trip)": lambda: cache.get(f"{config.cache_key_prefix}:bench-missing"),
        "get_config()": get_config,
        "audit row INSERT": audit,
        "one INFO log line (file)": lambda: logger.info(
            "2checkout call protocol=%s method=%s outcome=%s duration_ms=%.1f", "x", "y", "ok", 1.0
        ),
    }
    for name, step in steps.items():
        for _ in range(10):
            step()
        result[name] = statistics.median(_timed(step, count))
    return result


def _layers(
    count: int,
    blocks: int,
    profile_count: int,
    cookie_name: str,
    cookie: str,
    http_url: str | None,
) -> dict[str, Any]:
    import requests
    from django.conf import settings

    from django_2co_sso import get_backend

    protocol = get_backend().protocol
    api_url = settings.TWOCHECKOUT_SSO["API_URL"]
    app = _wsgi_caller(cookie_name, cookie)
    ping = _wsgi_caller(cookie_name, cookie, path="/bench/ping/", status="200")
    client = _client_caller()
    naive = _naive_caller(protocol, api_url)
    browser = requests.Session()
    browser.headers["Cookie"] = f"{cookie_name}={cookie}"

    def http() -> None:
        response = browser.get(http_url + BILLING_PATH, allow_redirects=False, timeout=30)
        if response.status_code != 302:
            raise RuntimeError(f"gunicorn answered {response.status_code}")

    for _ in range(20):  # warm up: WSDL, login, connections, Django's lazy parts
        app()
        client()
        if http_url:
            http()
    session_id = None if protocol == "rest" else login_session_id(protocol, api_url)
    floor = Floor(protocol, api_url, session_id)
    for _ in range(20):
        floor()
    samples: dict[str, list[float]] = {
        "floor": [],
        "client": [],
        "app": [],
        "ping": [],
        "naive_client": [],
        "http": [],
    }
    service_ms: list[float] = []
    per_block = max(1, count // blocks)
    for _ in range(blocks):
        for _ in range(per_block):
            started = time.perf_counter()
            service_ms.append(floor())
            samples["floor"].append((time.perf_counter() - started) * 1000)
        samples["client"] += _timed(client, per_block)
        samples["app"] += _timed(app, per_block)
        samples["ping"] += _timed(ping, per_block)
        samples["naive_client"] += _timed(naive, max(1, per_block // 4))
        if http_url:
            samples["http"] += _timed(http, per_block)
    if not samples["http"]:
        del samples["http"]
    operations = _count_operations(app)
    # the cache operations of a run of redirects in steady state, not of one: the client
    # rereads the cache when its process memo of the sessionID or of the breaker expires
    run = _count_operations(app, repeat=count)
    operations["cache_run"] = {k: run[k] for k in ("cache", "count", "seconds")}
    operations["calls"] = _call_counts(app)
    micro = _micro(max(50, count // 3))
    work = Path(os.environ.get("BENCH_WORK", "bench/.work"))
    profile = _profile(app, profile_count, work / f"profile-{protocol}.txt")
    return {
        "protocol": protocol,
        "median_ms": {name: statistics.median(values) for name, values in samples.items()},
        "p95_ms": {
            name: sorted(values)[int(0.95 * (len(values) - 1))] for name, values in samples.items()
        },
        "floor_service_ms": statistics.median(service_ms),
        "operations": operations,
        "micro_ms": micro,
        "profile": profile,
    }


def _cold(cookie_name: str, cookie: str, warm: bool) -> dict[str, Any]:
    """Profile the first redirect of this new process (after a ping warmed Django)."""
    import django.test  # noqa: F401  (what the ping below loads anyway)

    ping = _wsgi_caller(cookie_name, cookie, path="/bench/ping/", status="200")
    for _ in range(3):
        ping()
    if warm:
        from django_2co_sso import warm_up

        warm_up()
    app = _wsgi_caller(cookie_name, cookie)
    work = Path(os.environ.get("BENCH_WORK", "bench/.work"))
    from django_2co_sso import get_backend

    protocol = get_backend().protocol
    suffix = "-warm" if warm else ""
    profile = _profile(app, 1, work / f"profile-cold-{protocol}{suffix}.txt", imports=True)
    return {"protocol": protocol, "profile": profile}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup")
    layers = sub.add_parser("layers")
    layers.add_argument("--count", type=int, default=600)
    layers.add_argument("--blocks", type=int, default=6)
    layers.add_argument("--profile-count", type=int, default=300)
    layers.add_argument("--cookie-name", required=True)
    layers.add_argument("--cookie", required=True)
    layers.add_argument("--http-url", default=None, help="the gunicorn server, timed alongside")
    cold = sub.add_parser("cold")
    cold.add_argument("--cookie-name", required=True)
    cold.add_argument("--cookie", required=True)
    cold.add_argument("--warm", action="store_true")
    options = parser.parse_args(argv)
    django.setup()
    if options.command == "setup":
        result = _setup()
    elif options.command == "cold":
        result = _cold(options.cookie_name, options.cookie, options.warm)
    else:
        result = _layers(
            options.count,
            options.blocks,
            options.profile_count,
            options.cookie_name,
            options.cookie,
            options.http_url,
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
