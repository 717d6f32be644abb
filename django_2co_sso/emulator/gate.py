"""The gate every identified API call passes: it records the call and applies injected faults."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from .errors import ApiError
from .faults import FaultInjector
from .messages import DropConnection, Request, Response
from .sessions import SessionStore

#: What a ``malformed`` fault answers (with status 200 and the protocol's content type).
MALFORMED_BODY: Final = b"\x00<<garbage {not xml, not json"
_DEFAULT_STATUS_BODY: Final = (
    "<!DOCTYPE html><html><head><title>{status} Error</title></head>"
    "<body><h1>{status} Error</h1><p>Injected by the 2Checkout emulator.</p></body></html>"
)


class CallGate:
    """Marks requests as API calls and applies the first matching fault rule; thread-safe."""

    def __init__(
        self,
        faults: FaultInjector,
        sessions: SessionStore,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._faults = faults
        self._sessions = sessions
        self._sleep = sleep

    def enter(
        self, request: Request, protocol: str, operation: str, content_type: str
    ) -> Response | None:
        """Record ``request`` as ``operation`` over ``protocol`` and apply any fault.

        Returns None to let the call proceed, or a :class:`Response` to send instead (an
        injected HTTP status or a malformed body). Raises :class:`DropConnection` for ``drop``
        and :class:`~.errors.ApiError` for an injected ``error_code``. ``content_type`` is the
        protocol's normal answer type (used for malformed bodies).
        """
        request.protocol = protocol
        request.operation = operation
        rule = self._faults.take(operation, protocol)
        if rule is None:
            return None
        if rule.delay:
            self._sleep(rule.delay)
        if rule.expire_session:
            self._sessions.expire_all()
        if rule.drop:
            raise DropConnection
        if rule.http_status is not None:
            status = int(rule.http_status)
            if rule.body is not None:
                body = rule.body
            else:
                body = _DEFAULT_STATUS_BODY.format(status=status)
            return Response(status, body.encode("utf-8"), "text/html; charset=utf-8")
        if rule.malformed:
            return Response(200, MALFORMED_BODY, content_type)
        if rule.error_code is not None:
            raise ApiError(rule.error_code, rule.error_message or "Injected fault.")
        return None
