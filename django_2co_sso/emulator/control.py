"""The control endpoint under ``/__emulator__/``, for tests and demos in other processes.

All bodies are JSON. Endpoints:

* ``GET /__emulator__/state``: base URL, merchant code, clock offset, counts of live sessions
  and tokens, the faults, and the data (never the secret key, a sessionID or a token).
* ``GET /__emulator__/calls``: the call counters and service times
  (:meth:`.stats.CallStats.snapshot`); ``DELETE`` resets them.
* ``GET /__emulator__/faults``: the live fault rules; ``POST`` adds one rule object or a list of
  them (keys of :class:`.faults.FaultRule`: ``operation``, ``protocol``, ``times``, ``delay``,
  ``expire_session``, ``drop``, ``http_status``, ``body``, ``malformed``, ``error_code``,
  ``error_message``) and answers 201 with them; ``DELETE`` clears them.
* ``POST /__emulator__/reset``: clear faults, counters, sessions, tokens and the clock offset,
  and restore the seed.
* ``POST /__emulator__/clock`` ``{"advance": seconds}``: move the emulator clock forward;
  ``GET`` reads the offset.
* ``POST /__emulator__/seed``: replace the seed (JSON seed format of :mod:`.data`) and reset.

Orders, notifications, listeners, life-cycle actions and the operator page:
:mod:`.commerce_control`.

Errors answer 400 (bad JSON or values), 404 (unknown endpoint) or 405 (wrong method) with
``{"error": "..."}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from . import commerce_control, jsonbody
from .faults import rule_from_mapping
from .messages import Request, Response, json_response

if TYPE_CHECKING:
    from .emulator import Emulator

PREFIX: Final = "/__emulator__"


def _error(message: str, status: int) -> Response:
    return json_response({"error": message}, status)


def handle(request: Request, emulator: Emulator) -> Response:
    """Answer a control request."""
    endpoint = request.path[len(PREFIX) :].strip("/") or "state"
    method = request.method
    if endpoint.split("/")[0] in commerce_control.ENDPOINTS:
        return commerce_control.handle(request, emulator, endpoint)
    try:
        body = jsonbody.request_json(request) if method == "POST" else None
    except jsonbody.BadJSON as exc:
        return _error(str(exc), 400)
    try:
        match endpoint, method:
            case "state", "GET":
                return json_response(emulator.state())
            case "calls", "GET":
                return json_response(emulator.calls.snapshot())
            case "calls", "DELETE":
                emulator.calls.reset()
                return json_response({"ok": True})
            case "faults", "GET":
                return json_response({"faults": [r.to_dict() for r in emulator.faults.rules]})
            case "faults", "POST":
                items: list[Any] = body if isinstance(body, list) else [body]
                if not all(isinstance(item, dict) for item in items):
                    return _error("POST a fault object or a list of them", 400)
                rules = [rule_from_mapping(item) for item in items]
                for rule in rules:
                    emulator.faults.add(rule)
                return json_response({"faults": [r.to_dict() for r in rules]}, 201)
            case "faults", "DELETE":
                emulator.faults.clear()
                return json_response({"ok": True})
            case "reset", "POST":
                emulator.reset()
                return json_response({"ok": True})
            case "clock", "GET":
                return json_response({"offset": emulator.clock.offset})
            case "clock", "POST":
                if not isinstance(body, dict) or set(body) != {"advance"}:
                    return _error('POST {"advance": seconds}', 400)
                advance = body["advance"]
                if isinstance(advance, bool) or not isinstance(advance, int | float):
                    return _error("advance must be a number of seconds", 400)
                return json_response({"offset": emulator.clock.advance(advance)})
            case "seed", "POST":
                if not isinstance(body, dict):
                    return _error("POST a seed object", 400)
                emulator.load_seed(body)
                return json_response({"ok": True})
            case (("state" | "calls" | "faults" | "reset" | "clock" | "seed"), _):
                return _error(f"method {method} not allowed here", 405)
    except ValueError as exc:
        return _error(str(exc), 400)
    return _error("unknown control endpoint", 404)
