"""What a transport is: how one operation crosses one protocol, and nothing else.

A :class:`Transport` sends an :class:`~django_2co_sso.backends.operations.Operation` with
its validated request and returns 2Checkout's answer decoded to plain Python values, or
raises. Validation, the circuit breaker, the session, the log line and the answer check
belong to the pipeline (:class:`~django_2co_sso.backends.base.BaseBackend`), not here.

Contract of :meth:`Transport.send`:

* an error answer raises :class:`~django_2co_sso.exceptions.APIError` built with
  :meth:`Transport.api_error` (which tells refused logins and expired sessions apart and
  removes the secret key and the sessionID from the message);
* no usable answer (timeout, refused or dropped connection, HTTP error without an error
  body, unreadable body) raises a :class:`~django_2co_sso.exceptions.TransportError`, which
  the circuit breaker counts;
* nothing is logged above DEBUG, and no secret is put into a message.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar

from ..conf import SSOConfig
from ..exceptions import APIError, AuthenticationError, SessionExpiredError
from ..redaction import redact
from .operations import Operation

#: Login error codes that mean the credentials were refused.
AUTHENTICATION_CODES = frozenset({"AUTHENTICATION_FAILED", "AUTHENTICATION_ERROR", "FORBIDDEN"})


class Transport(abc.ABC):
    """One protocol. Built once per backend and shared by threads: no per-call state."""

    #: Short protocol name used in log lines and cache keys ("soap", "rpc", "rest", "locmem").
    protocol: ClassVar[str] = ""
    #: Whether calls need a sessionID from ``login`` (sent first in every call).
    uses_session: ClassVar[bool] = False

    def __init__(self, config: SSOConfig) -> None:
        self.config = config

    def can_send(self, operation: Operation) -> bool:
        """Whether this protocol has ``operation`` (REST has no Channel Manager calls)."""
        return True

    @abc.abstractmethod
    def send(self, operation: Operation, request: Any, session_id: str | None) -> Any:
        """Send ``operation`` with ``request`` (and ``session_id`` first, when given).

        Returns the decoded answer; raises as described in the module docstring.
        """

    def warm_up(self) -> None:  # noqa: B027 - optional hook, empty on purpose
        """Prepare what the first call would otherwise pay for; makes no API call."""

    def api_error(
        self, method: str, code: object, message: object, session_id: str | None = None
    ) -> APIError:
        """The exception for an error answer, classified by code, with secrets removed."""
        code_text = str(code).strip() or "UNKNOWN"
        if ":" in code_text and not code_text.startswith("http"):
            code_text = code_text.rsplit(":", 1)[-1]  # drop a SOAP namespace prefix
        secrets = (self.config.secret_key, session_id) if session_id else (self.config.secret_key,)
        text = redact(str(message or ""), secrets)[:500]
        if method == "login" and code_text.upper() in AUTHENTICATION_CODES:
            return AuthenticationError(text, code=code_text, method=method)
        if method != "login" and code_text in self.config.session_error_codes:
            return SessionExpiredError(text, code=code_text, method=method)
        return APIError(text, code=code_text, method=method)
