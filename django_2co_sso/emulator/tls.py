"""TLS for the emulator: a server-side context from a certificate chain and key (PEM files).

``--tls-cert`` / ``--tls-key`` (or ``Emulator(tls=server_context(...))``) serve every endpoint
over https, so a client pays real handshakes on new connections (the benchmark makes a
throwaway certificate at run time). The handshake runs in the connection's own thread.
"""

from __future__ import annotations

import ssl


def server_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A TLS 1.2+ server context; raises :class:`OSError`/:class:`ssl.SSLError` if unusable."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context
