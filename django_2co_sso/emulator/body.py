"""Reading an HTTP/1.1 request body within limits that no framing can get around.

:func:`read_body` reads a ``Content-Length`` or ``chunked`` body of at most :data:`MAX_BODY`
bytes. It parses strictly, because lenient parsing is how limits are bypassed: a
``Content-Length`` is 1 to 10 decimal digits (no sign, no ``_``), a chunk size 1 to 8 hex
digits (so never negative), lines at most :data:`MAX_LINE` bytes, at most
:data:`MAX_TRAILERS` trailer lines; a body with both ``Content-Length`` and
``Transfer-Encoding``, or a transfer coding other than ``chunked``, is refused. Every refusal is
a :class:`BodyError` carrying the status to answer (400, 413 or 501); the connection must then
be closed, since the rest of the stream can no longer be trusted.
"""

from __future__ import annotations

import re
from email.message import Message
from io import BufferedIOBase
from typing import Final

#: Largest request body accepted (bytes), however it is framed.
MAX_BODY: Final = 1 << 20
#: Longest chunk-size or trailer line (bytes, line ending included).
MAX_LINE: Final = 4096
#: Most trailer lines after the last chunk.
MAX_TRAILERS: Final = 32

_LENGTH_RE: Final = re.compile(r"[0-9]{1,10}")
_CHUNK_SIZE_RE: Final = re.compile(rb"[0-9A-Fa-f]{1,8}")


class BodyError(Exception):
    """The body cannot be accepted; ``status`` is what to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _line(rfile: BufferedIOBase) -> bytes:
    line = rfile.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise BodyError(400, "a chunk line is too long")
    if not line.endswith(b"\n"):
        raise BodyError(400, "the body ended early")
    return line


def _exactly(rfile: BufferedIOBase, length: int) -> bytes:
    data = rfile.read(length)
    if len(data) != length:
        raise BodyError(400, "the body ended early")
    return data


def _chunked(rfile: BufferedIOBase) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        field = _line(rfile).split(b";", 1)[0].strip()
        if not _CHUNK_SIZE_RE.fullmatch(field):
            raise BodyError(400, "a chunk size is not 1 to 8 hexadecimal digits")
        length = int(field, 16)
        if length == 0:
            break
        size += length
        if size > MAX_BODY:
            raise BodyError(413, f"the body is larger than {MAX_BODY} bytes")
        chunks.append(_exactly(rfile, length))
        if _line(rfile).strip():
            raise BodyError(400, "a chunk is longer than its size")
    for _ in range(MAX_TRAILERS + 1):
        if not _line(rfile).strip():
            return b"".join(chunks)
    raise BodyError(400, "too many trailer lines")


def read_body(rfile: BufferedIOBase, headers: Message) -> bytes:
    """Read the body announced by ``headers`` from ``rfile``; raise :class:`BodyError`."""
    codings = headers.get_all("Transfer-Encoding") or []
    lengths = headers.get_all("Content-Length") or []
    if codings:
        if lengths:
            raise BodyError(400, "both Content-Length and Transfer-Encoding")
        if ",".join(codings).strip().lower() != "chunked":
            raise BodyError(501, "only the chunked transfer coding is supported")
        return _chunked(rfile)
    if not lengths:
        return b""
    values = {value.strip() for value in lengths}
    text = values.pop()
    if values or not _LENGTH_RE.fullmatch(text):
        raise BodyError(400, "Content-Length is not one decimal number")
    length = int(text)
    if length > MAX_BODY:
        raise BodyError(413, f"the body is larger than {MAX_BODY} bytes")
    return _exactly(rfile, length) if length else b""
