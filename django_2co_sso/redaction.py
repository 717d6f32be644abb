"""Removing secrets from text before it reaches a log, an exception or a repr."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "[redacted]"

# logintoken=..., ssotoken=..., hash="...", sessionID in JSON/XML bodies, and whole URLs
# that carry a token: patterns for secrets whose value the caller may not know.
_PATTERNS = (
    re.compile(r"(?i)(logintoken|ssotoken|singlesignontoken|token)=([^&\s\"'<>]+)"),
    re.compile(r'(?i)(hash)="([^"]*)"'),
    re.compile(r'(?i)("(?:hash|sessionid|session_id|result)"\s*:\s*)"([^"]*)"'),
)
#: Any run of 32 or more hex digits: login hashes (md5, sha256, sha3-256 hex digests, also
#: those computed in this process for a request that then failed) and sessionIDs, whether
#: or not the caller knows the value.
_HEX_RUN = re.compile(r"[0-9a-fA-F]{32,}")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every known secret value and every token-like pattern masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _PATTERNS[1].sub(lambda m: f'{m.group(1)}="{MASK}"', text)
    text = _PATTERNS[2].sub(lambda m: f'{m.group(1)}"{MASK}"', text)
    return _HEX_RUN.sub(MASK, text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks token-like values in a record's formatted message.

    Installed on third-party loggers that print request URLs at DEBUG (urllib3 logs
    ``GET /rest/6.0/customers/?ssotoken=… HTTP/1.1``), so no token reaches a log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info:
            # Exceptions may carry tokens too (VariableDoesNotExist holds the context).
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


#: Loggers that may print URLs carrying tokens: urllib3 logs request URLs at DEBUG, and
#: Django's template engine logs a whole template context (with any link in it) at DEBUG
#: when a variable does not resolve.
URL_LOGGERS = ("urllib3.connectionpool", "django.template")


def install_url_log_filters() -> None:
    """Add one :class:`RedactingFilter` to each logger in :data:`URL_LOGGERS` (idempotent)."""
    for name in URL_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(existing, RedactingFilter) for existing in target.filters):
            target.addFilter(RedactingFilter())
