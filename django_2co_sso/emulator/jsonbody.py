"""Parsing JSON request bodies that may be hostile (control endpoint, JSON-RPC).

:func:`loads` accepts what a client sends in good faith and refuses, with :class:`BadJSON`
(a :class:`ValueError`), what would otherwise exhaust the process or answer 500: nesting
deeper than :data:`MAX_DEPTH` (checked by a linear scan before parsing, so the parser never
recurses that deep), integers longer than :data:`MAX_DIGITS` digits (Python refuses to convert
more than 4300 anyway, with an unrelated error), non-finite numbers (``NaN``, ``Infinity``,
``1e999``) and bytes that are not UTF-8.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from .messages import Request

#: Deepest nesting of arrays and objects accepted.
MAX_DEPTH: Final = 32
#: Longest integer accepted, in digits.
MAX_DIGITS: Final = 20


class BadJSON(ValueError):
    """The body is not JSON the emulator accepts; the message says why."""


def _depth_problem(text: str) -> str | None:
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels"
        elif char in "]}":
            depth -= 1
    return None


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise BadJSON(f"an integer longer than {MAX_DIGITS} digits")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJSON("a number out of range")
    return value


def _refuse_constant(name: str) -> Any:
    raise BadJSON(f"{name}, which is not a JSON number")


def loads(body: bytes) -> Any:
    """Parse ``body`` (UTF-8 JSON); raise :class:`BadJSON` saying why it is refused."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJSON("the body is not UTF-8") from None
    problem = _depth_problem(text)
    if problem is not None:
        raise BadJSON(f"the body is {problem}")
    try:
        return json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_refuse_constant,
        )
    except BadJSON as exc:
        raise BadJSON(f"the body has {exc}") from None
    except (json.JSONDecodeError, RecursionError):
        raise BadJSON("the body must be JSON") from None


def request_json(request: Request) -> Any:
    """The JSON body of ``request`` (``{}`` when empty); raises :class:`BadJSON`."""
    if not request.body.strip():
        return {}
    return loads(request.body)
