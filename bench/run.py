"""``python -m bench``: the performance figures of the SSO redirect, per backend, in one run.

It starts the emulator (its own process), prepares a SQLite database with one logged-in
shopper, and for each backend (SOAP, JSON-RPC, REST) runs the bench project
(:mod:`bench.settings`: the example project's settings, rate limit off) under gunicorn:

1. upstream calls per redirect over N steady-state redirects (emulator's counters);
2. the overhead ratio: our redirect (``GET /account/billing/`` with a session cookie, until
   the 302) against the floor (a bare keep-alive call with a prebuilt body), interleaved in
   blocks; with the emulator's own service time, and where the difference goes (the same
   three layers timed in one process, plus a pyinstrument profile);
3. the naive way (``/bench/naive/billing/``: new client and a login per link) against ours;
4. cold start: the first redirect of a new worker, with and without the WSDL cached, and
   with the client loaded at worker start by ``django_2co_sso.warm_up()`` (opt-in);
5. scale out: 4 workers sharing Redis, concurrent clients: errors, logins, throughput;
6. memory: the RSS a worker adds when it loads the client.

The tables go to stdout and to ``bench/results.md``. ``--quick`` runs tiny counts (for the
smoke test). Every child process is stopped on exit, error, Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as dt
import itertools
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import threading
import time
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

import requests

from bench import procs
from bench.floor import Floor, login_session_id

BACKENDS = {"soap": "SOAP", "rpc": "JSON-RPC", "rest": "REST"}
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
BILLING = "/account/billing/"
NAIVE = "/bench/naive/billing/"
PING = "/bench/ping/"


@dataclasses.dataclass(frozen=True)
class Counts:
    """How much of everything one run does."""

    steady: int = 1000
    blocks: int = 10
    warmup: int = 50
    naive: int = 200
    cold_samples: int = 2
    cold_steady: int = 50
    scale: int = 2000
    scale_warmup: int = 100
    scale_clients: int = 8
    scale_workers: int = 4
    layers: int = 300
    profile: int = 200


QUICK = Counts(
    steady=40,
    blocks=2,
    warmup=5,
    naive=6,
    cold_samples=1,
    cold_steady=10,
    scale=60,
    scale_warmup=10,
    scale_clients=4,
    scale_workers=2,
    layers=30,
    profile=20,
)


class BenchError(RuntimeError):
    """A measurement could not be made (a wrong answer, a dead server)."""


# -- small helpers ---------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Shopper:
    """A browser with the shopper's session cookie and one keep-alive connection."""

    def __init__(self, base_url: str, cookie_name: str, cookie: str, emulator_url: str) -> None:
        self.base_url = base_url
        self.emulator_url = emulator_url
        self.http = requests.Session()
        self.http.headers["Cookie"] = f"{cookie_name}={cookie}"

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base_url + path, allow_redirects=False, timeout=30)

    def redirect(self, path: str = BILLING) -> float:
        """One redirect; its time in ms until the 302 arrived (not followed)."""
        started = time.perf_counter()
        response = self.http.get(self.base_url + path, allow_redirects=False, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not location.startswith(self.emulator_url):
            raise BenchError(
                f"{path} answered {response.status_code} {location[:60]!r} {response.text[:200]!r}"
            )
        return elapsed

    def close(self) -> None:
        self.http.close()


def wait_ready(shopper: Shopper, timeout: float = 60) -> float:
    """Poll the ping page until it answers 200; return the seconds waited."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            response = shopper.get(PING)
            if response.status_code == 200:
                return time.perf_counter() - started
            last = f"HTTP {response.status_code}: {response.text[:300]}"
        except requests.ConnectionError as error:
            last = type(error).__name__
        time.sleep(0.02)
    raise BenchError(f"the bench project never answered {PING}: {last}")


def protocol_calls(snapshot: dict[str, Any], protocol: str) -> dict[str, int]:
    return dict(snapshot.get("protocols", {}).get(protocol, {}))


# -- the run ---------------------------------------------------------------------------------


class Bench:
    def __init__(self, counts: Counts, redis_url: str | None, backends: list[str]) -> None:
        self.counts = counts
        self.redis_url = redis_url
        self.backends = backends
        self.run_id = f"bench{uuid.uuid4().hex[:8]}"
        self.results: dict[str, dict[str, Any]] = {b: {} for b in backends}
        self.phase_times: dict[str, float] = {}
        self.notes: list[str] = []

    # environment of every Django process
    def env(self, backend: str, phase: str, **extra: str) -> dict[str, str]:
        return {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            # read by the example project's settings
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": os.environ.get(
                "BENCH_DATABASE_URL", f"sqlite:///{procs.WORK / 'db.sqlite3'}"
            ),
            "REDIS_URL": self.redis_url or "",
            "TWOCHECKOUT_BACKEND": backend,
            "TWOCHECKOUT_API_URL": self.emulator.base_url,
            # read by bench/settings.py
            "BENCH_CACHE_PREFIX": self.run_id,
            "BENCH_SSO_PREFIX": f"{self.run_id}-{backend}-{phase}",
            "BENCH_WORK": str(procs.WORK),
            "BENCH_APP_LOG": str(procs.WORK / "app.log"),
            "BENCH_WSDL_CACHE": "",
            "PYTHONDONTWRITEBYTECODE": "",
            **extra,
        }

    def shopper(self, server: procs.Gunicorn) -> Shopper:
        return Shopper(
            server.base_url, self.setup["cookie_name"], self.setup["cookie"], self.emulator.base_url
        )

    def run(self) -> None:
        procs.WORK.mkdir(parents=True, exist_ok=True)
        for stale in procs.WORK.glob("db.sqlite3*"):
            stale.unlink()
        for stale in procs.WORK.glob("wsdl-cache*.sqlite3"):
            stale.unlink()
        (procs.WORK / "app.log").write_text("")
        self.started = time.perf_counter()
        self.load_before = os.getloadavg()
        self.emulator = procs.Emulator()
        try:
            self.setup = procs.run_helper(["setup"], self.env("soap", "setup"))
            for backend in self.backends:
                label = BACKENDS[backend]
                for phase, method in (
                    ("steady state, floor, naive, in-process layers", self.steady),
                    ("cold start and memory", self.cold),
                    ("scale out", self.scale),
                ):
                    started = time.perf_counter()
                    print(f"-- {label}: {phase}", end="", flush=True)
                    method(backend)
                    self.phase_times[f"{backend} {phase}"] = time.perf_counter() - started
                    print(f" ({time.perf_counter() - started:.0f} s)", flush=True)
        finally:
            self.emulator.stop()
            self.cleanup_redis()
        self.load_after = os.getloadavg()
        self.elapsed = time.perf_counter() - self.started

    def cleanup_redis(self) -> None:
        if not self.redis_url:
            return
        try:
            import redis

            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(match=f"{self.run_id}:*", count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
            client.close()
        except Exception as error:  # the run's results stand; say what was left behind
            print(f"bench: could not delete the run's Redis keys: {error}", file=sys.stderr)

    # -- 1, 2, 3 ---------------------------------------------------------------------------------
    def steady(self, backend: str) -> None:
        counts, result = self.counts, self.results[backend]
        server = procs.Gunicorn(
            self.env(backend, "steady"), workers=1, threads=2, name=f"{backend}-steady"
        )
        shopper = self.shopper(server)
        try:
            wait_ready(shopper)
            self.emulator.reset_counters()
            for _ in range(counts.warmup):
                shopper.redirect()
            warm = protocol_calls(self.emulator.calls(), backend)
            result["warmup_calls"] = warm
            protocol = backend
            session_id = (
                None if backend == "rest" else login_session_id(protocol, self.emulator.base_url)
            )
            floor = Floor(protocol, self.emulator.base_url, session_id)
            for _ in range(counts.warmup):
                floor()
            self.emulator.reset_counters()
            ours: list[float] = []
            bare: list[float] = []
            service: list[float] = []
            pings: list[float] = []
            per_block = max(1, counts.steady // counts.blocks)
            for _ in range(counts.blocks):
                for _ in range(per_block):
                    ours.append(shopper.redirect())
                for _ in range(per_block):
                    started = time.perf_counter()
                    service.append(floor())
                    bare.append((time.perf_counter() - started) * 1000)
                for _ in range(max(1, per_block // 2)):
                    started = time.perf_counter()
                    response = shopper.get(PING)
                    pings.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise BenchError(f"{PING} answered {response.status_code}")
            snapshot = self.emulator.calls()
            calls = protocol_calls(snapshot, backend)
            redirects = len(ours)
            sso = calls.get("getSingleSignOnByCustomer", 0) - len(bare)
            upstream = sum(calls.values()) - len(bare)
            timing = snapshot.get("service_time", {}).get(
                f"{backend}:getSingleSignOnByCustomer", {}
            )
            result.update(
                redirects=redirects,
                steady_calls={**calls, "getSingleSignOnByCustomer": sso},
                calls_per_redirect=upstream / redirects,
                ours=ours,
                floor=bare,
                floor_service=service,
                ping=pings,
                emulator_p50=timing.get("p50_ms"),
                emulator_p95=timing.get("p95_ms"),
            )
            # the pitfall: gunicorn writes headers and body apart (the ping page has a body)
            result["tcp_nodelay"] = shopper.get("/bench/nodelay/").json().get("tcp_nodelay")
            # 3: the naive way, interleaved with ours in blocks
            self.emulator.reset_counters()
            naive: list[float] = []
            ours_again: list[float] = []
            block = max(1, min(20, counts.naive // 5))
            for _ in range(-(-counts.naive // block)):
                for _ in range(block):
                    naive.append(shopper.redirect(NAIVE))
                counter_before = protocol_calls(self.emulator.calls(), backend)
                for _ in range(block):
                    ours_again.append(shopper.redirect())
                counter_after = protocol_calls(self.emulator.calls(), backend)
                # keep only the naive calls in the count
                for key, value in counter_after.items():
                    result.setdefault("_ours_calls", {}).setdefault(key, 0)
                    result["_ours_calls"][key] += value - counter_before.get(key, 0)
            calls = protocol_calls(self.emulator.calls(), backend)
            ours_calls = result.pop("_ours_calls", {})
            naive_upstream = sum(calls.values()) - sum(ours_calls.values())
            result.update(
                naive=naive,
                ours_vs_naive=ours_again,
                naive_calls_per_redirect=naive_upstream / len(naive),
            )
            # where the time goes: the layers, timed in one process beside this server
            result["layers"] = self.layers(backend, server.base_url)
            errors = server.errors_logged()
            if errors:
                raise BenchError("gunicorn logged errors:\n" + "\n".join(errors[:20]))
        finally:
            shopper.close()
            server.stop()

    # -- 4, 6 ------------------------------------------------------------------------------------
    def cold(self, backend: str) -> None:
        counts, result = self.counts, self.results[backend]
        wsdl_cache = str(procs.WORK / f"wsdl-cache-{backend}.sqlite3")
        warm_config = str(procs.ROOT / "bench" / "gunicorn_warm.py")
        shared = "cold-shared"
        cached = {"BENCH_WSDL_CACHE": wsdl_cache} if backend == "soap" else {}
        variants: list[tuple[str, str, dict[str, str], str | None]] = []
        if backend != "rest":
            variants.append(("first", "", {}, None))  # a fresh sessionID prefix per sample
        if self.redis_url or backend == "rest":
            variants.append(("shared", shared, {}, None))
            if backend == "soap":
                variants.append(("cached", shared, cached, None))
            variants.append(("warmed", shared, cached, warm_config))
        # prime: the shared sessionID in Redis, the WSDL in the SQLite cache (not measured)
        self.cold_sample(backend, shared, {"BENCH_WSDL_CACHE": wsdl_cache}, None, steady=0)
        samples: dict[str, list[dict[str, float]]] = {}
        for _ in range(counts.cold_samples):
            for name, phase, extra, config in variants:
                phase = phase or f"cold-first-{uuid.uuid4().hex[:6]}"
                samples.setdefault(name, []).append(
                    self.cold_sample(backend, phase, extra, config, steady=counts.cold_steady)
                )
        result["cold"] = samples
        result["cold_profile"] = procs.run_helper(
            ["cold", "--cookie-name", self.setup["cookie_name"], "--cookie", self.setup["cookie"]],
            self.env(backend, shared, **cached),
        ).get("profile")

    def cold_sample(
        self,
        backend: str,
        phase: str,
        extra: dict[str, str],
        config: str | None,
        steady: int,
    ) -> dict[str, float]:
        spawned = time.perf_counter()
        server = procs.Gunicorn(
            self.env(backend, phase, **extra),
            workers=1,
            threads=2,
            name=f"{backend}-cold",
            config=config,
        )
        shopper = self.shopper(server)
        try:
            (worker,) = server.worker_pids()
            wait_ready(shopper)
            boot = time.perf_counter() - spawned
            for _ in range(3):
                shopper.get(PING)
            rss_before = procs.rss_kib(worker)
            first = shopper.redirect()
            rss_first = procs.rss_kib(worker)
            times = [shopper.redirect() for _ in range(steady)]
            rss_steady = procs.rss_kib(worker)
            return {
                "boot_s": boot,
                "first_ms": first,
                "steady_ms": median(times),
                "rss_before_kib": rss_before,
                "rss_first_kib": rss_first,
                "rss_steady_kib": rss_steady,
            }
        finally:
            shopper.close()
            server.stop()

    # -- 5 ---------------------------------------------------------------------------------------
    def scale(self, backend: str) -> None:
        counts, result = self.counts, self.results[backend]
        if not self.redis_url:
            result["scale"] = None
            return
        server = procs.Gunicorn(
            self.env(backend, "scale"),
            workers=counts.scale_workers,
            worker_class="sync",
            threads=1,
            name=f"{backend}-scale",
        )
        try:
            workers = server.worker_pids()
            probe = self.shopper(server)
            wait_ready(probe)
            probe.close()
            self.emulator.reset_counters()
            warm = self.load(server, counts.scale_warmup, counts.scale_clients)
            cpu_before = {pid: cpu_seconds(pid) for pid in workers}
            emulator_cpu = cpu_seconds(self.emulator.process.pid)
            own = os.times()
            measured = self.load(server, counts.scale, counts.scale_clients)
            own_after = os.times()
            worker_cpu = sum(cpu_seconds(pid) - cpu_before[pid] for pid in workers)
            calls = protocol_calls(self.emulator.calls(), backend)
            result["scale"] = {
                "workers": counts.scale_workers,
                "clients": counts.scale_clients,
                "redirects": measured["count"],
                "errors": len(warm["errors"]) + len(measured["errors"]),
                "error_samples": (warm["errors"] + measured["errors"])[:5],
                "total_redirects": warm["count"] + measured["count"],
                "logins": calls.get("login", 0),
                "sso_calls": calls.get("getSingleSignOnByCustomer", 0),
                "wsdl": calls.get("wsdl", 0),
                "elapsed_s": measured["elapsed"],
                "throughput": measured["count"] / measured["elapsed"],
                "latency": measured["latencies"],
                "worker_cpu_ms": worker_cpu * 1000 / measured["count"],
                "emulator_cpu_ms": (cpu_seconds(self.emulator.process.pid) - emulator_cpu)
                * 1000
                / measured["count"],
                "client_cpu_ms": ((own_after.user + own_after.system) - (own.user + own.system))
                * 1000
                / measured["count"],
                "gunicorn_errors": server.errors_logged()[:5],
            }
        finally:
            server.stop()

    def load(self, server: procs.Gunicorn, total: int, clients: int) -> dict[str, Any]:
        tickets = itertools.count()
        latencies: list[float] = []
        errors: list[str] = []
        deadline = time.monotonic() + 120

        def client() -> None:
            shopper = self.shopper(server)
            try:
                while next(tickets) < total and time.monotonic() < deadline:
                    try:
                        latencies.append(shopper.redirect())
                    except Exception as error:
                        errors.append(f"{type(error).__name__}: {str(error)[:200]}")
            finally:
                shopper.close()

        threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=150)
        elapsed = time.perf_counter() - started
        done = len(latencies) + len(errors)
        if done < total:
            errors.append(f"only {done} of {total} redirects finished in time")
        return {"count": done, "elapsed": elapsed, "latencies": latencies, "errors": errors}

    # -- where the time goes ---------------------------------------------------------------------
    def layers(self, backend: str, http_url: str) -> dict[str, Any]:
        counts = self.counts
        return dict(
            procs.run_helper(
                [
                    "layers",
                    "--count",
                    str(counts.layers),
                    "--blocks",
                    str(max(1, min(6, counts.layers // 50))),
                    "--profile-count",
                    str(counts.profile),
                    "--cookie-name",
                    self.setup["cookie_name"],
                    "--cookie",
                    self.setup["cookie"],
                    "--http-url",
                    http_url,
                ],
                self.env(backend, "steady"),
            )
        )


# -- the report ------------------------------------------------------------------------------


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(redis_url: str | None) -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    redis_server = "not used"
    if redis_url:
        try:
            import redis

            client = redis.Redis.from_url(redis_url)
            redis_server = str(client.info("server").get("redis_version"))
            client.close()
        except Exception as error:
            redis_server = f"unavailable ({type(error).__name__})"
    return [
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", f"{cpu}, {os.cpu_count()} cores"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("Django", _version("django")),
        ("zeep", _version("zeep")),
        ("lxml", _version("lxml")),
        ("requests", _version("requests")),
        ("gunicorn", _version("gunicorn")),
        ("redis-py / Redis server", f"{_version('redis')} / {redis_server}"),
        ("SQLite", sqlite3.sqlite_version),
    ]


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None or value != value:
        return "n/a"
    return f"{value:.{digits}f}"


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def cache_run(run: dict[str, Any]) -> str:
    """Cache operations per redirect over a counted run, e.g. ``0.007 (2 x get circuit in 300
    redirects, 2.4 s)``; "none" when the run read nothing."""
    ops = collections.Counter(run["cache"])
    if not ops:
        return f"none (0 in {run['count']} redirects, {run['seconds']:.1f} s)"
    detail = ", ".join(f"{n} x {op}" for op, n in ops.most_common())
    return (
        f"{sum(ops.values()) / run['count']:.3f} ({detail} in {run['count']} redirects, "
        f"{run['seconds']:.1f} s)"
    )


class Report:
    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.backends = bench.backends
        self.lines: list[str] = []
        self.verdicts: list[tuple[str, str, dict[str, str]]] = []

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.lines.append("| " + " | ".join(header) + " |")
        self.lines.append("|" + "|".join("---" for _ in header) + "|")
        for row in rows:
            self.lines.append("| " + " | ".join(row) + " |")
        self.lines.append("")

    def row(self, label: str, function: Any) -> list[str]:
        cells = [label]
        for backend in self.backends:
            try:
                cells.append(function(self.bench.results[backend]))
            except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
                cells.append("n/a")
        return cells

    def heading(self, text: str) -> None:
        self.lines += [f"### {text}", ""]

    def build(self) -> str:
        bench, counts = self.bench, self.bench.counts
        names = [BACKENDS[b] for b in self.backends]
        head = ["", *names]
        self.lines += [
            "# django-2co-sso benchmark results",
            "",
            "Written by `make bench` (`python -m bench"
            + (" --quick" if counts == QUICK else "")
            + "`); see `bench/run.py` for what each figure measures. Times are in ms on "
            "loopback against the local emulator; the machine is shared and noisy, so the "
            "targets are ratios taken within one run.",
            "",
        ]
        self.table(["machine", ""], [[k, v] for k, v in machine(bench.redis_url)])
        self.lines += [
            f"Load average (1 min) at start / end of the run: {bench.load_before[0]:.2f} / "
            f"{bench.load_after[0]:.2f}. Whole run: {bench.elapsed:.0f} s ("
            + ", ".join(f"{name} {sec:.0f} s" for name, sec in bench.phase_times.items())
            + "). "
            f"Database: {bench.setup['database']} (SQLite: WAL, synchronous=NORMAL; "
            "persistent connections), sessions: "
            f"`{bench.setup['session_engine']}`, settings: `bench.settings` over "
            f"`{bench.setup['base_settings']}`, cache: "
            + ("Redis" if bench.redis_url else "local memory (no Redis reachable)")
            + ".",
            "",
        ]
        self.figure_1(head)
        self.figure_2(head)
        self.where(head)
        self.figure_3(head)
        self.figure_4(head)
        self.figure_5(head)
        self.figure_6(head)
        self.summary(head)
        self.notes()
        return "\n".join(self.lines).rstrip() + "\n"

    def figure_1(self, head: list[str]) -> None:
        n = self.bench.counts.steady
        self.heading(f"1. Upstream calls per redirect ({n} steady-state redirects, 1 worker)")
        self.table(
            head,
            [
                self.row("redirects", lambda r: str(r["redirects"])),
                self.row(
                    "SSO calls", lambda r: str(r["steady_calls"]["getSingleSignOnByCustomer"])
                ),
                self.row("logins", lambda r: str(r["steady_calls"].get("login", 0))),
                self.row("WSDL downloads", lambda r: str(r["steady_calls"].get("wsdl", 0))),
                self.row(
                    "**upstream calls per redirect** (target 1.00)",
                    lambda r: f"**{r['calls_per_redirect']:.2f}**",
                ),
                self.row(
                    f"warm-up: first {self.bench.counts.warmup} redirects of a new server "
                    "(logins / WSDL downloads)",
                    lambda r: (
                        f"{r['warmup_calls'].get('login', 0)} / {r['warmup_calls'].get('wsdl', 0)}"
                    ),
                ),
                self.row("target met", lambda r: _met(abs(r["calls_per_redirect"] - 1.0) < 0.005)),
            ],
        )
        self.verdicts.append(
            (
                "1. upstream calls per redirect = 1.00",
                "",
                self._per(lambda r: abs(r["calls_per_redirect"] - 1.0) < 0.005),
            )
        )

    def figure_2(self, head: list[str]) -> None:
        self.heading(
            "2. Overhead ratio: our redirect against the floor (interleaved blocks, 1 worker)"
        )
        ratio = lambda r: median(r["ours"]) / median(r["floor"])  # noqa: E731
        added = lambda r: median(r["ours"]) - median(r["ping"])  # noqa: E731
        self.table(
            head,
            [
                self.row(
                    "our redirect, median / p95",
                    lambda r: f"{fmt(median(r['ours']))} / {fmt(p95(r['ours']))}",
                ),
                self.row(
                    "floor (bare keep-alive call), median / p95",
                    lambda r: f"{fmt(median(r['floor']))} / {fmt(p95(r['floor']))}",
                ),
                self.row(
                    "emulator service time of the call, median / p95",
                    lambda r: f"{fmt(r['emulator_p50'], 3)} / {fmt(r['emulator_p95'], 3)}",
                ),
                self.row(
                    "**overhead ratio** (median / median; target <= 1.5)",
                    lambda r: f"**{ratio(r):.2f}**",
                ),
                self.row("p95 ratio", lambda r: f"{p95(r['ours']) / p95(r['floor']):.2f}"),
                self.row("target met", lambda r: _met(ratio(r) <= 1.5)),
                self.row(
                    "a logged-in page of the same project, no SSO (`/bench/ping/`), median",
                    lambda r: fmt(median(r["ping"])),
                ),
                self.row(
                    "what the SSO redirect adds to that page (median - median)",
                    lambda r: fmt(added(r)),
                ),
                self.row(
                    "that addition / floor (the library's own ratio; not the target)",
                    lambda r: f"{added(r) / median(r['floor']):.2f}",
                ),
            ],
        )
        self.verdicts.append(("2. overhead ratio <= 1.5", "", self._per(lambda r: ratio(r) <= 1.5)))

    def where(self, head: list[str]) -> None:
        self.heading("Where the time goes (medians, ms; layers timed in one process, interleaved)")

        def layer(r: dict[str, Any], name: str) -> float:
            return float(r["layers"]["median_ms"][name])

        self.table(
            head,
            [
                self.row("floor: the bare call", lambda r: fmt(layer(r, "floor"))),
                self.row(
                    "+ API client (validation, zeep/JSON, logging; sessionID and breaker "
                    "state from process memory)",
                    lambda r: fmt(layer(r, "client") - layer(r, "floor")),
                ),
                self.row(
                    "+ the SSO view's own work (config, context, audit row, signal, 302)",
                    lambda r: fmt(layer(r, "app") - layer(r, "client") - layer(r, "ping")),
                ),
                self.row(
                    "+ Django work any logged-in page does (`/bench/ping/` in-process: "
                    "middleware, session, user, customer link)",
                    lambda r: fmt(layer(r, "ping")),
                ),
                self.row("= the view in-process (WSGI handler)", lambda r: fmt(layer(r, "app"))),
                self.row(
                    "+ gunicorn and HTTP (the same redirect through gunicorn - in-process)",
                    lambda r: fmt(layer(r, "http") - layer(r, "app")),
                ),
                self.row("= our redirect through gunicorn", lambda r: fmt(layer(r, "http"))),
                self.row(
                    "SQL queries per redirect", lambda r: str(len(r["layers"]["operations"]["sql"]))
                ),
                self.row(
                    "cache operations per redirect (counted over a run of steady-state "
                    "redirects in-process)",
                    lambda r: cache_run(r["layers"]["operations"]["cache_run"]),
                ),
                self.row(
                    "get_config() / get_backend() calls per redirect",
                    lambda r: "{} / {}".format(
                        r["layers"]["operations"]["calls"].get("get_config()", 0),
                        r["layers"]["operations"]["calls"].get("get_backend()", 0),
                    ),
                ),
                self.row(
                    "log records per redirect",
                    lambda r: str(r["layers"]["operations"]["calls"].get("log records written", 0)),
                ),
                *[
                    self.row(
                        f"{name}, timed alone", lambda r, n=name: fmt(r["layers"]["micro_ms"][n], 3)
                    )
                    for name in (
                        "cache.get (one round trip)",
                        "get_config()",
                        "audit row INSERT",
                        "one INFO log line (file)",
                    )
                ],
            ],
        )
        self.lines += [
            "SQL per redirect: "
            + "; ".join(
                f"`{q}`"
                for q in next(
                    (
                        self.bench.results[b]["layers"]["operations"]["sql"]
                        for b in self.backends
                        if "layers" in self.bench.results[b]
                    ),
                    [],
                )
            ),
            "",
        ]
        profiles = {
            b: self.bench.results[b].get("layers", {}).get("profile") for b in self.backends
        }
        if not any(profiles.values()):
            self.lines += ["(pyinstrument not installed: no profile)", ""]
            return
        components: list[str] = []
        spans: list[str] = []
        for profile in profiles.values():
            for name in (profile or {}).get("components_ms", {}):
                if name not in components:
                    components.append(name)
            for name in (profile or {}).get("spans_ms", {}):
                if name not in spans:
                    spans.append(name)
        count = next(p["count"] for p in profiles.values() if p)
        self.lines += [
            f"Profile of the view in-process (pyinstrument, {count} redirects; ms per redirect, "
            "the profiler's own overhead included, so compare shares, not totals). "
            "Each sample is charged to the innermost component on its stack:",
            "",
        ]
        rows = []
        for name in components:
            rows.append(
                self.row(
                    name, lambda r, n=name: fmt(r["layers"]["profile"]["components_ms"].get(n, 0.0))
                )
            )
        rows.append(self.row("total", lambda r: fmt(r["layers"]["profile"]["ms_per_call"])))
        self.table(head, rows)
        self.lines += ["Inclusive time of the main steps (same profile, ms per redirect):", ""]
        self.table(
            head,
            [
                self.row(
                    name.replace("  ", "&nbsp;&nbsp;"),
                    lambda r, n=name: fmt(r["layers"]["profile"]["spans_ms"].get(n, 0.0)),
                )
                for name in spans
            ],
        )
        self.lines += [
            "Full call trees: `bench/.work/profile-<protocol>.txt` (not committed).",
            "",
        ]

    def figure_3(self, head: list[str]) -> None:
        self.heading(
            f"3. Against the naive way ({self.bench.counts.naive} redirects each, interleaved): "
            "a new client and a login for every link"
        )
        self.table(
            head,
            [
                self.row(
                    "naive redirect, median / p95",
                    lambda r: f"{fmt(median(r['naive']))} / {fmt(p95(r['naive']))}",
                ),
                self.row(
                    "our redirect (same blocks), median / p95",
                    lambda r: f"{fmt(median(r['ours_vs_naive']))} / {fmt(p95(r['ours_vs_naive']))}",
                ),
                self.row(
                    "client work alone, no Django (in-process): naive / ours",
                    lambda r: "{} / {} = {:.1f}x".format(
                        fmt(r["layers"]["median_ms"]["naive_client"]),
                        fmt(r["layers"]["median_ms"]["client"]),
                        r["layers"]["median_ms"]["naive_client"]
                        / r["layers"]["median_ms"]["client"],
                    ),
                ),
                self.row(
                    "upstream calls per naive redirect",
                    lambda r: f"{r['naive_calls_per_redirect']:.2f}",
                ),
                self.row(
                    "**naive / ours** (target >= 10 for SOAP, the vendor samples' way)",
                    lambda r: f"**{median(r['naive']) / median(r['ours_vs_naive']):.1f}x**",
                ),
                self.row(
                    "target met",
                    lambda r: (
                        _met(median(r["naive"]) / median(r["ours_vs_naive"]) >= 10)
                        if r is self.bench.results.get("soap")
                        else "(no target)"
                    ),
                ),
            ],
        )
        if "soap" in self.backends:
            r = self.bench.results["soap"]
            try:
                ok = median(r["naive"]) / median(r["ours_vs_naive"]) >= 10
                self.verdicts.append(
                    ("3. ours >= 10x faster than the naive way (SOAP)", "", {"soap": _met(ok)})
                )
            except (KeyError, ZeroDivisionError):
                pass
        self.lines += [
            "Naive SOAP: `zeep.Client(wsdl)` per link (downloads and parses the emulator's "
            "10 KB WSDL), `login`, `getSingleSignOnByCustomer`. Naive JSON-RPC: `login` then "
            "the call, a new connection each. Naive REST: one signed GET on a new connection. "
            "All three skip the audit row and the checks ours makes.",
            "",
        ]

    def figure_4(self, head: list[str]) -> None:
        self.heading(
            f"4. Cold start: the first redirect of a new worker (median of "
            f"{self.bench.counts.cold_samples} new gunicorn processes per row)"
        )

        def cold(r: dict[str, Any], variant: str, key: str) -> float:
            return median([s[key] for s in r["cold"][variant]])

        def steady(r: dict[str, Any]) -> float:
            return median([s["steady_ms"] for v in r["cold"].values() for s in v])

        def target(r: dict[str, Any]) -> float:
            variant = "cached" if "cached" in r["cold"] else "shared"
            return cold(r, variant, "first_ms") / steady(r)

        def warmed(r: dict[str, Any]) -> float:
            return cold(r, "warmed", "first_ms") / steady(r)

        def boot(r: dict[str, Any], warm: bool) -> float:
            return median(
                [s["boot_s"] for n, v in r["cold"].items() if (n == "warmed") == warm for s in v]
            )

        self.table(
            head,
            [
                self.row(
                    "worker boot until it answers (s; Django, no client loaded)",
                    lambda r: fmt(boot(r, warm=False)),
                ),
                self.row(
                    "worker boot until it answers, with `warm_up()` (s; client loaded)",
                    lambda r: fmt(boot(r, warm=True)),
                ),
                self.row(
                    "first redirect, first process: login (+ WSDL download for SOAP)",
                    lambda r: fmt(cold(r, "first", "first_ms")),
                ),
                self.row(
                    "first redirect, new worker, sessionID in Redis, no WSDL cache",
                    lambda r: fmt(cold(r, "shared", "first_ms")),
                ),
                self.row(
                    "first redirect, new worker, sessionID in Redis, WSDL in `WSDL_CACHE_PATH`",
                    lambda r: fmt(cold(r, "cached", "first_ms")),
                ),
                self.row(
                    f"steady median in the same processes (next {self.bench.counts.cold_steady})",
                    lambda r: fmt(steady(r)),
                ),
                self.row(
                    "**cached first redirect / steady median**, no warm-up (target <= 3)",
                    lambda r: f"**{target(r):.1f}**",
                ),
                self.row("target met without warm-up", lambda r: _met(target(r) <= 3)),
                self.row(
                    "first redirect, new worker warmed by `django_2co_sso.warm_up()` in "
                    "gunicorn's `post_worker_init` (opt-in; `bench/gunicorn_warm.py`), "
                    "sessionID in Redis, WSDL cached",
                    lambda r: fmt(cold(r, "warmed", "first_ms")),
                ),
                self.row(
                    "**warmed first redirect / steady median** (target <= 3)",
                    lambda r: f"**{warmed(r):.1f}**",
                ),
                self.row("target met with `warm_up()`", lambda r: _met(warmed(r) <= 3)),
            ],
        )
        self.verdicts += [
            (
                "4. cached first redirect <= 3x steady median, no warm-up (the default)",
                "",
                self._per(lambda r: target(r) <= 3),
            ),
            (
                "4. the same with `django_2co_sso.warm_up()` in `post_worker_init` (opt-in)",
                "",
                self._per(lambda r: warmed(r) <= 3),
            ),
        ]
        profiles = {b: self.bench.results[b].get("cold_profile") for b in self.backends}
        names: list[str] = []
        for profile in profiles.values():
            for name in (profile or {}).get("components_ms", {}):
                if name not in names:
                    names.append(name)
        if names:
            self.lines += [
                "Where the cold first redirect goes (pyinstrument, one new process each, sessionID "
                "in Redis, WSDL cached; ms, profiler overhead included):",
                "",
            ]
            rows = [
                self.row(
                    name, lambda r, n=name: fmt(r["cold_profile"]["components_ms"].get(n, 0.0))
                )
                for name in names
            ]
            rows.append(self.row("total", lambda r: fmt(r["cold_profile"]["ms_per_call"])))
            self.table(head, rows)

    def figure_5(self, head: list[str]) -> None:
        c = self.bench.counts
        self.heading(
            f"5. Scale out: {c.scale_workers} sync workers sharing Redis, {c.scale_clients} "
            f"concurrent clients, {c.scale} redirects after {c.scale_warmup} warm-up "
            "(all counted from a cold cluster)"
        )
        s = lambda r: r["scale"]  # noqa: E731
        cores = os.cpu_count() or 1
        self.table(
            head,
            [
                self.row(
                    "errors (all redirects)",
                    lambda r: f"{s(r)['errors']} of {s(r)['total_redirects']}",
                ),
                self.row("logins (whole cluster, from cold)", lambda r: str(s(r)["logins"])),
                self.row(
                    "SSO calls / WSDL downloads", lambda r: f"{s(r)['sso_calls']} / {s(r)['wsdl']}"
                ),
                self.row("throughput (redirects/s)", lambda r: f"{s(r)['throughput']:.0f}"),
                self.row(
                    f"**throughput per core** ({cores} cores shared by server, emulator, Redis, "
                    "clients)",
                    lambda r: f"**{s(r)['throughput'] / cores:.0f}**",
                ),
                self.row(
                    "latency median / p95",
                    lambda r: f"{fmt(median(s(r)['latency']))} / {fmt(p95(s(r)['latency']))}",
                ),
                self.row(
                    "CPU per redirect: web workers / emulator / load clients (ms)",
                    lambda r: " / ".join(
                        f"{s(r)[key]:.2f}"
                        for key in ("worker_cpu_ms", "emulator_cpu_ms", "client_cpu_ms")
                    ),
                ),
                self.row(
                    "web tier capacity per core (1000 / worker CPU ms)",
                    lambda r: f"{1000 / s(r)['worker_cpu_ms']:.0f}/s",
                ),
                self.row(
                    "target met (errors 0, logins <= 1)",
                    lambda r: _met(
                        s(r)["errors"] == 0
                        and s(r)["logins"] <= (0 if r is self.bench.results.get("rest") else 1)
                    ),
                ),
            ],
        )
        self.verdicts.append(
            (
                "5. scale out: errors 0, logins 1",
                "",
                self._per(lambda r: s(r)["errors"] == 0 and s(r)["logins"] <= 1),
            )
        )
        samples = [
            e
            for b in self.backends
            for e in (self.bench.results[b].get("scale") or {}).get("error_samples", [])
        ]
        if samples:
            self.lines += ["Errors seen: " + "; ".join(samples[:5]), ""]

    def figure_6(self, head: list[str]) -> None:
        self.heading(
            "6. Memory: resident memory of one worker (MiB, medians of the cold-start processes)"
        )

        def rss(r: dict[str, Any], key: str) -> float:
            return median([s[key] for n, v in r["cold"].items() if n != "warmed" for s in v])

        self.table(
            head,
            [
                self.row(
                    "after the ping page (Django loaded, client not)",
                    lambda r: mib(rss(r, "rss_before_kib")),
                ),
                self.row("after the first redirect", lambda r: mib(rss(r, "rss_first_kib"))),
                self.row(
                    f"after {self.bench.counts.cold_steady} more",
                    lambda r: mib(rss(r, "rss_steady_kib")),
                ),
                self.row(
                    "**added by the loaded client**",
                    lambda r: f"**{mib(rss(r, 'rss_steady_kib') - rss(r, 'rss_before_kib'))}**",
                ),
            ],
        )

    def summary(self, head: list[str]) -> None:
        self.heading("Checks and targets")
        nodelay = self.row(
            "TCP_NODELAY on the socket gunicorn accepted", lambda r: str(r["tcp_nodelay"])
        )
        ping = self.row(
            "a 200 page with a body (headers and body written apart), median / p95",
            lambda r: f"{fmt(median(r['ping']))} / {fmt(p95(r['ping']))}",
        )
        self.table(head, [nodelay, ping])
        rows = []
        for target, _unused, per in self.verdicts:
            rows.append([target, *[per.get(b, "n/a") for b in self.backends]])
        self.table(["target", *[BACKENDS[b] for b in self.backends]], rows)

    def notes(self) -> None:
        """What the misses come from, with this run's numbers (SOAP, else the first backend)."""
        backend = "soap" if "soap" in self.backends else self.backends[0]
        r = self.bench.results[backend]
        try:
            m = r["layers"]["median_ms"]
            floor, ping, client, app = m["floor"], m["ping"], m["client"], m["app"]
            http = m.get("http", float("nan"))
            cold = r["cold"]
            first = median([x["first_ms"] for x in cold.get("cached", cold.get("shared", []))])
            warmed = median([x["first_ms"] for x in cold.get("warmed", [])])
            steady = median([x["steady_ms"] for v in cold.values() for x in v])
            boot = median([x["boot_s"] for n, v in cold.items() if n != "warmed" for x in v])
            boot_warm = median([x["boot_s"] for x in cold.get("warmed", [])])
            run = r["layers"]["operations"]["cache_run"]
        except (KeyError, TypeError):
            return
        label = BACKENDS[backend]
        self.heading(f"Reading the figures ({label}, this run)")
        self.lines += [
            f"* Overhead ratio: the floor is {fmt(floor)} ms (the emulator serves the call in "
            f"{fmt(r.get('emulator_p50'), 3)} ms). A logged-in page of the same project that "
            f"calls nothing costs {fmt(ping)} ms in-process, {ping / floor:.1f}x the floor "
            "before any SSO work, so no Django view reaches 1.5x on loopback. Of the redirect "
            f"({fmt(http)} ms through gunicorn, {fmt(app)} in-process), the library's own "
            f"share is the API client ({fmt(client - floor)} ms beyond the floor: zeep's "
            "envelope and parse, validation, one log line; the sessionID and a closed "
            f"breaker come from process memory: {len(run['cache'])} cache operations in "
            f"{run['count']} steady-state redirects over {run['seconds']:.1f} s) and the "
            "view's own work "
            f"({fmt(app - client - ping)} ms: the audit row INSERT, four `get_config()` "
            "calls, the context, the 302).",
            "* Naive way: on loopback a round trip costs about a millisecond and the emulator's "
            "WSDL is 10 KB, so three round trips and a WSDL parse are only a few ms more than "
            "one; both redirects carry the same Django and gunicorn cost. Against the real "
            "service every extra round trip is a WAN round trip (plus TLS on a new "
            "connection), and a large WSDL takes seconds to parse (shared/2checkout-api.md, "
            "zeep facts): that is where a 10x gap would come from, and what the emulator "
            "cannot show.",
            f"* Cold start: by default the first redirect of a new worker ({fmt(first)} ms, "
            f"{first / steady:.1f}x the steady median) is mostly imports done on first use "
            "(zeep, lxml, requests, redis-py), then the WSDL parse; `WSDL_CACHE_PATH` only "
            "saves the download, which is cheap on loopback. The library's opt-in "
            "`django_2co_sso.warm_up()`, called in gunicorn's `post_worker_init` "
            "(`bench/gunicorn_warm.py`), does that work before the worker takes requests: "
            f"its first redirect takes {fmt(warmed)} ms ({warmed / steady:.1f}x), while the "
            f"worker takes {fmt(boot_warm)} s instead of {fmt(boot)} s to answer its first "
            "request.",
            "",
        ]

    def _per(self, check: Any) -> dict[str, str]:
        per = {}
        for backend in self.backends:
            try:
                per[backend] = _met(check(self.bench.results[backend]))
            except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
                per[backend] = "n/a"
        return per


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def redis_available(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
        return True
    except Exception:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts (smoke test)")
    parser.add_argument(
        "--backends", default="soap,rpc,rest", help="comma-separated: soap,rpc,rest"
    )
    parser.add_argument(
        "--out", default=None, help="results file (default bench/results.md; '-' for none)"
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        help="shared cache for the workers (keys are prefixed per run and deleted at the end)",
    )
    options = parser.parse_args(argv)
    backends = [b.strip() for b in options.backends.split(",") if b.strip()]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    if shutil.which("gunicorn") is None:
        try:
            import gunicorn  # noqa: F401
        except ImportError:
            parser.exit(2, "bench: gunicorn is not installed (pip install -e '.[bench]')\n")
    procs.install_cleanup()
    redis_url = options.redis_url if redis_available(options.redis_url) else None
    if redis_url is None:
        print(
            f"bench: no Redis at {options.redis_url}: local-memory cache, no scale-out figure",
            file=sys.stderr,
        )
    bench = Bench(QUICK if options.quick else Counts(), redis_url, backends)
    try:
        bench.run()
    finally:
        procs.stop_all()
    text = Report(bench).build()
    print()
    print(text)
    out = options.out or str(Path(__file__).resolve().parent / "results.md")
    if out != "-":
        Path(out).write_text(text)
        print(f"bench: written to {out}")
    return 0
