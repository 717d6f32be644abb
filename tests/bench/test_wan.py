"""The WAN harness of the benchmark works: the delay proxy, TLS, the CA bundle setting.

A delay is a lower bound by construction (the proxy never releases a chunk early), so the
tests assert it from below; the only upper bounds are loose ones that tell a pipelined
proxy from a per-chunk one (20 chunks through a sequential sleep would take 20 delays).
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

pytest.importorskip("cryptography", reason="cryptography is not installed (the bench extra)")

from bench.certs import Certificates, make_certificates
from bench.wanproxy import DelayProxy
from django_2co_sso import get_backend
from django_2co_sso.backends import soap
from django_2co_sso.emulator import Emulator
from django_2co_sso.emulator.cli import build
from django_2co_sso.emulator.tls import server_context
from django_2co_sso.exceptions import APIConnectionError
from django_2co_sso.registry import clear_backends

RTT_MS = 60.0


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture
def echo() -> Iterator[tuple[str, int]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ("127.0.0.1", server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(echo: tuple[str, int]) -> Iterator[tuple[DelayProxy, int]]:
    relay = DelayProxy(echo, RTT_MS)
    _host, port = relay.start()
    yield relay, port
    relay.stop()


def _receive(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_one_round_trip_costs_the_rtt(proxy: tuple[DelayProxy, int]) -> None:
    relay, port = proxy
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"x")  # the connection's first bytes also wait out the TCP handshake
        assert _receive(sock, 1) == b"x"
        started = time.perf_counter()
        sock.sendall(b"ping")
        assert _receive(sock, 4) == b"ping"
        elapsed = (time.perf_counter() - started) * 1000
    assert elapsed >= RTT_MS * 0.95
    assert relay.connections == 1


def test_a_new_connection_pays_the_tcp_handshake_too(proxy: tuple[DelayProxy, int]) -> None:
    _relay, port = proxy
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"hello")
        assert _receive(sock, 5) == b"hello"
    assert (time.perf_counter() - started) * 1000 >= 2 * RTT_MS * 0.95


def test_the_delay_is_pipelined_not_per_chunk(proxy: tuple[DelayProxy, int]) -> None:
    _relay, port = proxy
    chunks = 20
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(b"x")
        _receive(sock, 1)
        started = time.perf_counter()
        for index in range(chunks):
            sock.sendall(bytes([65 + index]) * 100)
            time.sleep(0.002)  # separate reads at the proxy
        data = _receive(sock, 100 * chunks)
        elapsed = (time.perf_counter() - started) * 1000
    assert data == b"".join(bytes([65 + i]) * 100 for i in range(chunks))  # order kept
    assert elapsed >= RTT_MS * 0.95
    # one delay per chunk (sequential sleeps) would be chunks x RTT/2 = 600 ms at least
    assert elapsed < chunks * RTT_MS / 2


def test_drop_connections_closes_them_like_an_idle_timeout(
    proxy: tuple[DelayProxy, int],
) -> None:
    relay, port = proxy
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"x")
        _receive(sock, 1)
        relay.drop_connections()
        assert sock.recv(10) == b""  # the server's close reaches the client


# -- TLS -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def tls_emulator(certificates: Certificates) -> Iterator[Emulator]:
    emulator = Emulator(
        tls=server_context(str(certificates.cert), str(certificates.key)), reference_wsdl=True
    )
    emulator.start()
    yield emulator
    emulator.stop()


def test_tls_handshake_happens_on_each_new_connection_only(
    tls_emulator: Emulator, certificates: Certificates
) -> None:
    relay = DelayProxy(("127.0.0.1", tls_emulator.port), 0)
    _host, port = relay.start()
    try:
        url = f"https://127.0.0.1:{port}/"
        with requests.Session() as http:
            for _ in range(3):
                assert http.get(url, verify=str(certificates.ca), timeout=10).status_code == 200
        assert (relay.connections, relay.tls_handshakes) == (1, 1)
        with requests.Session() as http:
            assert http.get(url, verify=str(certificates.ca), timeout=10).status_code == 200
        assert (relay.connections, relay.tls_handshakes) == (2, 2)
    finally:
        relay.stop()


def test_the_emulator_serves_https_and_a_reference_size_wsdl(
    tls_emulator: Emulator, certificates: Certificates
) -> None:
    assert tls_emulator.base_url.startswith("https://127.0.0.1:")
    wsdl = requests.get(
        tls_emulator.base_url + "/soap/6.0/?wsdl", verify=str(certificates.ca), timeout=10
    )
    assert wsdl.status_code == 200
    assert len(wsdl.content) > 200_000
    assert b'<operation name="getSingleSignOnByCustomer"' in wsdl.content
    assert b'<operation name="placeOrder"' in wsdl.content
    with pytest.raises(requests.exceptions.SSLError):  # not trusted without the bundle
        requests.get(tls_emulator.base_url + "/", timeout=10)


def test_cli_wants_both_tls_files(certificates: Certificates) -> None:
    with pytest.raises(ValueError, match="go together"):
        build({"merchant": "M", "secret": "s", "tls_cert": str(certificates.cert)})


@pytest.fixture
def clean_clients() -> Iterator[None]:
    soap.clear_clients()
    clear_backends()
    yield
    soap.clear_clients()
    clear_backends()


BACKENDS = [
    "django_2co_sso.backends.soap.SoapBackend",
    "django_2co_sso.backends.jsonrpc.JsonRpcBackend",
    "django_2co_sso.backends.rest.RestBackend",
]


def _sso(settings: Any, backend: str, emulator: Emulator, api_url: str, **extra: Any) -> Any:
    """TWOCHECKOUT_SSO for ``backend`` against the TLS emulator reached at ``api_url``."""
    return {
        **settings.TWOCHECKOUT_SSO,
        "CACHE_KEY_PREFIX": f"wan-{backend.rsplit('.', 1)[1]}-{len(extra)}",
        "BACKEND": backend,
        "MERCHANT_CODE": emulator.merchant_code,
        "SECRET_KEY": emulator.secret_key,
        "API_URL": api_url,
        "ALLOWED_SSO_HOSTS": [f"127.0.0.1:{emulator.port}"],
        "TIMEOUT": 5.0,
        **extra,
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_ca_bundle_setting_makes_the_client_trust_the_server(
    backend: str,
    tls_emulator: Emulator,
    certificates: Certificates,
    settings: Any,
    clean_clients: None,
) -> None:
    sso = _sso(settings, backend, tls_emulator, tls_emulator.base_url)
    settings.TWOCHECKOUT_SSO = sso
    with pytest.raises(APIConnectionError):  # certifi does not know the throwaway CA
        get_backend().customer_sso_url("shop-customer-1")
    settings.TWOCHECKOUT_SSO = {**sso, "CA_BUNDLE": str(certificates.ca)}
    url = get_backend().customer_sso_url("shop-customer-1")
    assert url.startswith(tls_emulator.base_url)


def test_missing_ca_bundle_is_a_system_check_error(settings: Any, tmp_path: Path) -> None:
    from django_2co_sso.checks import check_settings

    settings.TWOCHECKOUT_SSO = {
        "BACKEND": "django_2co_sso.backends.locmem.LocmemBackend",
        "CA_BUNDLE": str(tmp_path / "missing.pem"),
    }
    assert "django_2co_sso.E006" in [message.id for message in check_settings()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_warm_up_opens_the_connection_the_first_call_reuses(
    backend: str,
    tls_emulator: Emulator,
    certificates: Certificates,
    settings: Any,
    clean_clients: None,
) -> None:
    import django_2co_sso

    relay = DelayProxy(("127.0.0.1", tls_emulator.port), 0)
    _host, port = relay.start()
    try:
        settings.TWOCHECKOUT_SSO = _sso(
            settings,
            backend,
            tls_emulator,
            f"https://127.0.0.1:{port}",
            CA_BUNDLE=str(certificates.ca),
        )
        tls_emulator.calls.reset()
        assert django_2co_sso.warm_up() is True
        assert (relay.connections, relay.tls_handshakes) == (1, 1)
        assert tls_emulator.calls["getSingleSignOnByCustomer"] == 0  # no API call
        assert tls_emulator.calls["login"] == 0
        get_backend().customer_sso_url("shop-customer-1")
        assert (relay.connections, relay.tls_handshakes) == (1, 1)  # reused, no handshake
    finally:
        relay.stop()


def test_preconnect_stands_aside_behind_a_proxy_and_reports_an_unreachable_host() -> None:
    from django_2co_sso.backends.http import new_session, preconnect

    with new_session() as session:
        session.proxies = {"https": "http://127.0.0.1:9"}
        assert preconnect(session, "https://127.0.0.1:9/rpc/6.0/", 1.0) is False
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    with new_session() as session, pytest.raises(APIConnectionError, match="opening"):
        preconnect(session, f"https://127.0.0.1:{closed_port}/rpc/6.0/", 1.0)
