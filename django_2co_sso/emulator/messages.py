"""Protocol-neutral HTTP request and response values passed between the server and handlers."""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs


class DropConnection(Exception):
    """Raised by a handler to close the connection without sending any response."""


@dataclasses.dataclass
class Request:
    """One HTTP request as the handlers see it.

    ``headers`` keys are lower case. ``protocol``/``operation`` are set once the request is
    identified as an API call (or a landing page), so the server can record it.
    """

    method: str
    path: str
    query_string: str
    headers: Mapping[str, str]
    body: bytes
    client_ip: str
    protocol: str | None = None
    operation: str | None = None

    @property
    def query(self) -> dict[str, list[str]]:
        """The query string decoded (blank values kept)."""
        return parse_qs(self.query_string, keep_blank_values=True)

    def query_value(self, *names: str) -> str | None:
        """The first value of the first query parameter present among ``names``, or None."""
        query = self.query
        for name in names:
            if name in query:
                return query[name][0]
        return None

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), or None."""
        return self.headers.get(name.lower())


@dataclasses.dataclass
class Response:
    """An HTTP answer: status, body and content type (plus extra headers)."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON response of ``data`` (compact, UTF-8)."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(status, body, "application/json; charset=utf-8")


def html_response(title: str, paragraphs: list[str], status: int = 200) -> Response:
    """A small HTML page; ``title`` and ``paragraphs`` are plain text (escaped here)."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Response(status, page.encode("utf-8"), "text/html; charset=utf-8")


def text_response(text: str, status: int) -> Response:
    """A plain-text response."""
    return Response(status, text.encode("utf-8"), "text/plain; charset=utf-8")
